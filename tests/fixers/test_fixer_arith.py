"""zero_division_error rules: the guard's return value is chosen by the project's tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched

BASKET = '''
    def average_price(prices):
        """Mean price, rounded to cents."""
        return round(sum(prices) / len(prices), 2)
    '''


def _basket(tmp_path, expectation):
    return make_project(tmp_path / "p", {
        "basket.py": BASKET,
        "tests/test_basket.py": f'''
            import pytest
            from basket import average_price

            def test_avg():
                assert average_price([1, 2]) == 1.5

            def test_empty():
{expectation}
            ''',
    })


def test_guard_returns_zero_float_first(tmp_path):
    project = _basket(tmp_path, "                assert average_price([]) == 0.0 and "
                                "isinstance(average_price([]), float)")
    diag = diagnosis("zero_division_error", "ZeroDivisionError", "division by zero", "basket.py", 3)
    found = candidates(diag, project)
    assert found[0].explanation == "guarded the division by len(prices) (return 0.0 when not prices)"
    assert '    """Mean price, rounded to cents."""\n    if not prices:\n        return 0.0\n' in \
        patched(found[0], "basket.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_tests_pick_value_error(tmp_path):
    project = _basket(tmp_path, "                with pytest.raises(ValueError):\n"
                                "                    average_price([])")
    diag = diagnosis("zero_division_error", "ZeroDivisionError", "division by zero", "basket.py", 3)
    found = candidates(diag, project)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert 'raise ValueError("len(prices) must not be zero")' in patched(found[index], "basket.py")


def test_tests_pick_none(tmp_path):
    project = _basket(tmp_path, "                assert average_price([]) is None")
    diag = diagnosis("zero_division_error", "ZeroDivisionError", "division by zero", "basket.py", 3)
    found = candidates(diag, project)
    index = first_passing(project, found, tmp_path / "try")
    assert index == 1
    assert "return None" in found[index].explanation


def test_division_inside_a_loop_uses_conditional_expression(tmp_path):
    project = make_project(tmp_path / "p", {
        "ratios.py": '''
            def ratios(pairs):
                return [a / b for a, b in pairs]
            ''',
        "tests/test_ratios.py": '''
            from ratios import ratios

            def test_ratios():
                assert ratios([(1, 2), (3, 0)]) == [0.5, 0]
            ''',
    })
    diag = diagnosis("zero_division_error", "ZeroDivisionError", "division by zero", "ratios.py", 2)
    found = candidates(diag, project)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "[(a / b if b else 0) for a, b in pairs]" in patched(found[index], "ratios.py")
