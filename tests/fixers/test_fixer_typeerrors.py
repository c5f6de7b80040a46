"""type_error rules on real broken snippets, judged by the projects' own tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched

SAPLINGS_SNIPPET = '''
def format_message(name, age):
    return "Name: " + name + ", Age: " + age
'''


def test_saplings_str_concat_example_exact(tmp_path):
    project = make_project(tmp_path / "p", {"snippet.py": SAPLINGS_SNIPPET})
    for line in (2, 0):  # with and without a known failing line
        diag = diagnosis("type_error", "TypeError",
                         "can only concatenate str (not 'int') to str", "snippet.py", line)
        found = candidates(diag, project)
        assert found[0].patched_code == (
            "def format_message(name, age):\n"
            '    return "Name: " + name + ", Age: " + str(age)\n'
        )
        assert found[0].explanation == "converted 'age' to str with str() before concatenating"


def test_str_concat_passes_project_tests(tmp_path):
    project = make_project(tmp_path / "p", {
        "report.py": '''
            def line(item, count: int):
                return item + ": " + count + " left"  # shown to users
            ''',
        "tests/test_report.py": '''
            from report import line

            def test_line():
                assert line("pens", 3) == "pens: 3 left"
            ''',
    })
    diag = diagnosis("type_error", "TypeError", 'can only concatenate str (not "int") to str',
                     "report.py", 2)
    found = candidates(diag, project)
    assert 'return item + ": " + str(count) + " left"  # shown to users' in patched(
        found[0], "report.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_str_concat_first_guess_wrong(tmp_path):
    # 'order_id' looks numeric but is a string id; 'things' is the int.
    project = make_project(tmp_path / "p", {
        "summary.py": '''
            def summary(order_id, things):
                return "order " + order_id + ": " + things
            ''',
        "tests/test_summary.py": '''
            from summary import summary

            def test_summary():
                assert summary("A7", 3) == "order A7: 3"
            ''',
    })
    diag = diagnosis("type_error", "TypeError", 'can only concatenate str (not "int") to str',
                     "summary.py", 2)
    found = candidates(diag, project)
    assert len(found) >= 2
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert found[index].explanation == "converted 'things' to str with str() before concatenating"


def test_augmented_concat(tmp_path):
    project = make_project(tmp_path / "p", {
        "log.py": '''
            def render(rows):
                out = ""
                for row in rows:
                    out += row
                return out
            ''',
        "tests/test_log.py": '''
            from log import render

            def test_render():
                assert render([1, 2]) == "12"
            ''',
    })
    diag = diagnosis("type_error", "TypeError", 'can only concatenate str (not "int") to str',
                     "log.py", 4)
    found = candidates(diag, project)
    assert "out += str(row)" in patched(found[0], "log.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_int_plus_str_converts_either_side(tmp_path):
    project = make_project(tmp_path / "p", {
        "age.py": '''
            def next_year(age_text):
                return 1 + age_text
            ''',
        "tests/test_age.py": '''
            from age import next_year

            def test_next():
                assert next_year("41") == 42
            ''',
    })
    diag = diagnosis("type_error", "TypeError",
                     "unsupported operand type(s) for +: 'int' and 'str'", "age.py", 2)
    found = candidates(diag, project)
    assert {p.explanation for p in found} >= {
        "converted 'age_text' to int before adding",
        "converted '1' to str before concatenating",
    }
    assert "int(age_text)" in patched(found[first_passing(project, found, tmp_path / "t")], "age.py")
