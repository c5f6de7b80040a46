"""Fix templates read off the error (``fixers.templates``): instances compared without an order
are given a ``key`` on one of their class's data attributes; the error's own call gets it first,
and the fix heals with real pytest."""

from __future__ import annotations

import ast
import textwrap

from test_search import write
from test_search_ranking import heals, ranked_at

from sandbox import Limits, Sandbox
from selfheal_local.fixers.mutations import SourceText
from selfheal_local.fixers.templates import data_attributes, handler_types, ordering_keys
from selfheal_local.project import Project
from selfheal_local.service import Healer

PLANNER = {
    "planner.py": """
        class Task:
            def __init__(self, title, due, owner=None):
                self.title = title
                self.due = due
                self.owner = owner

            def __repr__(self):
                return f"Task({self.title!r}, {self.due})"


        def agenda(tasks, owner=None):
            mine = [task for task in tasks if owner is None or task.owner == owner]
            return [task.title for task in sorted(mine)]
        """,
    "tests/test_planner.py": """
        from planner import Task, agenda


        def test_the_agenda_lists_the_earliest_first():
            tasks = [Task("ship", 3), Task("plan", 1), Task("build", 2)]
            assert agenda(tasks) == ["plan", "build", "ship"]


        def test_an_empty_agenda():
            assert agenda([]) == []
        """,
}


def test_objects_sorted_without_an_order_are_given_a_key_from_their_class(tmp_path):
    project = Project.open(write(tmp_path / "p", PLANNER))
    healer = Healer(project, Sandbox(limits=Limits(timeout_s=120)), sources=[])
    healer.scan()
    (finding,) = [f for f in healer.findings if f.test_ids]
    assert "not supported between instances of 'Task'" in finding.message
    index, item = ranked_at(project, healer.diagnose(finding),
                            "ordered by 'key=lambda item: item.due'")
    assert index < 3, index  # the error's own call, read off the error
    assert heals(project, item, "planner.py", tmp_path / "fixed")


def test_data_attributes_come_from_slots_fields_and_what_methods_set():
    tree = ast.parse(textwrap.dedent("""
        class Link:
            __slots__ = ("key", "expires", "_next")

        class Point:
            x: int
            y: int

            def move(self, dx):
                self.x += dx
                self.__history = []
                self._moved = True
        """))
    assert data_attributes([tree], "Link") == ["key", "expires", "_next"]
    assert data_attributes([tree], "Point") == ["x", "y", "_moved"]
    assert data_attributes([tree], "Missing") == []


def test_a_key_is_added_once_and_a_trailing_comma_is_kept_valid():
    text = textwrap.dedent("""
        def pick(items, best):
            first = min(items,)
            ranked = sorted(items, key=len)
            return max(
                items
            ), first, ranked
        """)
    src = SourceText(text)
    fn = ast.parse(text).body[0]
    mutants = list(ordering_keys(src, fn, {3, 4, 5}, ["size"]))
    assert [m.line for m in mutants] == [3, 5]  # the call that has a key is left alone
    for mutant in mutants:
        ast.parse(mutant.apply(text))
    assert "min(items, key=lambda item: item.size)" in mutants[0].apply(text)


SETTINGS = {
    "settings.py": """
        DEFAULTS = {"colour": "auto", "width": 80}


        def option(values, name):
            \"\"\"The value set for ``name``, else its default, else None.\"\"\"
            try:
                return values[name]
            except IndexError:
                return DEFAULTS.get(name)
        """,
    "tests/test_settings.py": """
        from settings import option


        def test_a_value_that_is_set():
            assert option({"width": 100}, "width") == 100


        def test_a_missing_value_falls_back_to_its_default():
            assert option({}, "colour") == "auto"


        def test_an_unknown_option_is_none():
            assert option({}, "font") is None
        """,
}


def test_an_exception_that_escaped_the_wrong_handler_is_caught_by_it(tmp_path):
    project = Project.open(write(tmp_path / "p", SETTINGS))
    healer = Healer(project, Sandbox(limits=Limits(timeout_s=120)), sources=[])
    healer.scan()
    finding = next(f for f in healer.findings if f.test_ids)
    assert "KeyError" in f"{finding.code} {finding.message} {finding.traceback}"
    index, item = ranked_at(project, healer.diagnose(finding), "caught KeyError instead of IndexError")
    assert index < 5, index
    assert heals(project, item, "settings.py", tmp_path / "fixed")
    # only an exception the module can name is caught
    tree = ast.parse(textwrap.dedent(SETTINGS["settings.py"]))
    src = SourceText(textwrap.dedent(SETTINGS["settings.py"]))
    assert list(handler_types(src, tree.body[1], {8}, "KeyError", tree))
    assert not list(handler_types(src, tree.body[1], {8}, "NoSuchError", tree))


NAMES = {
    "people.py": """
        def display_name(user):
            \"\"\"The nickname, else the first name, else the e-mail address, stripped.\"\"\"
            name = None
            if user.get("nick"):
                name += user["nick"]
            elif user.get("first"):
                name = user["first"]
            if name is None or not name.strip():
                name = user.get("email", "?")
            return name.strip()
        """,
    "tests/test_people.py": """
        from people import display_name


        def test_a_nickname_comes_first():
            assert display_name({"nick": " bo ", "first": "Robert"}) == "bo"


        def test_the_address_without_names():
            assert display_name({"email": "x@y.z"}) == "x@y.z"
        """,
}


def test_an_operation_given_the_wrong_operand_types_is_looked_at_first(tmp_path):
    # "unsupported operand type(s) for +=: 'NoneType' and 'str'": the operation on the
    # crash's own line is the likeliest fault, ahead of the conditions that led to it
    project = Project.open(write(tmp_path / "p", NAMES))
    healer = Healer(project, Sandbox(limits=Limits(timeout_s=120)), sources=[])
    healer.scan()
    finding = next(f for f in healer.findings if f.test_ids)
    index, item = ranked_at(project, healer.diagnose(finding), "changed '+=' to '='")
    assert index < 3, index
    assert heals(project, item, "people.py", tmp_path / "fixed")
