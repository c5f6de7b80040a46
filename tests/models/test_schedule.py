"""The nightly schedule: real APScheduler with its SQLite store, real processes and signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from models.schedule import JOB_ID, NightlyScheduler, SchedulerLocked, systemd_unit


def _append_argv(target: Path) -> list[str]:
    code = f"open({str(target)!r}, 'a').write('ran\\n')"
    return [sys.executable, "-c", code]


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_the_job_survives_a_restart_from_its_store(tmp_path):
    state = tmp_path / "state"
    first = NightlyScheduler(state)
    installed = first.install(["/bin/true"], "0 3 * * *")
    first.start()
    first.stop()

    second = NightlyScheduler(state)  # a new scheduler, as after a reboot
    job = second.describe()
    second.stop()
    assert job["trigger"] == installed["trigger"] and "hour='3'" in job["trigger"]
    assert job["argv"] == ["/bin/true"] and job["next_run_time"] == installed["next_run_time"]
    assert (state / "jobs.sqlite").is_file()


def test_a_second_scheduler_process_refuses_to_start(tmp_path):
    state = tmp_path / "state"
    owner = NightlyScheduler(state)
    owner.install(["/bin/true"])
    try:
        code = (
            "import sys; from models.schedule import NightlyScheduler, SchedulerLocked\n"
            f"try: NightlyScheduler({str(state)!r}).install(['/bin/true'])\n"
            "except SchedulerLocked as e: print(e); sys.exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 3, done.stderr
        assert f"pid {os.getpid()}" in done.stdout
        with pytest.raises(SchedulerLocked):
            NightlyScheduler(state).install(["/bin/true"])
    finally:
        owner.stop()
    NightlyScheduler(state).stop()  # released: the next one may take it


def test_the_cli_refuses_a_second_scheduler(tmp_path):
    home = tmp_path / "home"
    owner = NightlyScheduler(home / "training" / "schedule")
    owner.install(["/bin/true"])
    try:
        env = {**os.environ, "SELFHEAL_HOME": str(home)}
        done = subprocess.run(
            [sys.executable, "-m", "selfheal_local", "train", "--schedule", "0 3 * * *",
             "--model", str(tmp_path)],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
    finally:
        owner.stop()
    assert done.returncode == 2
    assert "another scheduler" in done.stderr


def _miss(state: Path, argv: list[str], missed_by: timedelta, grace_s: int) -> None:
    """Install an hourly job whose last run time passed ``missed_by`` ago, then stop."""
    minute = (datetime.now().minute + 30) % 60  # the next regular run is far from this test
    sched = NightlyScheduler(state, misfire_grace_s=grace_s)
    sched.install(argv, f"{minute} * * * *")
    job = sched.scheduler.get_job(JOB_ID)
    job.modify(next_run_time=datetime.now(job.next_run_time.tzinfo) - missed_by)
    sched.stop()  # never resumed: nothing ran while "asleep"


def test_a_missed_run_within_the_grace_time_runs_once(tmp_path):
    state, marker = tmp_path / "state", tmp_path / "ran.txt"
    _miss(state, _append_argv(marker), timedelta(hours=5), grace_s=12 * 3600)
    sched = NightlyScheduler(state, misfire_grace_s=12 * 3600)
    sched.start()
    try:
        assert _wait_for(lambda: len(sched.runs()) >= 1)
        time.sleep(3)  # five missed hourly runs are coalesced into this one
        assert marker.read_text() == "ran\n"
        assert len(sched.runs()) == 1 and sched.runs()[0]["returncode"] == 0
        nxt = datetime.fromisoformat(sched.describe()["next_run_time"])
        assert nxt > datetime.now(nxt.tzinfo)
    finally:
        sched.stop()


def test_a_run_missed_beyond_the_grace_time_is_skipped(tmp_path):
    state, marker = tmp_path / "state", tmp_path / "ran.txt"
    _miss(state, _append_argv(marker), timedelta(hours=5), grace_s=60)
    sched = NightlyScheduler(state, misfire_grace_s=60)
    sched.start()
    time.sleep(3)
    sched.stop()
    assert not marker.exists() and sched.runs() == []


def test_sigterm_stops_the_scheduler_and_its_child_cleanly(tmp_path):
    state, started, cleaned = tmp_path / "state", tmp_path / "started", tmp_path / "cleaned"
    child = (
        "import time\nfrom models.schedule import exit_on_sigterm\nexit_on_sigterm()\n"
        f"open({str(started)!r}, 'w').write('1')\n"
        f"try:\n    time.sleep(120)\nfinally:\n    open({str(cleaned)!r}, 'w').write('1')\n"
    )
    runner = (
        "from models.schedule import NightlyScheduler\n"
        f"s = NightlyScheduler({str(state)!r})\n"
        f"s.install([{sys.executable!r}, '-c', {child!r}], '0 3 * * *', run_now=True)\n"
        "s.start(background=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", runner], start_new_session=True)
    try:
        assert _wait_for(started.exists, timeout=120)
        child_pid = int((state / "child.pid").read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert cleaned.exists()  # the child's cleanup ran
    assert not (state / "child.pid").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)
    runs = [json.loads(line) for line in (state / "runs.jsonl").read_text().splitlines()]
    assert [r["returncode"] for r in runs] == [128 + signal.SIGTERM]
    NightlyScheduler(state).stop()  # the lock went with the process


def test_systemd_unit_runs_the_scheduler_in_the_foreground():
    unit = systemd_unit(["/usr/bin/python3", "-m", "selfheal_local", "train", "--schedule",
                         "0 3 * * *"], {"SELFHEAL_HOME": "/data"}, "nightly")  # fmt: skip
    assert "ExecStart=/usr/bin/python3 -m selfheal_local train --schedule '0 3 * * *'" in unit
    assert "Environment=SELFHEAL_HOME=/data" in unit and "KillSignal=SIGTERM" in unit
    assert "WantedBy=default.target" in unit
