"""A no holds: the real ``selfheal`` CLI on a real pty, answering its questions as a person does.

An answer ``n`` and an ``undo`` keep that change out of every later heal of the project
(interactive or ``--yes``); one problem seen by ruff and by a test is asked about once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_helpers import PROMPT, Terminal, selfheal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from heal.projects import digest, write_project  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")


def test_answer_no_is_asked_once_and_never_offered_again(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", "missing_import")  # `re` used, never imported
    (root / "pyproject.toml").write_text("[tool.selfheal]\nsearch_budget_s = 5\n")
    home = tmp_path / "home"
    before = digest(root)
    term = Terminal("heal", str(root), "--no-model", "--no-memory", home=home)
    try:
        term.expect("finding 1 of")  # progress: N of M and the stage while it works
        assert term.expect(PROMPT, timeout=600) == PROMPT  # printed literally, not eaten as markup
        asked = term.text
        assert "+import re" in asked, asked[-2000:]
        term.type("n\n")
        assert term.wait() == 1
    finally:
        term.close()
    # F821 and the test's NameError are one finding: the question came once
    assert term.text.count(PROMPT) == 1, term.text[-3000:]
    assert digest(root) == before

    again = Terminal("heal", str(root), "--no-model", "--no-memory", home=home)
    try:
        while again.expect(PROMPT, "healthy", timeout=600) == PROMPT:
            shown = again.text[-4000:]
            assert "+import re" not in shown.split("fix:")[-1], shown
            again.type("q\n")
        again.wait()
    finally:
        again.close()
    assert "you rejected this change earlier" in again.text, again.text[-3000:]
    assert digest(root) == before


def test_undo_then_heal_yes_does_not_reapply(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", "name_typo")
    home = tmp_path / "home"
    before = digest(root)
    first = selfheal("heal", str(root), "--yes", "--json", "--no-model", "--no-memory", home=home)
    assert first.returncode == 0, first.stderr
    assert "subtotal + tax" in (root / "shop" / "cart.py").read_text()
    undone = selfheal("undo", home=home, cwd=root)  # PATH defaults to the current directory
    assert undone.returncode == 0, undone.stderr
    assert digest(root) == before
    second = selfheal("heal", str(root), "--yes", "--json", "--no-model", "--no-memory", home=home)
    assert second.returncode == 1, second.stderr
    assert digest(root) == before  # the undone change stayed out
    result = json.loads(second.stdout)
    assert result["applied"] == []
    [failure] = [f for f in result["failed"] if f["finding"]["file"] == "shop/cart.py"]
    assert "you undid this change earlier" in failure["reason"]


TWO_BUGS = {
    "shop/__init__.py": "",
    "shop/cart.py": """
        def cart_total(prices, tax_rate):
            subtotal = sum(prices)
            tax = subtotal * tax_rate
            return round(subtotl + tax, 2)
    """,
    "shop/account.py": """
        class Account:
            def __init__(self, owner):
                self.owner = owner
                self.balance = 0

            def deposit(self, amount):
                self.balnce += amount
                return self.balance
    """,
    "tests/test_shop.py": """
        from shop.account import Account
        from shop.cart import cart_total

        def test_total():
            assert cart_total([10.0, 5.0], 0.2) == 18.0

        def test_deposit():
            assert Account("ann").deposit(5) == 5
    """,
}


def test_all_applies_every_validated_fix_after_one_question(tmp_path: Path) -> None:
    from cli_helpers import write

    root = write(tmp_path / "proj", TWO_BUGS)
    term = Terminal("heal", "--no-model", "--no-memory", home=tmp_path / "home", cwd=root)
    try:
        term.expect(PROMPT)
        term.type("a\n")
        assert term.wait() == 0, term.text[-3000:]
    finally:
        term.close()
    assert term.text.count(PROMPT) == 1
    assert "subtotal + tax" in (root / "shop" / "cart.py").read_text()
    assert "self.balance += amount" in (root / "shop" / "account.py").read_text()


def test_skip_all_applies_nothing_and_asks_nothing_more(tmp_path: Path) -> None:
    from cli_helpers import write

    root = write(tmp_path / "proj", TWO_BUGS)
    before = digest(root)
    term = Terminal("heal", str(root), "--no-model", "--no-memory", home=tmp_path / "home")
    try:
        term.expect(PROMPT)
        term.type("s\n")
        assert term.wait() == 1
    finally:
        term.close()
    assert term.text.count(PROMPT) == 1
    assert digest(root) == before
    assert not (root / ".selfheal" / "decisions.json").exists()  # skipped is not rejected


def test_version_and_paths_default_to_the_current_directory(tmp_path: Path) -> None:
    version = selfheal("--version", home=tmp_path / "home")
    assert version.returncode == 0 and version.stdout.startswith("selfheal "), version
    root = write_project(tmp_path / "proj", "lint")
    scan = selfheal("scan", "--no-tests", "--json", home=tmp_path / "home", cwd=root)
    assert scan.returncode == 1 and json.loads(scan.stdout)["findings"], scan.stderr
    undo = selfheal("undo", home=tmp_path / "home", cwd=root)
    assert undo.returncode == 1 and "nothing to undo" in undo.stderr  # not a usage error (2)


def test_a_name_error_is_one_finding_with_all_its_evidence(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", "missing_import")
    scan = selfheal("scan", str(root), "--json", home=tmp_path / "home")
    assert scan.returncode == 1, scan.stderr
    found = [f for f in json.loads(scan.stdout)["findings"] if f["code"] in ("F821", "NameError")]
    assert len(found) == 1, found  # not ruff's F821 beside the test's NameError
    [one] = found
    assert one["code"] == "NameError" and one["test_ids"] == ["tests/test_slug.py::test_slugify"]
    assert one["traceback"] and one["column"] > 0  # the test's traceback at ruff's exact span


def test_an_undone_fix_becomes_a_negative_in_memory(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", "name_typo")
    home = tmp_path / "home"

    def stats() -> tuple[int, int, int]:
        proc = selfheal("memory", "stats", "--json", home=home)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        return data["fixes"], data["negatives"], data["jsonl_pairs"]

    healed = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=home)
    assert healed.returncode == 0, healed.stderr
    assert stats() == (1, 0, 1)
    undone = selfheal("undo", str(root), home=home)
    assert undone.returncode == 0, undone.stderr
    assert stats() == (0, 1, 0)  # no longer counted as accepted; kept as a negative
