"""Run the real ``selfheal`` CLI: plainly in a subprocess, or in a real pseudo-terminal (the
interactive questions only appear on a terminal) where a test types its answers."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]|\r")
PROMPT = "apply this fix? [y]es / [n]o / [a]ll / [s]kip all / [q]uit:"


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "COV", "COLUMNS", "LINES"))}
    return env | {"SELFHEAL_HOME": str(home), "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color"}


def selfheal(*args: str, home: Path, cwd: Path | None = None,
             timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """The CLI, non-interactive (stdin is not a terminal)."""
    return subprocess.run([sys.executable, "-m", "selfheal_local", *args], capture_output=True,
                          text=True, timeout=timeout, env=env_for(home), cwd=cwd or REPO,
                          stdin=subprocess.DEVNULL)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


class Terminal:
    """``selfheal ARGS`` on a real pty (200×50), so rich and the questions behave as for a
    person; ``expect`` waits for text on the screen (ANSI codes stripped), ``type`` answers."""

    def __init__(self, *args: str, home: Path, cwd: Path | None = None):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "selfheal_local", *args], stdin=slave, stdout=slave,
            stderr=slave, env=env_for(home), cwd=cwd or REPO, start_new_session=True)
        os.close(slave)
        self.fd = master
        self.raw = ""
        self.seen = 0

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the pty
            return False
        if not chunk:
            return False
        self.raw += chunk.decode("utf-8", "replace")
        return True

    def expect(self, *needles: str, timeout: float = 600) -> str:
        """Wait until one of ``needles`` shows after the last match; returns which."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rest = self.text[self.seen:]
            for needle in needles:
                at = rest.find(needle)
                if at >= 0:
                    self.seen += at + len(needle)
                    return needle
            if not self._read(0.2) and self.proc.poll() is not None:
                break
        raise AssertionError(f"never saw {needles!r}; the terminal showed:\n{self.text[-3000:]}")

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, timeout: float = 600) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0.05) and select.select([self.fd], [], [], 0)[0]:
            pass
        if self.proc.poll() is None:
            self.close()
            raise AssertionError(f"still running; the terminal showed:\n{self.text[-3000:]}")
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.fd)
