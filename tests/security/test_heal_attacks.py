"""Attacks made by a project's own tests while ``selfheal heal`` validates candidates for it.

The project has a real bug the rules fix, and a test that attacks the machine every time the
suite runs (the baseline, each candidate, the final check): it fails, printing what it got,
when any attack works. So a heal that comes back healthy proves every attack was contained in
every run, and the host-side listeners and files say the same from outside.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import textwrap
from pathlib import Path

from security_helpers import UnixListener, fake_private_key, selfheal

ATTACKS = '''
import os, socket, subprocess, sys

HOST_PORT = {port}
UNIX_SOCKET = {unix!r}
KEY = {key!r}
ENV_TOKEN = {env_name!r}
OUTSIDE = {outside!r}
TOKEN = {token!r}


def _try(report, name, attack):
    try:
        got = attack()
    except Exception:
        return
    if got:
        report.append(name + ": " + str(got))


def test_attacks_are_contained():
    report = []

    def tcp():
        socket.create_connection(("127.0.0.1", HOST_PORT), timeout=2).close()
        return "connected to the host's loopback"

    def dns():
        return socket.getaddrinfo("example.com", 443)[:1]

    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", ("1.1.1.1", 53))
        return "sent"

    def unix():
        s = socket.socket(socket.AF_UNIX)
        s.connect(UNIX_SOCKET)
        return "connected to " + UNIX_SOCKET

    def read(path):
        return lambda: open(path).read()

    def write(path):
        def attack():
            with open(path, "w") as out:
                out.write("escaped")
            return "wrote " + path
        return attack

    def tmp_hog():
        for i in range(9):
            with open("/tmp/hog%d" % i, "wb") as out:
                out.write(os.urandom(4 * 1024 * 1024))
        return "nine 4 MiB files in /tmp"

    _try(report, "tcp", tcp)
    _try(report, "dns", dns)
    _try(report, "udp", udp)
    _try(report, "unix", unix)
    _try(report, "ssh key", read(KEY))
    _try(report, "shadow", read("/etc/shadow"))
    _try(report, "env", lambda: os.environ.get(ENV_TOKEN))
    for path in OUTSIDE:
        _try(report, "write", write(path))
    _try(report, "tmp", tmp_hog)
    # a daemon that leaves the process group; it must not outlive the run
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", TOKEN],
                     start_new_session=True)
    assert not report, "\\n".join(report)
'''


def _project(root: Path, attacks: str) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "cart.py").write_text(textwrap.dedent("""
        def cart_total(prices, tax_rate):
            subtotal = sum(prices)
            tax = subtotal * tax_rate
            return round(subtotl + tax, 2)
    """))
    (root / "tests" / "test_cart.py").write_text(textwrap.dedent("""
        from shop.cart import cart_total

        def test_total():
            assert cart_total([10.0, 5.0], 0.2) == 18.0
    """))
    (root / "tests" / "test_zz_attacks.py").write_text(attacks)
    return root


def _alive(token: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if token in line and "ps -eo" not in line]


def test_a_heal_contains_what_its_tests_attempt(tmp_path, token):
    home = tmp_path / "home"
    home.mkdir()
    # the user's own config: a small disk limit, so nine files are enough to hit it
    (home / "config.toml").write_text("[selfheal]\ndisk_limit_mb = 16\n")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    sock_dir = Path(tempfile.mkdtemp(prefix=".selfheal-sec-", dir=Path.home()))
    os.chmod(sock_dir, 0o755)
    unix = UnixListener(sock_dir / "h.sock")
    key = Path.home() / ".ssh" / f"id_{token}"
    key.parent.mkdir(mode=0o700, exist_ok=True)
    key.write_text(fake_private_key(token))
    root = tmp_path / "proj"
    outside = [str(root / "shop" / "cart.py"), str(Path.home() / token),
               str(home / token), f"/var/tmp/{token}"]
    env_name = "SELFHEAL_SEC_FAKE_API_TOKEN"
    attacks = ATTACKS.format(port=listener.getsockname()[1], unix=str(unix.path), key=str(key),
                             env_name=env_name, outside=outside, token=token)
    _project(root, attacks)
    try:
        proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", "--no-memory",
                        home=home, env={env_name: f"tok-{token}"})
        tcp_connections = 0
        try:
            while True:
                listener.accept()[0].close()
                tcp_connections += 1
        except OSError:
            pass
    finally:
        listener.close()
        unix.close()
        key.unlink()
        os.rmdir(sock_dir)
        survivors = _alive(token)
        for line in survivors:
            os.kill(int(line.split()[0]), 9)
        for path in outside[1:]:
            Path(path).unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["healthy"] is True
    assert any(a["source"] == "rule" for a in result["applied"]), result["applied"]
    assert "subtotal + tax" in (root / "shop" / "cart.py").read_text()
    assert tcp_connections == 0 and unix.connections == 0
    assert survivors == [], "a daemon started by a test outlived the heal"
    assert not any(Path(p).exists() for p in outside[1:])
    assert token not in proc.stdout


def test_secrets_a_test_prints_are_redacted_everywhere_they_are_kept(tmp_path, token):
    """Item 2, second half: a failure message carrying a key reaches the journal, the success
    pairs, the fix memory and --json only as [REDACTED]."""
    root = tmp_path / "proj"
    key_text = fake_private_key(token)
    body_line = key_text.splitlines()[1]
    _project(root, "")
    (root / "tests" / "test_zz_attacks.py").unlink()
    (root / "tests" / "fixture_key.pem").write_text(key_text)
    (root / "tests" / "test_cart.py").write_text(textwrap.dedent("""
        from pathlib import Path

        from shop.cart import cart_total

        KEY = (Path(__file__).parent / "fixture_key.pem").read_text()

        def test_total():
            try:
                total = cart_total([10.0, 5.0], 0.2)
            except NameError as exc:
                raise AssertionError(f"{exc} while signing with {KEY}") from None
            assert total == 18.0
    """))
    home = tmp_path / "home"
    scan = selfheal("scan", str(root), "--json", home=home)
    assert scan.returncode == 1, scan.stderr
    assert "[REDACTED]" in scan.stdout and body_line not in scan.stdout
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=home)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert json.loads(proc.stdout)["healthy"] is True
    assert body_line not in proc.stdout
    kept = [p for p in [*home.rglob("*"), *(root / ".selfheal").rglob("*")] if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in kept), [str(p) for p in kept]
    for path in kept:
        if "backups" in path.parts or path.suffix in (".lance", ".arrow", ".idx", ".manifest",
                                                      ".txn"):
            continue  # exact copies of project files / columnar data, read back below
        assert body_line.encode() not in path.read_bytes(), path
    listed = selfheal("memory", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert body_line not in listed.stdout
    assert "selfheal" in listed.stdout or listed.stdout.strip().startswith("[")
