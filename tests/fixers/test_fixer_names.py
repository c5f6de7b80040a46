"""undefined_variable rules on real broken projects, judged by the projects' own tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched, run_tests


def test_typo_in_local_is_renamed_and_tests_pass(tmp_path):
    project = make_project(tmp_path / "p", {
        "shop.py": '''
            def order_total(prices, tax):
                total = sum(prices)
                # tax is a rate
                return totl * (1 + tax)
            ''',
        "tests/test_shop.py": '''
            from shop import order_total

            def test_total():
                assert order_total([10, 20], 0.5) == 45
            ''',
    })
    assert not run_tests(project.root)
    diag = diagnosis("undefined_variable", "NameError", "name 'totl' is not defined",
                     "shop.py", 4, name="totl")
    found = candidates(diag, project)
    assert found[0].explanation == "renamed 'totl' to 'total' (closest local name in scope)"
    assert "    # tax is a rate\n    return total * (1 + tax)\n" in patched(found[0], "shop.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_first_guess_wrong_tests_pick_later_candidate(tmp_path):
    # 'valeu' is closest to 'value' (a parameter) but the right fix is the local 'values'.
    project = make_project(tmp_path / "p", {
        "stats.py": '''
            def spread(value, scale):
                values = [value * scale, value]
                return max(valeu) - min(values)
            ''',
        "tests/test_stats.py": '''
            from stats import spread

            def test_spread():
                assert spread(3, 2) == 3
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'valeu' is not defined",
                     "stats.py", 3, name="valeu")
    found = [p for p in candidates(diag, project) if p.explanation.startswith("renamed")]
    assert len(found) >= 2
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "renamed 'valeu' to 'values'" in found[index].explanation


def test_name_from_message_when_analysis_gave_none(tmp_path):
    project = make_project(tmp_path / "p", {
        "greet.py": '''
            GREETING = "hi"

            def greet(who):
                return GREETNG + " " + who
            ''',
        "tests/test_greet.py": '''
            from greet import greet

            def test_greet():
                assert greet("bo") == "hi bo"
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'GREETNG' is not defined",
                     "greet.py", 4)
    found = candidates(diag, project)
    assert "'GREETING' (closest global name" in found[0].explanation
    assert first_passing(project, found, tmp_path / "try") == 0


def test_used_before_assignment_gets_initialised(tmp_path):
    project = make_project(tmp_path / "p", {
        "count.py": '''
            def count_long(words):
                """How many words are long."""
                for word in words:
                    if len(word) > 3:
                        n += 1
                return n
            ''',
        "tests/test_count.py": '''
            from count import count_long

            def test_count():
                assert count_long(["a", "abcd", "abcde"]) == 2
            ''',
    })
    message = "cannot access local variable 'n' where it is not associated with a value"
    diag = diagnosis("undefined_variable", "UnboundLocalError", message, "count.py", 5, name="n")
    found = candidates(diag, project)
    assert found and all("initialised 'n'" in p.explanation for p in found)
    text = patched(found[0], "count.py")
    assert '    """How many words are long."""\n    n = 0\n    for word' in text
    assert first_passing(project, found, tmp_path / "try") == 0


def test_module_global_modified_in_function_gets_global(tmp_path):
    project = make_project(tmp_path / "p", {
        "counter.py": '''
            calls = 0

            def tick():
                calls += 1
                return calls
            ''',
        "tests/test_counter.py": '''
            import counter

            def test_tick():
                counter.tick()
                assert counter.tick() == 2
            ''',
    })
    message = "cannot access local variable 'calls' where it is not associated with a value"
    diag = diagnosis("undefined_variable", "UnboundLocalError", message, "counter.py", 4,
                     name="calls")
    found = candidates(diag, project)
    assert "declared 'calls' global" in found[0].explanation
    assert first_passing(project, found, tmp_path / "try") == 0


def test_protected_file_is_never_edited(tmp_path):
    project = make_project(tmp_path / "p", {
        "mod.py": "X = 1\n",
        "tests/test_mod.py": '''
            def test_x():
                valeu = 1
                assert value == 1
            ''',
    })
    diag = diagnosis("undefined_variable", "NameError", "name 'value' is not defined",
                     "tests/test_mod.py", 3, name="value")
    assert candidates(diag, project) == []


def test_a_python2_builtin_in_compatibility_code_is_not_renamed(tmp_path):
    # six's ``text_type = unicode`` under ``else`` of ``if PY3``: ruff's F821, never run on
    # Python 3; renaming it to the closest builtin ('UnicodeError') "healed" the finding
    project = make_project(tmp_path / "p", {
        "compat.py": '''
            import sys

            PY3 = sys.version_info[0] == 3
            if PY3:
                text_type = str
            else:
                text_type = unicode
            ''',
        "tests/test_compat.py": '''
            from compat import text_type

            def test_text():
                assert text_type(1) == "1"
            ''',
    })
    assert run_tests(project.root)
    diag = diagnosis("undefined_variable", "F821", "Undefined name `unicode`", "compat.py", 7,
                     name="unicode")
    assert [c for c in candidates(diag, project) if "renamed 'unicode'" in c.explanation] == []
