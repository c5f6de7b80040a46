"""The nightly schedule: APScheduler 3.x cron, persisted in SQLite, one run at a time.

- ``CronTrigger.from_crontab`` (default ``0 3 * * *``), ``max_instances=1``, ``coalesce=True``
  and a generous ``misfire_grace_time``: a laptop asleep at 3 a.m. trains once when it wakes.
- The job store (``SQLAlchemyJobStore`` on ``<state_dir>/jobs.sqlite``) keeps the job across
  restarts; it does not stop two processes from running it, so one scheduler per state dir is
  enforced with an ``fcntl`` lock file.
- The job runs the training in a child process (its own session). Stopping the scheduler
  (SIGTERM / SIGINT) sends SIGTERM to that child; the child removes its temporary directories
  and exits, so no half-written adapter is ever renamed into place or registered.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import ModelError
from .files import try_lock

log = logging.getLogger(__name__)

DEFAULT_CRON = "0 3 * * *"
JOB_ID = "nightly-training"
MISFIRE_GRACE_S = 12 * 3600
"""A run missed by up to 12 hours (machine asleep or off) still happens, once."""
STOP_TIMEOUT_S = 60.0
"""How long a stopping scheduler waits for the training child before SIGKILL."""


class SchedulerLocked(ModelError):
    """Another scheduler process already owns this state directory."""


def exit_on_sigterm() -> None:
    """In a training child: turn SIGTERM into SystemExit so ``finally`` blocks clean up."""

    def _raise(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


def _append_run(state_dir: Path, record: dict[str, Any]) -> None:
    with (state_dir / "runs.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def run_child(argv: Sequence[str], state_dir: str, env: dict[str, str] | None = None) -> int:
    """The scheduled job: run ``argv`` as a child in its own session and wait for it."""
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    child_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(list(argv), start_new_session=True, env=child_env)
    pid_file = state / "child.pid"
    pid_file.write_text(str(proc.pid), encoding="utf-8")
    try:
        rc = proc.wait()
    finally:
        pid_file.unlink(missing_ok=True)
    _append_run(state, {"started": started, "ended": datetime.now(UTC).isoformat(timespec="seconds"),
                        "returncode": rc, "argv": list(argv)})  # fmt: skip
    log.info("scheduled training finished with exit code %s", rc)
    return rc


def stop_child(state_dir: str | Path, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """SIGTERM the running training child's process group; SIGKILL after ``timeout_s``."""
    pid_file = Path(state_dir) / "child.pid"
    try:
        pid = int(pid_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and pid_file.exists():
        time.sleep(0.1)
    if pid_file.exists():
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return True


class NightlyScheduler:
    """One persistent cron job that runs a training command in a child process."""

    def __init__(
        self,
        state_dir: str | Path,
        *,
        misfire_grace_s: int = MISFIRE_GRACE_S,
        job_id: str = JOB_ID,
    ):
        self.state_dir = Path(state_dir).expanduser()
        self.misfire_grace_s = misfire_grace_s
        self.job_id = job_id
        self._lock_fd: int | None = None
        self._scheduler: Any = None
        self._stopping = threading.Event()

    @property
    def lock_path(self) -> Path:
        return self.state_dir / "scheduler.lock"

    def acquire_lock(self) -> None:
        """Own the state dir, or raise SchedulerLocked naming the process that does."""
        fd = try_lock(self.lock_path)
        if fd is None:
            try:
                holder = self.lock_path.read_text(errors="replace").strip() or "?"
            except OSError:
                holder = "?"
            raise SchedulerLocked(
                f"another scheduler (pid {holder}) is already running for {self.state_dir}; "
                "stop it first (one scheduler per data dir)"
            )
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None

    def _build(self) -> Any:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.base import STATE_RUNNING

        class _Scheduler(BackgroundScheduler):
            # APScheduler 3 may process a wakeup queued before shutdown() after the state is
            # STOPPED: it then consumes a due run (the misfire is lost) and fails to submit it
            def _process_jobs(self) -> float | None:
                return super()._process_jobs() if self.state == STATE_RUNNING else None

        url = f"sqlite:///{self.state_dir / 'jobs.sqlite'}"
        return _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(url=url)},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.misfire_grace_s,
            },
            timezone=_local_tz(),
        )

    def _open(self) -> Any:
        """Lock, then start the scheduler paused (the store is readable, nothing runs yet)."""
        if self._scheduler is None:
            self.acquire_lock()
            self.state_dir.mkdir(parents=True, exist_ok=True)
            try:
                self._scheduler = self._build()
                self._scheduler.start(paused=True)
            except BaseException:
                self.release_lock()
                self._scheduler = None
                raise
        return self._scheduler

    def install(
        self,
        argv: Sequence[str],
        cron: str = DEFAULT_CRON,
        env: dict[str, str] | None = None,
        *,
        run_now: bool = False,
    ) -> dict[str, Any]:
        """Add (or update) the job; an unchanged job keeps its next run time (and misfires).

        ``run_now``: also run it as soon as the scheduler starts (then on the cron times).
        """
        from apscheduler.triggers.cron import CronTrigger

        try:
            trigger = CronTrigger.from_crontab(cron, timezone=_local_tz())
        except ValueError as exc:
            raise ModelError(f"invalid cron expression {cron!r}: {exc}") from exc
        scheduler = self._open()
        args = [list(argv), str(self.state_dir), dict(env or {})]
        job = scheduler.get_job(self.job_id)
        if job is None or str(job.trigger) != str(trigger) or list(job.args) != args:
            job = scheduler.add_job(
                run_child, trigger, args=args, id=self.job_id, replace_existing=True,
                name="selfheal nightly training", max_instances=1, coalesce=True,
                misfire_grace_time=self.misfire_grace_s,
            )  # fmt: skip
        if run_now:
            job.modify(next_run_time=datetime.now(_local_tz()))
        return self.describe()

    @property
    def scheduler(self) -> Any:
        """The APScheduler ``BackgroundScheduler`` (opened, locked and paused until ``start``)."""
        return self._open()

    def describe(self) -> dict[str, Any]:
        """The job as stored: cron trigger, next run, command (``{}`` when none is installed)."""
        job = self._open().get_job(self.job_id)
        if job is None:
            return {}
        nxt = job.next_run_time
        return {
            "id": job.id,
            "trigger": str(job.trigger),
            "next_run_time": nxt.isoformat() if nxt else None,
            "argv": list(job.args[0]),
            "state_dir": str(self.state_dir),
        }

    def start(self, background: bool = True) -> None:
        """Run the schedule: in a background thread, or in the foreground until a signal."""
        self._open().resume()
        if not background:
            self.run_forever()

    def run_forever(self) -> None:
        """Block until SIGTERM / SIGINT, then stop the training child cleanly and shut down."""
        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda signum, frame: self._stopping.set())
        try:
            while not self._stopping.wait(1.0):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stop()

    def request_stop(self) -> None:
        self._stopping.set()

    def stop(self) -> None:
        """Stop a running training child (SIGTERM, then wait), shut down, release the lock."""
        if self._scheduler is not None:
            self._scheduler.pause()
            stop_child(self.state_dir)
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.release_lock()

    def runs(self) -> list[dict[str, Any]]:
        """The scheduled runs so far (start, end, exit code)."""
        path = self.state_dir / "runs.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _local_tz() -> Any:
    from tzlocal import get_localzone

    return get_localzone()


