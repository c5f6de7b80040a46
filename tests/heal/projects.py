"""Small broken projects, written into tmp_path, that selfheal has never seen."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

BROKEN: dict[str, dict[str, str]] = {
    "name_typo": {
        "shop/cart.py": """
            def cart_total(prices, tax_rate):
                subtotal = sum(prices)
                tax = subtotal * tax_rate
                return round(subtotl + tax, 2)
        """,
        "tests/test_cart.py": """
            from shop.cart import cart_total

            def test_total():
                assert cart_total([10.0, 5.0], 0.2) == 18.0
        """,
    },
    "missing_import": {
        "shop/slug.py": """
            def slugify(title):
                return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        """,
        "tests/test_slug.py": """
            from shop.slug import slugify

            def test_slugify():
                assert slugify("Hello, World!") == "hello-world"
        """,
    },
    "attribute_typo": {
        "shop/account.py": """
            class Account:
                def __init__(self, owner):
                    self.owner = owner
                    self.balance = 0

                def deposit(self, amount):
                    if amount <= 0:
                        raise ValueError("amount must be positive")
                    self.balnce += amount
                    return self.balance
        """,
        "tests/test_account.py": """
            import pytest
            from shop.account import Account

            def test_deposit():
                acct = Account("ann")
                assert acct.deposit(5) == 5
                assert acct.deposit(7) == 12

            def test_rejects_negative():
                with pytest.raises(ValueError):
                    Account("bob").deposit(-1)
        """,
    },
    "str_int": {
        "shop/label.py": """
            def label(name, quantity):
                return name + " x" + quantity
        """,
        "tests/test_label.py": """
            from shop.label import label

            def test_label():
                assert label("apple", 3) == "apple x3"
        """,
    },
    "lint": {
        "shop/util.py": """
            import os
            import sys


            def greeting(name):
                return f"hello " + name
        """,
        "tests/test_util.py": """
            from shop.util import greeting

            def test_greeting():
                assert greeting("ann") == "hello ann"
        """,
    },
    "unfixable_logic": {
        "shop/tax.py": """
            def vat(amount):
                # the rate is wrong: no rule, memory or mutation can know it is 0.2
                return round(amount * 0.35, 2)
        """,
        "tests/test_tax.py": """
            from shop.tax import vat

            def test_vat():
                assert vat(100) == 20.0
        """,
    },
    "endless_loop": {
        "pyproject.toml": """
            [tool.selfheal]
            test_timeout_s = 120
            test_case_timeout_s = 3
        """,
        "shop/queue.py": """
            def drain(pending):
                out = []
                while pending:  # .get leaves the key: the loop never ends
                    out.append(pending.get(next(iter(pending))))
                return out


            def double(x):
                return 2 * x
        """,
        "tests/test_queue.py": """
            from shop.queue import double, drain

            def test_drain():
                assert drain({"a": 1, "b": 2}) == [1, 2]

            def test_drain_empty():
                assert drain({}) == []

            def test_double():
                assert double(2) == 4
        """,
    },
}


def write_project(root: Path, name: str) -> Path:
    files = {"shop/__init__.py": "", **BROKEN[name]}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def digest(root: Path) -> dict[str, str]:
    """Hash of every file outside the journal and caches: byte-identity checks."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".selfheal", "__pycache__", ".pytest_cache"} & set(p.parts)
    }
