"""Analysis: classify a finding into the error taxonomy and say what a fixer needs to know.

``classify`` maps an exception type (or a ruff rule code) plus its message to one pattern of
``types.PATTERNS``; ``diagnose`` adds the name involved, the failing place (the project frame
closest to the error), the enclosing function and its span. Neither ever raises on odd input:
what cannot be known is left empty.
"""

from __future__ import annotations

import ast
import builtins
import logging
import re

from .detect.traceback import closest_project_frame, split_exception_line
from .errors import SelfHealError
from .project import MAX_SOURCE_BYTES, Project
from .types import Diagnosis, Finding, FindingSource

log = logging.getLogger(__name__)

EXCEPTION_PATTERNS: dict[str, str] = {
    "NameError": "undefined_variable",
    "UnboundLocalError": "undefined_variable",
    "AttributeError": "attribute_error",
    "TypeError": "type_error",
    "ModuleNotFoundError": "import_error",
    "ImportError": "import_error",
    "SyntaxError": "syntax_error",
    "IndentationError": "syntax_error",
    "TabError": "syntax_error",
    "IndexError": "index_error",
    "KeyError": "key_error",
    "ValueError": "value_error",
    "ZeroDivisionError": "zero_division_error",
    "FileNotFoundError": "file_not_found_error",
    "PermissionError": "permission_error",
    "TimeoutError": "timeout_error",
    "TimeoutExpired": "timeout_error",
    "MemoryError": "memory_error",
    "RecursionError": "recursion_error",
    "AssertionError": "assertion_error",
    "NotImplementedError": "not_implemented_error",
    "RuntimeError": "runtime_error",
    "JSONDecodeError": "value_error",
}
"""Exception class name -> pattern; subclasses of builtins follow their nearest mapped base."""

RUFF_PATTERNS: dict[str, str] = {
    "F821": "undefined_variable", "F822": "undefined_variable", "F823": "undefined_variable",
    "F501": "value_error", "F502": "type_error", "F503": "type_error", "F505": "key_error",
    "F506": "type_error", "F507": "type_error", "F508": "type_error", "F509": "value_error",
    "F521": "value_error", "F524": "key_error", "F525": "value_error",
    "F701": "syntax_error", "F702": "syntax_error", "F704": "syntax_error",
    "F706": "syntax_error", "F707": "syntax_error", "E999": "syntax_error",
    "F631": "assertion_error", "F901": "not_implemented_error", "F633": "type_error",
    "PLE0101": "type_error", "PLE0604": "type_error", "PLE0605": "type_error",
    "PLE1142": "syntax_error", "PLE0117": "syntax_error", "PLE0118": "syntax_error",
    "PLE1300": "value_error", "PLE1307": "type_error", "PLE1310": "value_error",
    "PLE2502": "syntax_error",
    "invalid-syntax": "syntax_error", "SyntaxError": "syntax_error",
}
"""ruff rules that are real errors at run time; any other rule is ``lint``."""

RUFF_EXCEPTIONS: dict[str, str] = {
    "F821": "NameError", "F822": "NameError", "F823": "UnboundLocalError",
    "F901": "TypeError", "F631": "AssertionError",
}

_RUFF_CODE = re.compile(r"^[A-Z]{1,4}\d{3,4}$")
_MESSAGE_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"maximum recursion depth"), "recursion_error"),
    (re.compile(r"\[Errno 2\]|No such file or directory"), "file_not_found_error"),
    (re.compile(r"\[Errno 13\]|Permission denied"), "permission_error"),
    (re.compile(r"^Timeout\b|timed out", re.IGNORECASE), "timeout_error"),
    (re.compile(r"^DID NOT RAISE"), "assertion_error"),
)


def is_ruff_code(code: str) -> bool:
    return code in RUFF_PATTERNS or bool(_RUFF_CODE.match(code))


