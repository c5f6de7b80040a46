"""Success pairs: the Saplings example, append-only JSONL, corrupt lines, rotation, export."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from selfheal_local.memory.export import split_pairs, write_chat_dir
from selfheal_local.memory.pairs import PAIRS_FILE, SuccessPairCollector

REPO = Path(__file__).resolve().parents[2]

SAPLINGS_EXAMPLE = '''
from selfheal_local import SuccessPairCollector

# Create a success pair collector
collector = SuccessPairCollector(output_dir="./success_pairs")

# Collect a success pair
import asyncio
asyncio.run(collector.collect(
    input_text="NameError: name 'data' is not defined\\n\\ndef process_data():\\n    result = data.process()\\n    return result",
    output_text="def process_data():\\n    data = get_data()\\n    result = data.process()\\n    return result",
    metadata={
        "error_type": "NameError",
        "fix_type": "variable_initialization",
    }
))

# Get all collected pairs
pairs = collector.get_all_pairs()
print(f"Collected {len(pairs)} pairs")

# Export pairs to a JSONL file
collector.export_to_jsonl("./success_pairs.jsonl")
'''


def test_the_saplings_example_runs_with_only_the_import_changed(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(textwrap.dedent(SAPLINGS_EXAMPLE))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Collected 1 pairs"
    exported = [json.loads(ln) for ln in (tmp_path / "success_pairs.jsonl").read_text().splitlines()]
    assert len(exported) == 1
    roles = [m["role"] for m in exported[0]["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert "data = get_data()" in exported[0]["messages"][2]["content"]
    assert exported[0]["pattern"] == "undefined_variable"


def _collect(collector, i, **meta):
    asyncio.run(collector.collect(f"ValueError: bad {i}\n\ndef f{i}(): pass",
                                  f"def f{i}(): return {i}", metadata=meta))


def test_a_half_written_line_costs_only_itself(tmp_path, caplog):
    collector = SuccessPairCollector(output_dir=str(tmp_path / "pairs"))
    _collect(collector, 1)
    path = tmp_path / "pairs" / PAIRS_FILE
    with open(path, "ab") as fh:  # a writer killed mid-line
        fh.write(b'{"id": "x", "input": "half')
    _collect(collector, 2)
    _collect(collector, 3)
    with caplog.at_level("WARNING"):
        pairs = collector.get_all_pairs()
    assert [p["output"] for p in pairs] == ["def f1(): return 1", "def f2(): return 2",
                                            "def f3(): return 3"]
    assert "line 2 is corrupt" in caplog.text


def test_max_pairs_rotates_the_oldest_out(tmp_path):
    collector = SuccessPairCollector(output_dir=str(tmp_path / "pairs"), max_pairs=3)
    for i in range(5):
        _collect(collector, i)
    assert [p["output"][-1] for p in collector.get_all_pairs()] == ["2", "3", "4"]
    assert collector.max_pairs == 3 and collector.output_dir == str(tmp_path / "pairs")


def test_two_processes_appending_interleave_whole_lines(tmp_path):
    out = tmp_path / "pairs"
    code = textwrap.dedent(f"""
        import asyncio, sys
        from selfheal_local.memory.pairs import SuccessPairCollector
        c = SuccessPairCollector(output_dir={str(out)!r}, max_pairs=10_000)
        for i in range(150):
            asyncio.run(c.collect("E: " + sys.argv[1] + str(i) + "x" * 5000, "fix"))
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", code, tag], env=env) for tag in "ab"]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lines = (out / PAIRS_FILE).read_text().splitlines()
    assert len(lines) == 300
    assert all(json.loads(ln)["output"] == "fix" for ln in lines)


def _pair(i, pattern, output=None):
    return {"id": str(i), "input": f"E{i}: m\n\ncode {i}", "output": output or f"fixed {i}",
            "metadata": {"pattern": pattern}}


def test_export_groups_dedups_and_holds_back_deterministically(tmp_path):
    pairs = [_pair(i, "key_error") for i in range(30)] + [_pair(i, "type_error")
                                                          for i in range(30, 37)]
    pairs += [dict(pairs[0], id="dup")]  # same content, another id
    first = split_pairs(pairs)
    assert set(first) == {"key_error", "type_error"}
    ke = first["key_error"]
    assert len(ke["train"]) + len(ke["heldout"]) == 30  # the duplicate went
    assert ke["heldout"] and first["type_error"]["heldout"]
    assert split_pairs(list(reversed(pairs))) == first  # order does not change the split
    manifest = write_chat_dir(pairs, tmp_path / "out")
    assert manifest["patterns"]["key_error"]["heldout"] == len(ke["heldout"])
    line = json.loads((tmp_path / "out" / "key_error" / "train.jsonl").read_text().splitlines()[0])
    assert [m["role"] for m in line["messages"]] == ["system", "user", "assistant"]
