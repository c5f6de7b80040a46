"""type_error rules for calls that do not fit the callee's signature, judged by real pytest."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched

from selfheal_local.types import Finding, Frame


def _type_error(message: str, file: str, line: int):
    return diagnosis("type_error", "TypeError", message, file, line)


def test_missing_argument_supplied_from_same_named_local(tmp_path):
    project = make_project(tmp_path / "p", {
        "pricing.py": '''
            def net(price, rate):
                return round(price * (1 - rate), 2)


            def checkout(items, rate):
                total = sum(items)
                return net(total)  # the discount was forgotten
            ''',
        "tests/test_pricing.py": '''
            from pricing import checkout

            def test_checkout():
                assert checkout([10, 10], 0.25) == 15.0
            ''',
    })
    found = candidates(_type_error("net() missing 1 required positional argument: 'rate'",
                                   "pricing.py", 7), project)
    assert "    return net(total, rate)  # the discount was forgotten\n" in patched(
        found[0], "pricing.py")
    assert found[0].explanation == "passed 'rate' for 'rate' to net() (closest name in scope)"
    assert first_passing(project, found, tmp_path / "try") == 0


def test_missing_argument_tests_pick_a_default_in_another_module(tmp_path):
    # the call is in the test (protected): the definition gets a default, and only 0 passes
    project = make_project(tmp_path / "p", {
        "shop/__init__.py": "",
        "shop/stock.py": '''
            def restock(current, amount, reserve):
                return current + amount - reserve
            ''',
        "tests/test_stock.py": '''
            from shop.stock import restock

            def test_restock_without_reserve():
                assert restock(3, 4) == 7

            def test_restock_with_reserve():
                assert restock(3, 4, 2) == 5
            ''',
    })
    found = candidates(_type_error("restock() missing 1 required positional argument: 'reserve'",
                                   "tests/test_stock.py", 4), project)
    assert [p.edits[0].path for p in found] == ["shop/stock.py"] * len(found)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0  # None comes first for a name with no hint; the tests want 0
    assert "def restock(current, amount, reserve=0):" in patched(found[index], "shop/stock.py")
    assert found[index].explanation == "gave parameter 'reserve' the default 0 in restock()"


def test_missing_argument_closest_local_is_second_guess(tmp_path):
    project = make_project(tmp_path / "p", {
        "greet.py": '''
            def greeting(name, title):
                return f"Hello, {title} {name}"


            def welcome(user):
                user_title = user["title"]
                user_tag = user["tag"]
                return greeting(user["name"])
            ''',
        "tests/test_greet.py": '''
            from greet import welcome

            def test_welcome():
                assert welcome({"name": "Ada", "title": "Dr", "tag": "x"}) == "Hello, Dr Ada"
            ''',
    })
    found = candidates(_type_error("greeting() missing 1 required positional argument: 'title'",
                                   "greet.py", 8), project)
    index = first_passing(project, found, tmp_path / "try")
    assert index >= 1
    assert 'return greeting(user["name"], user_title)' in patched(found[index], "greet.py")


def test_method_without_self(tmp_path):
    project = make_project(tmp_path / "p", {
        "cart.py": '''
            class Cart:
                def __init__(self):
                    self.items = []

                def add(item):
                    self.items.append(item)
                    return self
            ''',
        "tests/test_cart.py": '''
            from cart import Cart

            def test_add():
                assert Cart().add("pen").items == ["pen"]
            ''',
    })
    found = candidates(_type_error("Cart.add() takes 1 positional argument but 2 were given",
                                   "tests/test_cart.py", 4), project)
    assert found[0].explanation == "added 'self' to method Cart.add()"
    assert "    def add(self, item):\n" in patched(found[0], "cart.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_extra_argument_dropped_least_parameter_like_first(tmp_path):
    project = make_project(tmp_path / "p", {
        "geometry.py": '''
            def area(width, height):
                return width * height


            def floor(room):
                return area(room["name"], room["width"], room["height"])
            ''',
        "tests/test_geometry.py": '''
            from geometry import floor

            def test_floor():
                assert floor({"name": "hall", "width": 3, "height": 4}) == 12
            ''',
    })
    found = candidates(_type_error("area() takes 2 positional arguments but 3 were given",
                                   "geometry.py", 6), project)
    assert found[0].explanation == "dropped the extra argument 'room[\"name\"]' from the call to area()"
    assert first_passing(project, found, tmp_path / "try") == 0


def test_extra_argument_tests_pick_which_one_to_drop(tmp_path):
    # the literal looks like the stray argument; the tests say the stale rate was
    project = make_project(tmp_path / "p", {
        "tax.py": '''
            def with_tax(amount, rate):
                return round(amount * (1 + rate), 2)


            def order_total(order):
                return with_tax(order["amount"], 0.2, order["rate"])
            ''',
        "tests/test_tax.py": '''
            from tax import order_total

            def test_total():
                assert order_total({"amount": 10, "rate": 0.1}) == 12.0
            ''',
    })
    found = candidates(_type_error("with_tax() takes 2 positional arguments but 3 were given",
                                   "tax.py", 6), project)
    assert len(found) >= 3
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert 'return with_tax(order["amount"], 0.2)' in patched(found[index], "tax.py")


def test_extra_argument_becomes_keyword_only(tmp_path):
    project = make_project(tmp_path / "p", {
        "fmt.py": '''
            def money(amount, *, currency="EUR"):
                return f"{amount:.2f} {currency}"


            def invoice_line(amount):
                return money(amount, "USD")
            ''',
        "tests/test_fmt.py": '''
            from fmt import invoice_line

            def test_line():
                assert invoice_line(3) == "3.00 USD"
            ''',
    })
    found = candidates(_type_error("money() takes 1 positional argument but 2 were given",
                                   "fmt.py", 6), project)
    assert 'return money(amount, currency="USD")' in patched(found[0], "fmt.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_multiple_values_positional_becomes_keyword(tmp_path):
    project = make_project(tmp_path / "p", {
        "net.py": '''
            def address(host, port=80, scheme="http"):
                return f"{scheme}://{host}:{port}"


            def api(port):
                return address(port, host="api.local")
            ''',
        "tests/test_net.py": '''
            from net import api

            def test_api():
                assert api(8080) == "http://api.local:8080"
            ''',
    })
    found = candidates(_type_error("address() got multiple values for argument 'host'",
                                   "net.py", 6), project)
    assert 'return address(port=port, host="api.local")' in patched(found[0], "net.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_multiple_values_tests_pick_dropping_the_keyword(tmp_path):
    project = make_project(tmp_path / "p", {
        "net.py": '''
            def address(host, port=80, scheme="http"):
                return f"{scheme}://{host}:{port}"


            def local(name):
                return address(name + ".local", host="ignored")
            ''',
        "tests/test_net.py": '''
            from net import local

            def test_local():
                assert local("db") == "http://db.local:80"
            ''',
    })
    found = candidates(_type_error("address() got multiple values for argument 'host'",
                                   "net.py", 6), project)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert 'return address(name + ".local")' in patched(found[index], "net.py")


def test_swapped_arguments_follow_the_caller_frame(tmp_path):
    project = make_project(tmp_path / "p", {
        "label.py": '''
            def label(name, count):
                return name.upper() + " x" + str(count)


            def shelf(count, name):
                return label(count, name)
            ''',
        "tests/test_label.py": '''
            from label import shelf

            def test_shelf():
                assert shelf(3, "pen") == "PEN x3"
            ''',
    })
    frames = (Frame("tests/test_label.py", 4, "test_shelf"), Frame("label.py", 6, "shelf"),
              Frame("label.py", 2, "label"))
    finding = Finding(source="test", file="label.py", line=2, code="AttributeError",
                      message="'int' object has no attribute 'upper'", frames=frames)
    diag = diagnosis("attribute_error", "AttributeError", finding.message, "label.py", 2)
    diag = type(diag)(**{**diag.__dict__, "finding": finding})
    found = [p for p in candidates(diag, project) if p.explanation.startswith("swapped")]
    assert found[0].explanation == "swapped 'count' and 'name' to match the parameters of label()"
    assert "    return label(name, count)\n" in patched(found[0], "label.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_swapped_arguments_tests_pick_the_call_site(tmp_path):
    # no traceback frames: every call of label() is a suspect; the first one is correct code
    project = make_project(tmp_path / "p", {
        "inventory.py": '''
            from label import label


            def headline(name, count):
                # here 'count' is the heading text and 'name' the row count
                return label(count, name)
            ''',
        "label.py": '''
            def label(name, count):
                return name.upper() + " x" + str(count)


            def shelf(count, name):
                return label(count, name)
            ''',
        "tests/test_label.py": '''
            from inventory import headline
            from label import shelf

            def test_shelf():
                assert shelf(3, "pen") == "PEN x3"

            def test_headline():
                assert headline(2, "rows") == "ROWS x2"
            ''',
    })
    found = candidates(diagnosis("attribute_error", "AttributeError",
                                 "'int' object has no attribute 'upper'", "label.py", 2), project)
    found = [p for p in found if p.explanation.startswith("swapped")]
    assert [p.edits[0].path for p in found] == ["inventory.py", "label.py"]
    assert first_passing(project, found, tmp_path / "try") == 1