def classify(exception_type: str, message: str = "") -> str:
    """The taxonomy pattern of an exception type or ruff code (``exception`` when unknown)."""
    code = (exception_type or "").strip()
    if code == "E902":  # ruff could not read the file
        return _unreadable_pattern(message)
    if is_ruff_code(code):
        return RUFF_PATTERNS.get(code, "lint")
    name = code.rsplit(".", 1)[-1]
    if name in EXCEPTION_PATTERNS:
        return EXCEPTION_PATTERNS[name]
    by_base = _builtin_base_pattern(name)
    if by_base:
        return by_base
    for pattern, result in _MESSAGE_HINTS:
        if pattern.search(message or ""):
            return result
    if name.endswith("Timeout") or name.endswith("TimeoutError"):
        return "timeout_error"
    return "exception"


def _unreadable_pattern(message: str) -> str:
    lowered = message.lower()
    if "utf-8" in lowered or "utf8" in lowered:
        return "syntax_error"  # Python cannot import it either
    return "permission_error" if "permission" in lowered else "file_not_found_error"


def _builtin_base_pattern(name: str) -> str:
    cls = getattr(builtins, name, None)
    if not isinstance(cls, type) or not issubclass(cls, BaseException):
        return ""
    for base in cls.__mro__[1:]:
        if base.__name__ in EXCEPTION_PATTERNS:
            return EXCEPTION_PATTERNS[base.__name__]
    if issubclass(cls, OSError):
        return ""  # OSError itself: the message (errno) decides
    return ""


# --- the name involved -------------------------------------------------------------------

_Q = r"['\"`]"
_NAME_RULES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("undefined_variable", re.compile(r"name '(?P<name>\w+)' is not defined"), ()),
    ("undefined_variable", re.compile(r"local variable '(?P<name>\w+)'"), ()),
    ("undefined_variable", re.compile(r"cannot access (?:local|free) variable '(?P<name>\w+)'"), ()),
    ("undefined_variable", re.compile(r"[Uu]ndefined name `(?P<name>[\w.]+)`"), ()),
    ("undefined_variable", re.compile(r"[Ll]ocal variable `(?P<name>\w+)`"), ()),
    ("attribute_error", re.compile(
        r"module '(?P<owner>[\w.]+)' has no attribute '(?P<name>\w+)'"), ("owner",)),
    ("attribute_error", re.compile(
        r"type object '(?P<owner>[\w.]+)' has no attribute '(?P<name>\w+)'"), ("owner",)),
    ("attribute_error", re.compile(
        r"'(?P<owner>[\w.]+)' object has no attribute '(?P<name>\w+)'"), ("owner",)),
    ("import_error", re.compile(
        r"cannot import name '(?P<name>[\w.]+)' from '(?P<module>[\w.]+)'"), ("module",)),
    ("import_error", re.compile(
        r"cannot import name '(?P<name>[\w.]+)' from partially initialized module "
        r"'(?P<module>[\w.]+)'"), ("module",)),
    ("import_error", re.compile(r"No module named '(?P<name>[\w.]+)'"), ("module=name",)),
    ("import_error", re.compile(r"No module named (?P<name>[\w.]+)"), ("module=name",)),
    ("file_not_found_error", re.compile(r"No such file or directory: '(?P<name>[^']*)'"),
     ("path=name",)),
    ("permission_error", re.compile(r"Permission denied: '(?P<name>[^']*)'"), ("path=name",)),
)
_TYPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("concat", re.compile(r'can only concatenate (?P<left>\w+) \(not "(?P<right>\w+)"\) to \w+')),
    ("operand", re.compile(
        r"unsupported operand type\(s\) for (?P<operator>.+?): '(?P<left>[\w.]+)' and "
        r"'(?P<right>[\w.]+)'")),
    ("compare", re.compile(
        r"'(?P<operator>[<>=!]+)' not supported between instances of '(?P<left>[\w.]+)' and "
        r"'(?P<right>[\w.]+)'")),
    ("unexpected_keyword", re.compile(
        r"(?P<function>[\w.<>]+)\(\) got an unexpected keyword argument '(?P<keyword>\w+)'")),
    ("missing_arguments", re.compile(
        r"(?P<function>[\w.<>]+)\(\) missing (?P<count>\d+) required (?:positional|keyword-only) "
        r"arguments?: (?P<missing>.+)")),
    ("too_many_arguments", re.compile(
        r"(?P<function>[\w.<>]+)\(\) takes (?:from \d+ to )?(?P<expected>\d+) positional "
        r"arguments? but (?P<given>\d+) (?:was|were) given")),
    ("not_callable", re.compile(r"'(?P<owner>[\w.]+)' object is not callable")),
    ("not_subscriptable", re.compile(r"'(?P<owner>[\w.]+)' object is not subscriptable")),
    ("not_iterable", re.compile(r"'(?P<owner>[\w.]+)' object is not iterable")),
    ("no_len", re.compile(r"object of type '(?P<owner>[\w.]+)' has no len\(\)")),
    ("wrong_type", re.compile(r"must be (?P<expected>[\w.]+),? not (?P<right>[\w.]+)")),
)
_VALUE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("invalid_literal", re.compile(
        r"invalid literal for (?P<function>\w+)\(\) with base \d+: (?P<value>.*)")),
    ("could_not_convert", re.compile(r"could not convert string to float: (?P<value>.*)")),
    ("unpack", re.compile(r"(?P<problem>too many|not enough) values to unpack")),
)
_SUGGESTION = re.compile(r"Did you mean:? '?(?P<s>[\w.]+)'?\??")


