"""Secrets out of everything the agent persists or prints: ``redact(text)``.

A sandboxed test can print whatever it can read (an environment token, a key it found) into a
failure message, and that message travels into the journal, the success pairs, the fix memory
and the ``--json`` output. ``redact`` replaces what looks like a secret with ``[REDACTED]``:
private-key blocks, password hashes, the token formats of common services, the value of
``password=``/``token:``-style assignments, and long high-entropy strings that mix upper and
lower case letters and digits (hex digests, which the journal relies on, never match: no
upper case). It works on plain text and on serialized JSON alike and never removes a quote or
a backslash, so JSON stays JSON.
"""

from __future__ import annotations

import math
import re
from collections import Counter

MARK = "[REDACTED]"

_B64ISH = r"(?:[A-Za-z0-9+/=]|\\[nr]|[ \t\r\n])"
_PATTERNS = (
    # a private key block, whole; cut at the end of its base64 when the END line is missing
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
               r"(?:" + _B64ISH + r"|[:,-](?!----))*?"
               r"(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|(?=[^A-Za-z0-9+/=\s\\])|$)"),
    # crypt(3) password hashes, as in /etc/shadow
    re.compile(r"\$(?:1|2[abxy]?|5|6|y|gy|7|sha1|md5)\$[^\s:\"'\\$]*\$[./A-Za-z0-9$]{8,}"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"),  # GitHub
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack
    re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"),  # OpenAI / Anthropic style
    re.compile(r"\bhf_[A-Za-z0-9]{30,}"),  # Hugging Face
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),  # Google API keys
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWTs
)
_ASSIGNED = re.compile(
    r"(?i)((?:\b|(?<=_))(?:pass(?:word|wd)?|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|client[_-]?secret|auth(?:orization)?|bearer)\b[\"']?\s*(?:[:=]|\s)\s*"
    r"[\"']?)([^\s\"'\\,;()\[\]{}]{8,})"
)
# code, not a secret: dotted/underscored names of lower-case words, CONSTANTS and camelCase or
# CamelCase words, each capital followed by two or more small letters with a vowel (isOpen,
# PasswordManager). Random letters rarely fall in these; a false alarm only hides a name.
# Every capital starts a word, so matching stays linear.
_SMALL = r"(?=[a-z]*[aeiouy])[a-z]{2,}"
_WORDS = r"(?:(?:" + _SMALL + r"|[A-Z]" + _SMALL + r")(?:[A-Z]" + _SMALL + r")*|[A-Z]+|[a-z])"
_IDENTIFIER = re.compile(r"_*" + _WORDS + r"(?:[_.]+" + _WORDS + r")*_*")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_random(token: str) -> bool:
    core = token.strip("=-_/")
    return (
        len(core) >= 32
        and any(c.isupper() for c in core)
        and any(c.islower() for c in core)
        and any(c.isdigit() for c in core)
        and _entropy(core) >= 4.3
    )


def redact(text: str) -> str:
    """``text`` with anything that looks like a secret replaced by ``[REDACTED]``."""
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(MARK, text)
    # a name like get_password_from is code, not a secret; a digit, a symbol or random-cased letters
    text = _ASSIGNED.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) == MARK
                                                  or _IDENTIFIER.fullmatch(m.group(2))
                                                  else MARK), text)
    return _LONG_TOKEN.sub(lambda m: MARK if _looks_random(m.group(0)) else m.group(0), text)


def redact_values(value):  # noqa: ANN001, ANN201 - any JSON-like value
    """A copy of a JSON-like value (dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_values(item) for item in value)
    return value


__all__ = ["MARK", "redact", "redact_values"]
