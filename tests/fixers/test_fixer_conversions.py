"""type_error rules for values of the wrong kind (Decimal/float, numbers, methods, views,
generators, % formatting), judged by the projects' own tests."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched


def _type_error(message: str, file: str, line: int):
    return diagnosis("type_error", "TypeError", message, file, line)


def test_decimal_plus_float_default(tmp_path):
    project = make_project(tmp_path / "p", {
        "fees.py": '''
            from decimal import Decimal


            def with_fee(amount: Decimal, fee=0.25):
                return amount + fee
            ''',
        "tests/test_fees.py": '''
            from decimal import Decimal
            from fees import with_fee

            def test_fee():
                assert with_fee(Decimal("1.10")) == Decimal("1.35")
            ''',
    })
    found = candidates(_type_error(
        "unsupported operand type(s) for +: 'decimal.Decimal' and 'float'", "fees.py", 5), project)
    assert found[0].explanation == "made 'fee' a Decimal (Decimal(str(fee))) instead of a float"
    assert "    return amount + Decimal(str(fee))\n" in patched(found[0], "fees.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_decimal_times_float_tests_pick_float(tmp_path):
    project = make_project(tmp_path / "p", {
        "scale.py": '''
            from decimal import Decimal


            def scaled(price: Decimal, factor: float) -> float:
                return price * factor
            ''',
        "tests/test_scale.py": '''
            from decimal import Decimal
            from scale import scaled

            def test_scaled_is_a_float():
                result = scaled(Decimal("2"), 1.5)
                assert isinstance(result, float) and result == 3.0
            ''',
    })
    found = candidates(_type_error(
        "unsupported operand type(s) for *: 'decimal.Decimal' and 'float'", "scale.py", 5), project)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert found[index].explanation == "converted 'price' to float"


def test_float_accumulator_becomes_decimal_with_import(tmp_path):
    project = make_project(tmp_path / "p", {
        "ledger.py": '''
            def balance(entries):
                total = 0.0
                for entry in entries:
                    total += entry
                return total
            ''',
        "tests/test_ledger.py": '''
            from decimal import Decimal
            from ledger import balance

            def test_balance():
                assert balance([Decimal("0.10"), Decimal("0.20")]) == Decimal("0.30")
            ''',
    })
    found = candidates(_type_error(
        "unsupported operand type(s) for +=: 'float' and 'decimal.Decimal'", "ledger.py", 4),
        project)
    after = patched(found[0], "ledger.py")
    assert after.startswith("from decimal import Decimal\n\n\ndef balance(entries):\n")
    assert '    total = Decimal("0.0")\n' in after
    assert first_passing(project, found, tmp_path / "try") == 0


def test_quantize_with_float(tmp_path):
    project = make_project(tmp_path / "p", {
        "money.py": '''
            import decimal


            def cents(amount):
                return decimal.Decimal(amount).quantize(0.01)
            ''',
        "tests/test_money.py": '''
            from decimal import Decimal
            from money import cents

            def test_cents():
                assert cents("1.005") == Decimal("1.00")
            ''',
    })
    found = candidates(_type_error("conversion from float to Decimal is not supported",
                                   "money.py", 5), project)
    assert 'quantize(decimal.Decimal("0.01"))' in patched(found[0], "money.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_decimal_built_from_a_float_fails_an_assertion(tmp_path):
    project = make_project(tmp_path / "p", {
        "tax.py": '''
            from decimal import Decimal

            RATE = Decimal(0.2)


            def tax(amount):
                return (Decimal(amount) * RATE).quantize(Decimal("0.0000001"))
            ''',
        "tests/test_tax.py": '''
            from decimal import Decimal
            from tax import tax

            def test_tax():
                assert tax("10") == Decimal("2.0000000")
            ''',
    })
    message = ("assert Decimal('2.0000000') == Decimal('2.0000000')\n where Decimal('2.0000000')"
               " = tax('10')\n RATE = Decimal('0.200000000000000011102230246251565404236316680908203125')")
    diag = diagnosis("assertion_error", "AssertionError", message, "tests/test_tax.py", 5)
    found = candidates(diag, project)
    assert found[0].explanation == 'built the Decimal from text ("0.2"), not from the float 0.2'
    assert 'RATE = Decimal("0.2")' in patched(found[0], "tax.py")
    index = first_passing(project, found, tmp_path / "try")
    assert index == 0


def test_number_in_a_for_loop_becomes_range(tmp_path):
    project = make_project(tmp_path / "p", {
        "grid.py": '''
            def row(width):
                return ["." for _ in width]
            ''',
        "tests/test_grid.py": '''
            from grid import row

            def test_row():
                assert row(3) == [".", ".", "."]
            ''',
    })
    found = candidates(_type_error("'int' object is not iterable", "grid.py", 2), project)
    assert found[0].explanation == "iterated over range(width) instead of the number 'width'"
    assert first_passing(project, found, tmp_path / "try") == 0


def test_method_subscripted_tests_pick_calling_with_the_key(tmp_path):
    project = make_project(tmp_path / "p", {
        "settings.py": '''
            def port(config):
                return int(config.get["port"])
            ''',
        "tests/test_settings.py": '''
            from settings import port

            def test_port():
                assert port({"port": "8080"}) == 8080
            ''',
    })
    found = candidates(_type_error("'builtin_function_or_method' object is not subscriptable",
                                   "settings.py", 2), project)
    assert found[0].explanation == "called 'config.get()' before indexing it"
    index = first_passing(project, found, tmp_path / "try")
    assert index == 1
    assert 'return int(config.get("port"))' in patched(found[index], "settings.py")


def test_dict_keys_indexed(tmp_path):
    project = make_project(tmp_path / "p", {
        "menu.py": '''
            def first_dish(menu):
                return menu.keys()[0]
            ''',
        "tests/test_menu.py": '''
            from menu import first_dish

            def test_first():
                assert first_dish({"soup": 3, "pie": 4}) == "soup"
            ''',
    })
    found = candidates(_type_error("'dict_keys' object is not subscriptable", "menu.py", 2),
                       project)
    assert "return list(menu.keys())[0]" in patched(found[0], "menu.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_len_of_a_generator(tmp_path):
    project = make_project(tmp_path / "p", {
        "stats.py": '''
            def big(values):
                return len(v for v in values if v > 10)
            ''',
        "tests/test_stats.py": '''
            from stats import big

            def test_big():
                assert big([1, 20, 30]) == 2
            ''',
    })
    found = candidates(_type_error("object of type 'generator' has no len()", "stats.py", 2),
                       project)
    assert "return len(list(v for v in values if v > 10))" in patched(found[0], "stats.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_percent_format_values_in_one_tuple(tmp_path):
    project = make_project(tmp_path / "p", {
        "report.py": '''
            def line(name, value):
                return "%s: %s" % name, value
            ''',
        "tests/test_report.py": '''
            from report import line

            def test_line():
                assert line("cpu", 3) == "cpu: 3"
            ''',
    })
    found = candidates(_type_error("not enough arguments for format string", "report.py", 2),
                       project)
    assert 'return "%s: %s" % (name, value)' in patched(found[0], "report.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_percent_format_tests_pick_an_added_placeholder(tmp_path):
    project = make_project(tmp_path / "p", {
        "units.py": '''
            def amount(count, unit):
                return "%s items" % (count, unit)
            ''',
        "tests/test_units.py": '''
            from units import amount

            def test_amount_keeps_the_unit():
                assert amount(3, "kg") == "3 items kg"
            ''',
    })
    found = candidates(_type_error("not all arguments converted during string formatting",
                                   "units.py", 2), project)
    assert found[0].explanation == "dropped the extra value 'unit'"
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert 'return "%s items %s" % (count, unit)' in patched(found[index], "units.py")


def test_percent_with_brace_template_becomes_format(tmp_path):
    project = make_project(tmp_path / "p", {
        "hello.py": '''
            def hello(name):
                return "Hello, {}!" % name
            ''',
        "tests/test_hello.py": '''
            from hello import hello

            def test_hello():
                assert hello("Ada") == "Hello, Ada!"
            ''',
    })
    found = candidates(_type_error("not all arguments converted during string formatting",
                                   "hello.py", 2), project)
    assert 'return "Hello, {}!".format(name)' in patched(found[0], "hello.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_number_in_a_for_loop_tests_pick_counting_from_one(tmp_path):
    project = make_project(tmp_path / "p", {
        "calendar_days.py": '''
            def day_labels(days):
                return [f"day {d}" for d in days]
            ''',
        "tests/test_days.py": '''
            from calendar_days import day_labels

            def test_labels_start_at_one():
                assert day_labels(2) == ["day 1", "day 2"]
            ''',
    })
    found = candidates(_type_error("'int' object is not iterable", "calendar_days.py", 2),
                       project)
    index = first_passing(project, found, tmp_path / "try")
    assert index == 1
    assert 'for d in range(1, days + 1)]' in patched(found[index], "calendar_days.py")


def test_decimal_from_float_tests_pick_the_variable_over_the_literal(tmp_path):
    # Decimal(0.5) is exact (a red herring); Decimal(price) with price 0.1 is the culprit
    project = make_project(tmp_path / "p", {
        "shop.py": '''
            from decimal import Decimal

            HANDLING = Decimal(0.5)


            def charge(price: float):
                return Decimal(price) + HANDLING
            ''',
        "tests/test_shop.py": '''
            from decimal import Decimal
            from shop import charge

            def test_charge():
                assert charge(0.1) == Decimal("0.6")
            ''',
    })
    message = ("assert Decimal('0.6000000000000000055511151231257827021181583404541015625') "
               "== Decimal('0.6')")
    found = candidates(diagnosis("assertion_error", "AssertionError", message,
                                 "tests/test_shop.py", 5), project)
    assert found[0].explanation == 'built the Decimal from text ("0.5"), not from the float 0.5'
    index = first_passing(project, found, tmp_path / "try")
    assert index == 1
    assert "    return Decimal(str(price)) + HANDLING\n" in patched(found[index], "shop.py")
