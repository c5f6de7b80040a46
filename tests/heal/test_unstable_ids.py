"""Test ids that change from run to run are no regression (real CLI, real sandbox).

Parametrized ids made from objects (``ids=str`` on objects without a ``__repr__``, or a set
holding None) name the same tests differently in every process. The validator compared ids
and refused every candidate for "tests that passed now fail" (a real package's typo went
unhealed this way); the same tests under other names are no regression, fewer are.
"""

from __future__ import annotations

import json
import textwrap

from .test_heal_cli import selfheal, suite_passes

FILES = {
    "shapes/__init__.py": "",
    "shapes/area.py": """
        def rectangle(width, height):
            return widht * height
    """,
    "shapes/point.py": """
        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y

            def moved(self, dx):
                return Point(self.x + dx, self.y)
    """,
    "tests/test_area.py": """
        from shapes.area import rectangle

        def test_rectangle():
            assert rectangle(2, 3) == 6
    """,
    "tests/test_point.py": """
        import pytest

        from shapes.point import Point

        # ids=str names each case by its address: other names in every process
        @pytest.mark.parametrize("point", [Point(0, 0), Point(1, 2), Point(-3, 4)], ids=str)
        def test_moved(point):
            assert point.moved(1).x == point.x + 1
    """,
}


def heal(tmp_path, files: dict[str, str]):
    """Writes ``files`` into a project, heals it with the CLI; the project's root."""
    root = tmp_path / "proj"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["healthy"] is True, proc.stdout[-3000:]
    return root


def test_renamed_parametrized_ids_do_not_block_a_proved_fix(tmp_path):
    root = heal(tmp_path, FILES)
    assert "width * height" in (root / "shapes/area.py").read_text()
    assert suite_passes(root)


def test_failing_tests_renamed_between_runs_are_healed_when_all_of_their_function_passes(tmp_path):
    """The failing tests themselves have unstable ids: a candidate that makes every case of
    the function pass heals them (before, each renamed id counted as still failing, and the
    right fix was refused as partial), and pytest selects them by function, not by an id it
    cannot find."""
    root = heal(tmp_path, {
        **FILES, "shapes/area.py": "def rectangle(width, height):\n    return width * height\n",
        "shapes/point.py": FILES["shapes/point.py"].replace("self.x + dx", "self.x - dx")})
    assert "self.x + dx" in (root / "shapes/point.py").read_text()
    assert suite_passes(root)