def extract_details(exception_type: str, message: str) -> tuple[str, dict[str, str]]:
    """``(name, details)`` read from an exception message (both empty when nothing matches)."""
    pattern = classify(exception_type, message)
    details: dict[str, str] = {}
    name = ""
    for rule_pattern, regex, extras in _NAME_RULES:
        if rule_pattern != pattern:
            continue
        match = regex.search(message)
        if match:
            name = match["name"]
            for extra in extras:  # "detail" or "detail=group"
                key, _, group = extra.partition("=")
                details[key] = match[group or key]
            if pattern == "attribute_error":
                details["owner_kind"] = _owner_kind(regex.pattern)
            break
    if pattern == "type_error":
        name = _apply_rules(_TYPE_RULES, message, details) or name
    elif pattern == "value_error":
        _apply_rules(_VALUE_RULES, message, details)
    elif pattern == "key_error":
        name = _key_name(message, details)
    elif pattern == "import_error" and name:
        details.setdefault("module", name)
    elif pattern == "lint":
        quoted = re.search(r"`([^`]+)`", message)
        name = quoted.group(1) if quoted else ""
    suggestion = _SUGGESTION.search(message)
    if suggestion:
        details["suggestion"] = suggestion["s"]
    return name, details


def _owner_kind(regex_text: str) -> str:
    if regex_text.startswith("module"):
        return "module"
    return "class" if regex_text.startswith("type object") else "instance"


def _apply_rules(rules: tuple[tuple[str, re.Pattern[str]], ...], message: str,
                 details: dict[str, str]) -> str:
    for kind, regex in rules:
        match = regex.search(message)
        if match:
            details["kind"] = kind
            details.update({k: v.strip() for k, v in match.groupdict().items() if v is not None})
            if "missing" in details:
                details["missing"] = ",".join(re.findall(r"'(\w+)'", details["missing"]))
            return details.get("keyword") or details.get("function") or ""
    return ""


def _key_name(message: str, details: dict[str, str]) -> str:
    text = message.strip()
    if not text:
        return ""
    details["key_repr"] = text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else repr(value)


# --- where, and in which function ---------------------------------------------------------


