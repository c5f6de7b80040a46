"""Analysis: the taxonomy, the name involved, the place and the enclosing function."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from selfheal_local.analyze import classify, diagnose, enclosing_function, extract_details
from selfheal_local.config import Config
from selfheal_local.project import Project
from selfheal_local.types import PATTERNS, Finding, Frame


@pytest.mark.parametrize(("code", "message", "pattern"), [
    ("NameError", "name 'x' is not defined", "undefined_variable"),
    ("UnboundLocalError", "cannot access local variable 'x'", "undefined_variable"),
    ("AttributeError", "'A' object has no attribute 'b'", "attribute_error"),
    ("TypeError", "unsupported operand", "type_error"),
    ("ModuleNotFoundError", "No module named 'x'", "import_error"),
    ("ImportError", "cannot import name 'x' from 'y'", "import_error"),
    ("SyntaxError", "invalid syntax", "syntax_error"),
    ("IndentationError", "expected an indented block", "syntax_error"),
    ("TabError", "inconsistent use of tabs", "syntax_error"),
    ("IndexError", "list index out of range", "index_error"),
    ("KeyError", "'k'", "key_error"),
    ("ValueError", "bad", "value_error"),
    ("json.decoder.JSONDecodeError", "Expecting value", "value_error"),
    ("UnicodeDecodeError", "'utf-8' codec", "value_error"),
    ("ZeroDivisionError", "division by zero", "zero_division_error"),
    ("FileNotFoundError", "[Errno 2] No such file", "file_not_found_error"),
    ("PermissionError", "[Errno 13] Permission denied", "permission_error"),
    ("OSError", "[Errno 2] No such file or directory: 'x'", "file_not_found_error"),
    ("TimeoutError", "", "timeout_error"),
    ("subprocess.TimeoutExpired", "timed out", "timeout_error"),
    ("MemoryError", "", "memory_error"),
    ("RecursionError", "maximum recursion depth exceeded", "recursion_error"),
    ("AssertionError", "assert 1 == 2", "assertion_error"),
    ("NotImplementedError", "", "not_implemented_error"),
    ("RuntimeError", "boom", "runtime_error"),
    ("myapp.errors.ConfigError", "bad config", "exception"),
    ("", "", "exception"),
    ("F821", "Undefined name `x`", "undefined_variable"),
    ("F823", "Local variable `x` referenced before assignment", "undefined_variable"),
    ("F401", "`os` imported but unused", "lint"),
    ("F811", "Redefinition of unused `f`", "lint"),
    ("E711", "Comparison to `None`", "lint"),
    ("UP006", "Use `list`", "lint"),
    ("F507", "`%`-format string has 1 placeholder(s) but 2 substitution(s)", "type_error"),
    ("F706", "`return` statement outside of a function/method", "syntax_error"),
    ("E902", "stream did not contain valid UTF-8", "syntax_error"),
    ("invalid-syntax", "Expected `)`", "syntax_error"),
])
def test_classify(code: str, message: str, pattern: str) -> None:
    assert classify(code, message) == pattern
    assert pattern in PATTERNS


@pytest.mark.parametrize(("exc", "message", "name", "details"), [
    ("NameError", "name 'data' is not defined", "data", {}),
    ("NameError", "name 'totl' is not defined. Did you mean: 'total'?", "totl",
     {"suggestion": "total"}),
    ("UnboundLocalError", "cannot access local variable 'n' where it is not associated with a value",
     "n", {}),
    ("AttributeError", "'Box' object has no attribute 'vaule'", "vaule",
     {"owner": "Box", "owner_kind": "instance"}),
    ("AttributeError", "module 'os.path' has no attribute 'joinn'", "joinn",
     {"owner": "os.path", "owner_kind": "module"}),
    ("AttributeError", "type object 'Cfg' has no attribute 'load'", "load",
     {"owner": "Cfg", "owner_kind": "class"}),
    ("ImportError", "cannot import name 'Pth' from 'pathlib' (/usr/lib/python3.11/pathlib.py)",
     "Pth", {"module": "pathlib"}),
    ("ModuleNotFoundError", "No module named 'reqeusts'", "reqeusts", {"module": "reqeusts"}),
    ("KeyError", "'user_id'", "user_id", {"key_repr": "'user_id'"}),
    ("KeyError", "3", "3", {"key_repr": "3"}),
    ("TypeError", 'can only concatenate str (not "int") to str', "",
     {"kind": "concat", "left": "str", "right": "int"}),
    ("TypeError", "unsupported operand type(s) for +: 'int' and 'str'", "",
     {"kind": "operand", "operator": "+", "left": "int", "right": "str"}),
    ("TypeError", "greet() got an unexpected keyword argument 'nme'", "nme",
     {"kind": "unexpected_keyword", "function": "greet", "keyword": "nme"}),
    ("TypeError", "Box.put() missing 2 required positional arguments: 'a' and 'b'", "Box.put",
     {"kind": "missing_arguments", "function": "Box.put", "count": "2", "missing": "a,b"}),
    ("TypeError", "f() takes 1 positional argument but 2 were given", "f",
     {"kind": "too_many_arguments", "function": "f", "expected": "1", "given": "2"}),
    ("TypeError", "'NoneType' object is not subscriptable", "",
     {"kind": "not_subscriptable", "owner": "NoneType"}),
    ("ValueError", "invalid literal for int() with base 10: 'abc'", "",
     {"kind": "invalid_literal", "function": "int", "value": "'abc'"}),
    ("FileNotFoundError", "[Errno 2] No such file or directory: 'data/x.csv'", "data/x.csv",
     {"path": "data/x.csv"}),
    ("F821", "Undefined name `helper`", "helper", {}),
    ("F401", "`os` imported but unused", "os", {}),
])
def test_extract_details(exc: str, message: str, name: str, details: dict[str, str]) -> None:
    got_name, got = extract_details(exc, message)
    assert got_name == name
    assert {k: got.get(k) for k in details} == details


def _project(tmp_path: Path, files: dict[str, str | bytes]) -> Project:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"))
    return Project(root=tmp_path, config=Config())


SHOP = """
    import functools


    class Cart:
        def __init__(self):
            self.items = []

        @functools.cache
        def total(self):
            def price(item):
                return item.prise
            return sum(price(i) for i in self.items)


    def module_level():
        return 1
    """


def test_enclosing_function_qualified_names_and_spans() -> None:
    source = textwrap.dedent(SHOP).lstrip("\n")
    assert enclosing_function(source, 11) == ("Cart.total.price", (10, 11))
    assert enclosing_function(source, 12) == ("Cart.total", (8, 12))
    assert enclosing_function(source, 5) == ("Cart.__init__", (5, 6))
    assert enclosing_function(source, 1) == ("", (0, 0))
    assert enclosing_function("def f(:\n", 1) == ("f", (1, 1))  # best effort when it won't parse


def test_diagnose_test_finding_uses_the_project_frame_closest_to_the_error(tmp_path: Path) -> None:
    project = _project(tmp_path, {"shop/cart.py": SHOP, "tests/test_cart.py": "x = 1\n"})
    frames = (
        Frame("tests/test_cart.py", 1, "test_total", "assert cart.total() == 3"),
        Frame("shop/cart.py", 12, "total", "return sum(price(i) for i in self.items)"),
        Frame("shop/cart.py", 11, "price", "return item.prise"),
        Frame("/usr/lib/python3.11/functools.py", 10, "wrapper", "", in_project=False),
    )
    finding = Finding(source="test", file="shop/cart.py", line=11, code="AttributeError",
                      message="'Item' object has no attribute 'prise'. Did you mean: 'price'?",
                      frames=frames, test_ids=("tests/test_cart.py::test_total",))
    d = diagnose(finding, project)
    assert (d.pattern, d.exception_type, d.name) == ("attribute_error", "AttributeError", "prise")
    assert d.details["owner"] == "Item" and d.details["suggestion"] == "price"
    assert (d.file, d.line) == ("shop/cart.py", 11)
    assert d.function == "Cart.total.price" and d.function_span == (10, 11)
    assert d.test_ids == ("tests/test_cart.py::test_total",)
    assert d.details["source_line"] == "return item.prise"


def test_diagnose_ruff_and_syntax_findings(tmp_path: Path) -> None:
    project = _project(tmp_path, {"app.py": "def run():\n    return helpr()\n",
                                  "bad.py": "def f(:\n    pass\n"})
    ruff = diagnose(Finding("ruff", "app.py", 2, "F821", "Undefined name `helpr`"), project)
    assert (ruff.pattern, ruff.exception_type, ruff.name, ruff.function) == (
        "undefined_variable", "NameError", "helpr", "run")
    assert ruff.details["rule"] == "F821"
    lint = diagnose(Finding("ruff", "app.py", 1, "F401", "`os` imported but unused"), project)
    assert (lint.pattern, lint.name) == ("lint", "os")
    syntax = diagnose(Finding("syntax", "bad.py", 1, "SyntaxError", "invalid syntax"), project)
    assert (syntax.pattern, syntax.exception_type) == ("syntax_error", "SyntaxError")
    assert (syntax.function, syntax.function_span) == ("f", (1, 2))


@pytest.mark.parametrize("finding", [
    Finding("test", "", 0, "", ""),
    Finding("traceback", "nowhere/missing.py", 42, "KeyError", ""),
    Finding("traceback", "../../etc/passwd", 1, "ValueError", "x"),
    Finding("traceback", "/etc/passwd", 1, "ValueError", "x"),
    Finding("test", "binary.py", 3, "NameError", "name 'q' is not defined"),
    Finding("test", "latin.py", 1, "ZeroDivisionError", "division by zero"),
    Finding("test", "app.py", 999, "WeirdError", "\x00\udcff odd"),
    Finding("traceback", "app.py", 1, "AttributeError", "'" * 50),
    Finding("test", "", 0, "", "NameError: name 'zz' is not defined"),
])
def test_diagnose_never_crashes_on_odd_input(tmp_path: Path, finding: Finding) -> None:
    project = _project(tmp_path, {"app.py": "x = 1\n", "binary.py": bytes(range(256)),
                                  "latin.py": b"s = 'caf\xe9'\n"})
    d = diagnose(finding, project)
    assert d.pattern in PATTERNS
    assert d.finding == finding
    if finding.message.startswith("NameError:"):
        assert (d.exception_type, d.name) == ("NameError", "zz")


def test_saplings_name_error_example() -> None:
    name, _ = extract_details("NameError", "name 'data' is not defined")
    assert classify("NameError") == "undefined_variable" and name == "data"


def test_enclosing_function_of_source_that_does_not_parse() -> None:
    source = "import os\n\n\ndef load(path):\n    if path\n        return os.path.exists(path)\n\n\nx = 1\n"
    assert enclosing_function(source, 5) == ("load", (4, 6))
    assert enclosing_function(source, 9) == ("", (0, 0))
    assert enclosing_function(source, 99) == ("", (0, 0))


def test_models_copy_of_the_taxonomy_equals_the_one_table():
    # models/ imports nothing in-repo, so it keeps a copy; the copy must not drift
    from models.adapter_meta import EXCEPTION_PATTERNS as MODELS_COPY
    from selfheal_local.analyze import EXCEPTION_PATTERNS

    assert MODELS_COPY == EXCEPTION_PATTERNS


def test_memory_pairs_classify_with_the_one_table():
    from selfheal_local.memory.patterns import pair_pattern

    assert pair_pattern({"input": "TabError: inconsistent use of tabs"}) == "syntax_error"
    assert pair_pattern({"metadata": {"error_type": "JSONDecodeError"}}) == "value_error"
    assert pair_pattern({"input": "Weird: x"}) == "exception"
