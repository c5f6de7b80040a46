"""Missing-import rules for undefined names, judged by the projects' own tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched


def test_missing_stdlib_module_import(tmp_path):
    project = make_project(tmp_path / "p", {
        "config.py": '''
            """Settings."""
            import os

            def load(text):
                return json.loads(text)
            ''',
        "tests/test_config.py": '''
            from config import load

            def test_load():
                assert load('{"a": 1}') == {"a": 1}
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'json' is not defined",
                     "config.py", 5, name="json")
    found = candidates(diag, project)
    assert found[0].explanation == "added 'import json' (a standard-library module)"
    assert patched(found[0], "config.py").startswith('"""Settings."""\nimport os\nimport json\n')
    assert first_passing(project, found, tmp_path / "try") == 0


def test_missing_common_name_import(tmp_path):
    project = make_project(tmp_path / "p", {
        "words.py": '''
            def group(words):
                out = defaultdict(list)
                for w in words:
                    out[w[0]].append(w)
                return dict(out)
            ''',
        "tests/test_words.py": '''
            from words import group

            def test_group():
                assert group(["ab", "ac", "b"]) == {"a": ["ab", "ac"], "b": ["b"]}
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'defaultdict' is not defined",
                     "words.py", 2, name="defaultdict")
    found = candidates(diag, project)
    assert found[0].explanation.startswith("added 'from collections import defaultdict'")
    assert patched(found[0], "words.py").startswith("from collections import defaultdict\n\n\ndef")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_name_defined_elsewhere_in_project(tmp_path):
    project = make_project(tmp_path / "p", {
        "app/__init__.py": "",
        "app/money.py": '''
            def to_cents(amount):
                return round(amount * 100)
            ''',
        "app/cart.py": '''
            def cart_cents(items):
                return sum(to_cents(p) for p in items)
            ''',
        "tests/test_cart.py": '''
            from app.cart import cart_cents

            def test_cents():
                assert cart_cents([1.5, 2]) == 350
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'to_cents' is not defined",
                     "app/cart.py", 2, name="to_cents")
    found = candidates(diag, project)
    assert found[0].explanation == "added 'from app.money import to_cents' (defined in the project's app.money)"
    assert first_passing(project, found, tmp_path / "try") == 0


def test_project_definition_first_but_tests_need_stdlib(tmp_path):
    # The project defines its own 'Counter' class; the code wanted collections.Counter.
    project = make_project(tmp_path / "p", {
        "clicks.py": '''
            class Counter:
                def __init__(self):
                    self.n = 0
            ''',
        "tally.py": '''
            def tally(items):
                return Counter(items).most_common(1)[0][0]
            ''',
        "tests/test_tally.py": '''
            from tally import tally

            def test_tally():
                assert tally("abca") == "a"
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'Counter' is not defined",
                     "tally.py", 2, name="Counter")
    found = [p for p in candidates(diag, project) if p.explanation.startswith("added")]
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "from collections import Counter" in found[index].explanation


def test_import_error_closest_module(tmp_path):
    project = make_project(tmp_path / "p", {
        "metrics.py": "import statistic\n\n\ndef mid(xs):\n    return statistic.median(xs)\n",
        "tests/test_metrics.py": "from metrics import mid\n\n\ndef test_mid():\n"
                                 "    assert mid([3, 1, 2]) == 2\n",
    })
    diag = diagnosis("import_error", "ModuleNotFoundError", "No module named 'statistic'",
                     "metrics.py", 1, name="statistic")
    found = candidates(diag, project)
    assert patched(found[0], "metrics.py") == (
        "import statistics\n\n\ndef mid(xs):\n    return statistics.median(xs)\n")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_import_error_closest_name_and_uses_renamed(tmp_path):
    project = make_project(tmp_path / "p", {
        "book/__init__.py": "",
        "book/helpers.py": "def normalize(s):\n    return s.strip().lower()\n\n\n"
                           "def normal_form(s):\n    return s\n",
        "book/entry.py": "from book.helpers import normalise\n\n\ndef key(s):\n"
                         "    return normalise(s)\n",
        "tests/test_entry.py": "from book.entry import key\n\n\ndef test_key():\n"
                               "    assert key(' Ab ') == 'ab'\n",
    })
    diag = diagnosis("import_error", "ImportError",
                     "cannot import name 'normalise' from 'book.helpers' (/x/book/helpers.py)",
                     "book/entry.py", 1, name="normalise")
    found = candidates(diag, project)
    text = patched(found[0], "book/entry.py")
    assert text == "from book.helpers import normalize\n\n\ndef key(s):\n    return normalize(s)\n"
    assert first_passing(project, found, tmp_path / "try") == 0


def test_import_error_moved_to_collections_abc(tmp_path):
    project = make_project(tmp_path / "p", {
        "flat.py": "from collections import Mapping\n\n\ndef is_map(x):\n"
                   "    return isinstance(x, Mapping)\n",
        "tests/test_flat.py": "from flat import is_map\n\n\ndef test_map():\n"
                              "    assert is_map({}) and not is_map([])\n",
    })
    diag = diagnosis("import_error", "ImportError",
                     "cannot import name 'Mapping' from 'collections' (/usr/lib/python3/x.py)",
                     "flat.py", 1)
    found = candidates(diag, project)
    assert patched(found[0], "flat.py").startswith("from collections.abc import Mapping\n")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_import_error_first_guess_wrong(tmp_path):
    project = make_project(tmp_path / "p", {
        "shapes.py": "def area_sq(s):\n    return s * s\n\n\ndef area_sqr(s):\n    return s * 4\n",
        "calc.py": "from shapes import area_sqrt\n\n\ndef a(s):\n    return area_sqrt(s)\n",
        "tests/test_calc.py": "from calc import a\n\n\ndef test_a():\n    assert a(3) == 9\n",
    })
    diag = diagnosis("import_error", "ImportError",
                     "cannot import name 'area_sqrt' from 'shapes'", "calc.py", 1)
    found = candidates(diag, project)
    assert "'area_sqr'" in found[0].explanation
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0 and "'area_sq'" in found[index].explanation


def test_a_deleted_sibling_import_comes_back_relative_and_sorted(tmp_path, monkeypatch):
    # a package that imports its siblings relatively, with ruff's import sorting on: the import
    # goes back as the file writes its imports, where isort wants it (a new I001 is refused)
    import subprocess
    import sys

    from selfheal_local.factory import open_healer

    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    project = make_project(tmp_path / "p", {
        "pyproject.toml": '''
            [tool.ruff.lint]
            select = ["E", "F", "I"]
            ''',
        "shop/__init__.py": "",
        "shop/rates.py": '''
            def parcel_rate(kg):
                return 4.0 + kg
            ''',
        "shop/tax.py": '''
            def with_tax(price):
                return round(price * 1.2, 2)
            ''',
        "shop/orders.py": '''
            """Orders."""

            import math

            from . import tax


            def shipping(kg):
                return math.ceil(parcel_rate(kg))


            def total(price, kg):
                return tax.with_tax(price) + shipping(kg)
            ''',
        "tests/test_orders.py": '''
            from shop.orders import shipping, total


            def test_shipping():
                assert shipping(2) == 6


            def test_total():
                assert total(10.0, 1) == 17.0
            ''',
    })
    healer = open_healer(project.root, {"use_model": False, "use_memory": False})
    result = healer.heal()
    assert result.healthy, result.failed
    text = (project.root / "shop/orders.py").read_text()
    assert "from . import tax\nfrom .rates import parcel_rate\n" in text, text
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                          cwd=project.root, capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout
