"""None where a value is needed (type_error and attribute_error), judged by real pytest."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched


def _type_error(message: str, file: str, line: int):
    return diagnosis("type_error", "TypeError", message, file, line)


def test_operand_from_get_gets_a_default(tmp_path):
    project = make_project(tmp_path / "p", {
        "basket.py": '''
            PRICES = {"pen": 2, "pad": 5}


            def total(items):
                amount = 0
                for item in items:
                    amount += PRICES.get(item)
                return amount
            ''',
        "tests/test_basket.py": '''
            from basket import total

            def test_total_skips_unknown_items():
                assert total(["pen", "pad", "mug"]) == 7
            ''',
    })
    found = candidates(_type_error("unsupported operand type(s) for +=: 'int' and 'NoneType'",
                                   "basket.py", 7), project)
    assert found[0].explanation == "gave 'PRICES.get(item)' the default 0"
    assert "        amount += PRICES.get(item, 0)\n" in patched(found[0], "basket.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_operand_tests_pick_a_none_guard_over_or_zero(tmp_path):
    project = make_project(tmp_path / "p", {
        "trend.py": '''
            def change(previous, current):
                """How much a reading moved since the last one (None: no last one)."""
                return current - previous
            ''',
        "tests/test_trend.py": '''
            from trend import change

            def test_change():
                assert change(3, 5) == 2

            def test_first_reading_has_no_change():
                assert change(None, 5) is None
            ''',
    })
    found = candidates(_type_error("unsupported operand type(s) for -: 'int' and 'NoneType'",
                                   "trend.py", 3), project)
    assert found[0].explanation == "used 0 when 'previous' is None ((previous or 0))"
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert found[index].explanation == "guarded 'previous' being None (return None)"
    assert "    if previous is None:\n        return None\n    return current - previous\n" in \
        patched(found[index], "trend.py")


def test_optional_parameter_default(tmp_path):
    project = make_project(tmp_path / "p", {
        "label.py": '''
            def tag(name, suffix=None):
                return name + suffix
            ''',
        "tests/test_label.py": '''
            from label import tag

            def test_tag():
                assert tag("a") == "a"
                assert tag("a", "!") == "a!"
            ''',
    })
    found = candidates(_type_error('unsupported operand type(s) for +: \'str\' and \'NoneType\'',
                                   "label.py", 2), project)
    explanations = [p.explanation for p in found]
    assert "changed the default of parameter 'suffix' from None to \"\"" in explanations
    assert first_passing(project, found, tmp_path / "try") == 0  # (suffix or "") passes too


def test_not_iterable_from_get(tmp_path):
    project = make_project(tmp_path / "p", {
        "posts.py": '''
            def tags(post):
                return [t.lower() for t in post.get("tags")]
            ''',
        "tests/test_posts.py": '''
            from posts import tags

            def test_tags():
                assert tags({"tags": ["A", "b"]}) == ["a", "b"]
                assert tags({}) == []
            ''',
    })
    found = candidates(_type_error("'NoneType' object is not iterable", "posts.py", 2), project)
    assert 'return [t.lower() for t in post.get("tags", [])]' in patched(found[0], "posts.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_loop_item_none_tests_pick_continue(tmp_path):
    project = make_project(tmp_path / "p", {
        "lengths.py": '''
            def lengths(words):
                found = []
                for word in words:
                    found.append(len(word))
                return found
            ''',
        "tests/test_lengths.py": '''
            from lengths import lengths

            def test_missing_words_are_skipped():
                assert lengths(["ab", None, "c"]) == [2, 1]
            ''',
    })
    found = candidates(_type_error("object of type 'NoneType' has no len()", "lengths.py", 4),
                       project)
    assert found[0].explanation == "used [] when 'word' is None (word or [])"
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert found[index].explanation == "guarded 'word' being None (continue)"
    assert "        if word is None:\n            continue\n" in patched(found[index], "lengths.py")


def test_subscript_of_failed_match_tests_pick_empty_string(tmp_path):
    project = make_project(tmp_path / "p", {
        "mail.py": '''
            import re


            def domain(address):
                found = re.match(r"[^@]+@(.+)", address)
                return found[1]
            ''',
        "tests/test_mail.py": '''
            from mail import domain

            def test_domain():
                assert domain("ada@example.org") == "example.org"

            def test_not_an_address():
                assert domain("nobody") == ""
            ''',
    })
    found = candidates(_type_error("'NoneType' object is not subscriptable", "mail.py", 6),
                       project)
    assert found[0].explanation == "guarded 'found' being None (return None)"
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "    if found is None:\n        return \"\"\n" in patched(found[index], "mail.py")


def test_attribute_of_none_from_get(tmp_path):
    project = make_project(tmp_path / "p", {
        "users.py": '''
            def contact(user):
                return user.get("email").lower()
            ''',
        "tests/test_users.py": '''
            from users import contact

            def test_contact():
                assert contact({"email": "A@B.C"}) == "a@b.c"
                assert contact({}) == ""
            ''',
    })
    diag = diagnosis("attribute_error", "AttributeError",
                     "'NoneType' object has no attribute 'lower'", "users.py", 2, name="lower",
                     details={"owner": "NoneType"})
    found = candidates(diag, project)
    assert found[0].explanation == "gave 'user.get(\"email\")' the default \"\""
    assert 'return user.get("email", "").lower()' in patched(found[0], "users.py")
    assert first_passing(project, found, tmp_path / "try") == 0
