"""``redact``: what it hides, what it leaves alone (digests, code, ordinary test output)."""

from __future__ import annotations

import json
import secrets
import string

import pytest
from security_helpers import fake_private_key

from selfheal_local.io.redact import MARK, redact, redact_values


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
SECRETS = {
    "shadow": "root:$6$Qx3rT9sa$" + _random(ALNUM + "./", 86) + ":19700:0:99999:7:::",
    "aws": "AKIA" + _random(string.ascii_uppercase + string.digits, 16),
    "github": "ghp_" + _random(ALNUM, 36),
    "slack": "xoxb-" + _random(string.digits, 12) + "-" + _random(ALNUM, 24),
    "openai": "sk-proj-" + _random(ALNUM, 40),
    "hf": "hf_" + _random(ALNUM, 34),
    "jwt": "eyJ" + _random(ALNUM, 20) + ".eyJ" + _random(ALNUM, 30) + "." + _random(ALNUM, 40),
    "assigned": "DB_PASSWORD=" + _random(ALNUM, 14),
    "entropy": _random(ALNUM, 48),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_shapes_are_redacted_in_text_and_in_json(name):
    secret = SECRETS[name]
    sensitive = secret.split("=", 1)[-1] if name == "assigned" else secret
    if name == "shadow":
        sensitive = secret.split(":")[1]
    text = f"E   AssertionError: leaked {secret} here"
    assert sensitive not in redact(text) and MARK in redact(text)
    as_json = json.dumps({"message": text})
    assert json.loads(redact(as_json))["message"] == redact(text)


def test_a_value_of_random_letters_is_a_secret_even_without_a_digit():
    # the draw a CI run once made: only letters, so it passed for a name and leaked
    assert redact("leaked DB_PASSWORD=QoEtnWvdziKnPO here") == f"leaked DB_PASSWORD={MARK} here"
    assert redact("token: xkcdQwzrtPlm") == f"token: {MARK}"


def test_a_private_key_block_goes_whole_even_cut_short_or_escaped(token):
    key = fake_private_key(token)
    body = key.splitlines()[1]
    for text in (f"got {key} end", f"got {key[:150]}...", f"got {key!r}",
                 json.dumps({"out": key}), json.dumps({"out": key[:150]})):
        out = redact(text)
        assert body[:40] not in out and "PRIVATE KEY" not in out, out
        if text.startswith("{"):
            json.loads(out)


def test_ordinary_output_digests_and_code_are_left_alone():
    kept = [
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "File \"/tmp/selfheal-ws-x1/tests/test_cart.py\", line 3, in test_total_with_tax_and_rounding",
        "assert cart_total([10.0, 5.0], 0.2) == 18.0",
        "NameError: name 'subtotl' is not defined. Did you mean: 'subtotal'?",
        "token: expected a str, got None",
        "password = get_password_from(settings)",
        "password: PasswordManager.get, token = self.token_store, api_key=API_KEY_ENV",
        "--- a/shop/cart.py\n+++ b/shop/cart.py\n@@ -1,4 +1,4 @@\n-    return round(subtotl + tax, 2)",
        "SomeVeryLongCamelCaseClassNameForTestingThings",
    ]
    for text in kept:
        assert redact(text) == text


def test_redact_values_walks_json_like_values():
    secret = SECRETS["github"]
    value = {"findings": [{"message": f"leak {secret}", "line": 3}], "healthy": True, "n": None}
    out = redact_values(value)
    assert secret not in json.dumps(out)
    assert out["findings"][0]["line"] == 3 and out["healthy"] is True and out["n"] is None
