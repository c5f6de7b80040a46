"""Helpers for the security suite: the real CLI in a subprocess, a host UNIX-socket listener,
a fake private key (a unique module name, so it never clashes with another helpers module)."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sandbox.isolation import bwrap_path, probe

REPO = Path(__file__).resolve().parents[2]
BWRAP_WORKS = bwrap_path() is not None and probe("bwrap") is None
UNSHARE_WORKS = probe("unshare") is None
ISOLATED_LEVELS = [
    pytest.param("bwrap", marks=pytest.mark.skipif(not BWRAP_WORKS, reason="bubblewrap does not work here")),
    pytest.param("unshare", marks=pytest.mark.skipif(not UNSHARE_WORKS, reason="unshare does not work here")),
]


def selfheal(*args: str, home: Path, env: dict[str, str] | None = None,
             timeout: int = 300) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, with its own data dir."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    full |= {"SELFHEAL_HOME": str(home), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "selfheal_local", *args], capture_output=True,
                          text=True, timeout=timeout, env=full, cwd=REPO, stdin=subprocess.DEVNULL)


def fake_private_key(token: str) -> str:
    """A private-key file as ssh-keygen writes one (random body; the token marks it)."""
    body = base64.b64encode(token.encode() + os.urandom(240)).decode()
    lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + \
        "\n-----END OPENSSH PRIVATE KEY-----\n"


class UnixListener:
    """A host process's UNIX socket at ``path`` that counts who connected to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.connections = 0
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        os.chmod(path, 0o777)  # any uid may connect: only the sandbox may stop it
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()
        self.path.unlink(missing_ok=True)