def _exception_of(finding: Finding) -> tuple[str, str]:
    code, message = finding.code, finding.message
    if finding.source == FindingSource.SYNTAX.value:
        return (code if code in EXCEPTION_PATTERNS else "SyntaxError"), message
    if finding.source == FindingSource.RUFF.value or is_ruff_code(code):
        return RUFF_EXCEPTIONS.get(code, code), message
    if not code:
        parsed_type, parsed_message = split_exception_line(message)
        if parsed_type:
            return parsed_type, parsed_message
    return code, message


def _location(finding: Finding) -> tuple[str, int]:
    target = closest_project_frame(finding.frames)
    if target is not None and (target.file == finding.file or not finding.file):
        return target.file, target.line
    return finding.file, finding.line


def enclosing_function(
    source: str, line: int, tree: ast.Module | None = None
) -> tuple[str, tuple[int, int]]:
    """``(qualified name, (first, last))`` of the innermost function around ``line``.

    ``tree`` is ``source``'s tree when the caller already has it.
    """
    if line <= 0 or not source:
        return "", (0, 0)
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return _enclosing_by_indent(source.splitlines(), line)
    best: tuple[str, tuple[int, int]] = ("", (0, 0))
    stack: list[tuple[ast.AST, tuple[str, ...]]] = [(tree, ())]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                last = child.end_lineno or child.lineno
                if not first <= line <= last:
                    continue
                qual = (*prefix, child.name)
                if not isinstance(child, ast.ClassDef):
                    best = (".".join(qual), (first, last))
                stack.append((child, qual))
            else:
                stack.append((child, prefix))
    return best


_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")


def _enclosing_by_indent(lines: list[str], line: int) -> tuple[str, tuple[int, int]]:
    """Best effort for source that does not parse: the nearest ``def`` above, by indentation."""
    if line > len(lines):
        return "", (0, 0)
    for start in range(line - 1, -1, -1):
        match = _DEF.match(lines[start])
        if not match:
            continue
        indent = len(match["indent"].expandtabs())
        end = start + 1
        while end < len(lines):
            text = lines[end]
            if text.strip() and len(text) - len(text.lstrip()) <= indent and not text.lstrip().startswith(")"):
                break
            end += 1
        while end - 1 > start and not lines[end - 1].strip():
            end -= 1
        if end >= line:
            return match["name"], (start + 1, end)
    return "", (0, 0)


def _source_of(project: Project, rel: str) -> tuple[str, ast.Module | None]:
    """The file's text and tree from the project's cache (``("", None)`` when unavailable)."""
    if not rel:
        return "", None
    try:
        path = project.resolve(rel)
        if not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            return "", None
        return project.read(rel), project.tree(rel)
    except (SelfHealError, OSError, ValueError) as exc:
        log.debug("%s: source not available for analysis (%s)", rel, exc)
        return "", None


def diagnose(finding: Finding, project: Project) -> Diagnosis:
    """Classify ``finding`` and extract what the fixers need; never raises on odd input."""
    exception_type, message = _exception_of(finding)
    pattern = classify(finding.code if finding.source == FindingSource.RUFF.value else
                       exception_type, message)
    name, details = extract_details(exception_type if pattern != "lint" else finding.code, message)
    if finding.source == FindingSource.RUFF.value:
        details["rule"] = finding.code
    file, line = _location(finding)
    source, tree = _source_of(project, file)
    function, span = enclosing_function(source, line, tree)

    if source and 0 < line <= len(source.splitlines()):
        details["source_line"] = source.splitlines()[line - 1].strip()
    return Diagnosis(
        finding=finding,
        pattern=pattern,
        exception_type=exception_type,
        message=message,
        name=name,
        file=file,
        line=line,
        function=function,
        function_span=span,
        test_ids=finding.test_ids,
        details=details,
    )


__all__ = [
    "EXCEPTION_PATTERNS",
    "RUFF_PATTERNS",
    "classify",
    "diagnose",
    "enclosing_function",
    "extract_details",
    "is_ruff_code",
]
