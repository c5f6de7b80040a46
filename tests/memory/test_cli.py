"""``selfheal memory …``: the real CLI in a subprocess, honouring SELFHEAL_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from selfheal_local.memory.store import FixMemory
from selfheal_local.types import Verdict

from .helpers import diagnosis, patch_of

REPO = Path(__file__).resolve().parents[2]


def selfheal(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {"SELFHEAL_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "selfheal_local", "memory", *args],
                          capture_output=True, text=True, timeout=300, env=env, cwd=REPO)


def _fill(home: Path, embedder) -> FixMemory:
    memory = FixMemory.at_home(home, embedder)
    sites = [("a/x.py", "def f(total):\n    return totl + 1\n", "totl", "total"),
             ("b/y.py", "def g(count):\n    return cnt * 2\n", "cnt", "count"),
             ("c/z.py", "def h(index):\n    return idx - 1\n", "idx", "index")]
    for n, (file, text, name, good) in enumerate(sites):
        d = diagnosis(file, text, name, pattern="undefined_variable", exc="NameError",
                      message=f"name '{name}' is not defined", name=name)
        memory.record_success(d, patch_of(d, text, text.replace(f"return {name}",
                                                                f"return {good}"),
                                          source="rule"),
                              Verdict(True, "suite"), accepted_by="user", project=f"p{n}")
    return memory


def test_list_stats_rules_export_forget_search(tmp_path, embedder):
    home = tmp_path / "home"
    _fill(home, embedder)

    listed = selfheal("list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    fixes = json.loads(listed.stdout)
    assert len(fixes) == 3 and {f["project"] for f in fixes} == {"p0", "p1", "p2"}

    stats = json.loads(selfheal("stats", "--json", home=home).stdout)
    assert stats["fixes"] == 3 and stats["by_pattern"] == {"undefined_variable": 3}
    assert stats["accept_rate"] == 1.0 and stats["learned_rules"] == 1
    assert any(i["columns"] == ["pattern"] for i in stats["indexes"])

    rules = selfheal("rules", home=home)
    assert rules.returncode == 0 and "accepted 3x" in rules.stdout
    rule_id = rules.stdout.split()[0]

    out = tmp_path / "export"
    exported = selfheal("export", "--format", "chat", "--out", str(out), "--json", home=home)
    assert exported.returncode == 0, exported.stderr
    manifest = json.loads(exported.stdout)
    counts = manifest["patterns"]["undefined_variable"]
    assert counts["train"] + counts["heldout"] == 3
    assert (out / "undefined_variable" / "train.jsonl").is_file()

    found = selfheal("search", "name 'totl' is not defined", "--json", home=home)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["message"] == "name 'totl' is not defined"

    gone = selfheal("forget", fixes[0]["id"], home=home)
    assert gone.returncode == 0 and fixes[0]["id"] in gone.stdout
    assert len(json.loads(selfheal("list", "--json", home=home).stdout)) == 2
    again = selfheal("forget", fixes[0]["id"], home=home)
    assert again.returncode == 2 and "no past fix" in again.stderr

    removed = selfheal("forget-rule", rule_id, home=home)
    assert removed.returncode == 0, removed.stderr
    assert "no learned rules" in selfheal("rules", home=home).stdout
    missing = selfheal("rules", "--remove", rule_id, home=home)
    assert missing.returncode == 1 and "no learned rule" in missing.stderr
