"""attribute_error rules on real broken projects, judged by the projects' own tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched


def test_typo_in_instance_attribute_from_init(tmp_path):
    project = make_project(tmp_path / "p", {
        "account.py": '''
            class Account:
                def __init__(self, owner):
                    self.owner = owner
                    self.balance = 0

                def deposit(self, amount):
                    self.balance += amount
                    return self.balanse
            ''',
        "tests/test_account.py": '''
            from account import Account

            def test_deposit():
                assert Account("a").deposit(5) == 5
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError",
                     "'Account' object has no attribute 'balanse'", "account.py", 8,
                     name="balanse", details={"owner": "Account"})
    found = candidates(diag, project)
    assert found[0].explanation == "renamed '.balanse' to '.balance' (closest attribute of Account)"
    assert "        return self.balance\n" in patched(found[0], "account.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_typo_in_str_method(tmp_path):
    project = make_project(tmp_path / "p", {
        "slug.py": '''
            def slug(title):
                return title.strp().lowr().replace(" ", "-")
            ''',
        "tests/test_slug.py": '''
            from slug import slug

            def test_slug():
                assert slug(" A b ") == "a-b"
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError", "'str' object has no attribute 'strp'",
                     "slug.py", 2)
    found = candidates(diag, project)
    assert "'.strp' to '.strip'" in found[0].explanation
    text = patched(found[0], "slug.py")
    assert "title.strip().lowr()" in text


def test_module_attribute_typo_stdlib(tmp_path):
    project = make_project(tmp_path / "p", {
        "paths.py": '''
            import os

            def join(a, b):
                return os.path.joinn(a, b)
            ''',
        "tests/test_paths.py": '''
            from paths import join

            def test_join():
                assert join("a", "b") == "a/b"
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError",
                     "module 'posixpath' has no attribute 'joinn'", "paths.py", 4)
    found = candidates(diag, project)
    assert "'.joinn' to '.join'" in found[0].explanation
    assert first_passing(project, found, tmp_path / "try") == 0


def test_first_guess_wrong_project_module_export(tmp_path):
    project = make_project(tmp_path / "p", {
        "units.py": '''
            def to_km(m):
                return m / 1000

            def to_kg(g):
                return g / 100

            def to_cm(m):
                return m * 100
            ''',
        "trip.py": '''
            import units

            def trip_length(meters):
                return units.to_k(meters)
            ''',
        "tests/test_trip.py": '''
            from trip import trip_length

            def test_trip():
                assert trip_length(300) == 0.3
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError",
                     "module 'units' has no attribute 'to_k'", "trip.py", 4)
    found = candidates(diag, project)
    assert len(found) >= 2
    # to_cm/to_kg/to_km are equally close; only the tests know which is meant.
    names = [p.explanation.split("'.")[2].split("'")[0] for p in found]
    assert "to_km" in names
    index = first_passing(project, found, tmp_path / "try")
    assert names[index] == "to_km"
    assert index > 0


def test_known_renames_iteritems_and_has_key(tmp_path):
    project = make_project(tmp_path / "p", {
        "legacy.py": '''
            def pairs(d):
                return sorted(k + v for k, v in d.iteritems())

            def has(d, k):
                return d.has_key(k)
            ''',
        "tests/test_legacy.py": '''
            from legacy import has, pairs

            def test_pairs():
                assert pairs({"a": "b"}) == ["ab"]

            def test_has():
                assert has({"a": 1}, "a")
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError",
                     "'dict' object has no attribute 'iteritems'", "legacy.py", 2)
    found = candidates(diag, project)
    assert found[0].explanation == "'dict.iteritems' is 'dict.items' in Python 3"
    diag = diagnosis("attribute_error", "AttributeError",
                     "'dict' object has no attribute 'has_key'", "legacy.py", 5)
    found2 = candidates(diag, project)
    assert "    return (k in d)\n" in patched(found2[0], "legacy.py")


def test_collections_mapping_moved_to_abc(tmp_path):
    project = make_project(tmp_path / "p", {
        "check.py": '''
            import collections

            def is_mapping(x):
                return isinstance(x, collections.Mapping)
            ''',
        "tests/test_check.py": '''
            from check import is_mapping

            def test_mapping():
                assert is_mapping({}) and not is_mapping([])
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError",
                     "module 'collections' has no attribute 'Mapping'", "check.py", 4)
    found = candidates(diag, project)
    assert "collections.abc.Mapping" in found[0].explanation
    assert "isinstance(x, collections.abc.Mapping)" in patched(found[0], "check.py")
    assert first_passing(project, found, tmp_path / "try") == 0