def systemd_unit(argv: Sequence[str], env: dict[str, str], description: str) -> str:
    """A systemd *user* service that runs the scheduler in the foreground."""
    import shlex

    lines = [
        "[Unit]",
        f"Description={description}",
        "After=default.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={shlex.join(argv)}",
        *(f"Environment={shlex.quote(f'{k}={v}')}" for k, v in sorted(env.items())),
        "KillSignal=SIGTERM",
        f"TimeoutStopSec={int(STOP_TIMEOUT_S) + 30}",
        "Restart=on-failure",
        "RestartSec=60",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def write_systemd_unit(
    unit_dir: str | Path, argv: Sequence[str], env: dict[str, str], name: str = "selfheal-train"
) -> Path:
    """Write ``<unit_dir>/<name>.service``; enable it with ``systemctl --user enable --now``."""
    path = Path(unit_dir).expanduser() / f"{name}.service"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(systemd_unit(argv, env, "selfheal-local nightly adapter training"), "utf-8")
    return path


__all__ = [
    "DEFAULT_CRON",
    "MISFIRE_GRACE_S",
    "NightlyScheduler",
    "SchedulerLocked",
    "exit_on_sigterm",
    "run_child",
    "stop_child",
    "systemd_unit",
    "write_systemd_unit",
]
