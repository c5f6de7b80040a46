"""key_error and index_error rules on real broken projects, judged by their own tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched


def test_get_without_default_first(tmp_path):
    project = make_project(tmp_path / "p", {
        "palette.py": '''
            NAMED = {"red": "#f00", "green": "#0f0"}

            def hex_for(name):
                return NAMED[name.lower()]
            ''',
        "tests/test_palette.py": '''
            from palette import hex_for

            def test_known():
                assert hex_for("Red") == "#f00"

            def test_unknown():
                assert hex_for("mauve") is None
            ''',
    })
    diag = diagnosis("key_error", "KeyError", "'mauve'", "palette.py", 4, name="mauve")
    found = candidates(diag, project)
    assert "    return NAMED.get(name.lower())\n" in patched(found[0], "palette.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_default_zero_when_value_is_added(tmp_path):
    project = make_project(tmp_path / "p", {
        "votes.py": '''
            def score(tally, option, bonus):
                return tally[option] + bonus
            ''',
        "tests/test_votes.py": '''
            from votes import score

            def test_score():
                assert score({"a": 2}, "b", 1) == 1
            ''',
    })
    diag = diagnosis("key_error", "KeyError", "'b'", "votes.py", 2)
    found = candidates(diag, project)
    assert "tally.get(option, 0) + bonus" in patched(found[0], "votes.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_key_first_guess_wrong_tests_pick_empty_string(tmp_path):
    project = make_project(tmp_path / "p", {
        "labels.py": '''
            def label(names, key):
                return names[key] + "!"
            ''',
        "tests/test_labels.py": '''
            from labels import label

            def test_label():
                assert label({}, "x") == "!"
            ''',
    })
    diag = diagnosis("key_error", "KeyError", "'x'", "labels.py", 2)
    found = candidates(diag, project)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert 'names.get(key, \'\') + "!"' in patched(found[index], "labels.py")


def test_last_element_fix(tmp_path):
    project = make_project(tmp_path / "p", {
        "sensor.py": '''
            def latest(readings):
                return readings[len(readings)]
            ''',
        "tests/test_sensor.py": '''
            from sensor import latest

            def test_latest():
                assert latest([1, 2, 3]) == 3
            ''',
    })
    diag = diagnosis("index_error", "IndexError", "list index out of range", "sensor.py", 2)
    found = candidates(diag, project)
    assert "    return readings[len(readings) - 1]\n" in patched(found[0], "sensor.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_empty_guard_for_first_word(tmp_path):
    project = make_project(tmp_path / "p", {
        "commands.py": '''
            def command(line):
                words = line.split()
                name = words[0].lower()
                return name
            ''',
        "tests/test_commands.py": '''
            from commands import command

            def test_command():
                assert command("Go north") == "go"
                assert command("   ") is None
            ''',
    })
    diag = diagnosis("index_error", "IndexError", "list index out of range", "commands.py", 3)
    found = candidates(diag, project)
    assert "    if not words:\n        return None\n    name = words[0].lower()" in patched(
        found[0], "commands.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_loop_bound_off_by_one_ranked_first(tmp_path):
    project = make_project(tmp_path / "p", {
        "deltas.py": '''
            def deltas(values):
                out = []
                for i in range(len(values)):
                    out.append(values[i + 1] - values[i])
                return out
            ''',
        "tests/test_deltas.py": '''
            from deltas import deltas

            def test_deltas():
                assert deltas([1, 4, 9]) == [3, 5]
            ''',
    })
    diag = diagnosis("index_error", "IndexError", "list index out of range", "deltas.py", 4)
    found = candidates(diag, project)
    assert "    for i in range(len(values) - 1):\n" in patched(found[0], "deltas.py")
    assert "values[i] - values[i]" in patched(found[1], "deltas.py")  # the index shift, next
    assert first_passing(project, found, tmp_path / "try") == 0


def test_index_first_guess_wrong_tests_pick_last_element(tmp_path):
    project = make_project(tmp_path / "p", {
        "pages.py": '''
            def page(pages, number):
                return pages[number]
            ''',
        "tests/test_pages.py": '''
            from pages import page

            def test_past_the_end_gives_last():
                assert page(["a", "b", "c"], 7) == "c"
            ''',
    })
    diag = diagnosis("index_error", "IndexError", "list index out of range", "pages.py", 2)
    found = candidates(diag, project)
    assert "pages[number - 1]" in patched(found[0], "pages.py")
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "    return pages[-1]\n" in patched(found[index], "pages.py")
