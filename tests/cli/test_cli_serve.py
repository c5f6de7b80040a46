"""``selfheal serve`` with real processes: a fake ``vllm`` executable on PATH that speaks vLLM's
HTTP API on 127.0.0.1 (health, models, runtime LoRA load/unload), the real CLI in a subprocess,
real PEFT adapter directories on the tiny model."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

# vLLM's documented behaviour: /v1/models lists the base and the resident adapters (with
# parent); load answers 200 with a text body, 400 with a JSON error for a bad path or a name
# already loaded; unload answers 404 for an unknown name.
FAKE_VLLM = r'''#!{python}
import http.server, json, os, sys, time
argv = sys.argv[1:]
with open(os.environ["FAKE_VLLM_RECORD"], "w") as f:
    json.dump({{"argv": argv, "pid": os.getpid(),
               "lora_env": os.environ.get("VLLM_ALLOW_RUNTIME_LORA_UPDATING"),
               "offline": os.environ.get("HF_HUB_OFFLINE")}}, f)
mode = os.environ.get("FAKE_VLLM_MODE", "serve")
print("INFO loading model weights", flush=True)
if mode == "crash":
    print("ValueError: max_lora_rank (8) is smaller than the adapter's rank", flush=True)
    sys.exit(3)
if mode == "hang":
    time.sleep(120)
port = int(argv[argv.index("--port") + 1])
model = argv[1]
loras = {{}}

class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == "/health":
            return self.reply(200, "", "text/plain")
        if self.path == "/v1/models":
            cards = [{{"id": model, "object": "model", "parent": None, "root": model}}]
            cards += [{{"id": n, "object": "model", "parent": model, "root": p}}
                      for n, p in loras.items()]
            return self.reply(200, {{"object": "list", "data": cards}})
        self.reply(404, {{"detail": "Not Found"}})
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = body.get("lora_name")
        if self.path == "/v1/load_lora_adapter":
            path = body.get("lora_path", "")
            if name in loras:
                return self.reply(400, {{"error": {{"message": f"The lora adapter '{{name}}' has "
                                  "already been loaded.", "type": "InvalidUserInput", "code": 400}}}})
            if not os.path.isfile(os.path.join(path, "adapter_config.json")):
                return self.reply(400, {{"error": {{"message": f"No adapter found for {{path}}",
                                  "type": "BadRequestError", "code": 400}}}})
            loras[name] = path
            return self.reply(200, f"Success: LoRA adapter '{{name}}' added successfully.",
                              "text/plain")
        if self.path == "/v1/unload_lora_adapter":
            if loras.pop(name, None) is None:
                return self.reply(404, {{"error": {{"message": f"The lora adapter '{{name}}' "
                                  "cannot be found.", "type": "NotFoundError", "code": 404}}}})
            return self.reply(200, f"Success: LoRA adapter '{{name}}' removed successfully.",
                              "text/plain")
        self.reply(404, {{"detail": "Not Found"}})
    def log_message(self, *a):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """The tiny model and two LoRA adapters saved by PEFT on it (ranks 8 and 16)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from models.tiny import build_tiny_model

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    base = build_tiny_model(root / "tiny")
    for name, rank in (("a", 8), ("b", 16)):
        model = AutoModelForCausalLM.from_pretrained(base)
        lora = LoraConfig(r=rank, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                          task_type="CAUSAL_LM")  # fmt: skip
        get_peft_model(model, lora).save_pretrained(root / name)
    return root


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "vllm"
    exe.write_text(FAKE_VLLM.format(python=sys.executable))
    exe.chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_VLLM_RECORD": str(tmp_path / "record.json"),
            "SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}  # fmt: skip


@pytest.fixture
def registry(env, models_dir):
    """Two registered adapters in SELFHEAL_HOME: 'names' active, 'keys' deactivated."""
    from models.adapter_meta import AdapterMetadata
    from models.adapters import AdapterManager

    manager = AdapterManager(adapter_dir=Path(env["SELFHEAL_HOME"]) / "adapters")
    manager.register_adapter(models_dir / "a", AdapterMetadata("names", error_types=["NameError"]))
    manager.register_adapter(models_dir / "b", AdapterMetadata("keys", error_types=["KeyError"]))
    manager.deactivate_adapter("keys")
    return manager


def selfheal(env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "selfheal_local", *args], capture_output=True,
                          text=True, timeout=300, env=env, **kw)  # fmt: skip


def failure(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


class Foreground:
    """``selfheal serve`` running in the foreground, its stdout read line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "selfheal_local", "serve", *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env,
            # Ctrl-C as in a terminal, even when this run was started with SIGINT ignored
            # (a shell's background job): an ignored SIGINT is inherited
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in ln for ln in self.lines):
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.proc.kill()
                raise AssertionError(f"no {text!r} in {self.lines}: {self.proc.stderr.read()}")
            self.lines.append(line)

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.wait_for("vLLM stopped", timeout=10)
        return code


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_starts_vllm_loads_active_adapters_and_stops_cleanly(env, registry, models_dir,
                                                                   tmp_path, sig):  # fmt: skip
    port = free_port()
    model = models_dir / "tiny"
    serve = Foreground(env, "--model", str(model), "--port", str(port),
                       "--tensor-parallel-size", "2", "--pipeline-parallel-size", "2")  # fmt: skip
    try:
        serve.wait_for("Ctrl-C stops the server")
        record = json.loads((tmp_path / "record.json").read_text())
        assert record["argv"] == [
            "serve", str(model.resolve()), "--enable-lora", "--max-loras", "2",
            "--max-cpu-loras", "2", "--max-lora-rank", "16", "--port", str(port),
            "--host", "127.0.0.1", "--tensor-parallel-size", "2", "--pipeline-parallel-size", "2",
        ]  # fmt: skip
        assert (record["lora_env"], record["offline"]) == ("True", "1")
        cards = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10).json()["data"]
        names = registry.get_adapter("names")
        resident = {c["id"]: c["root"] for c in cards if c["parent"] == str(model.resolve())}
        assert resident == {names.served_name: names.path}  # the deactivated one is not loaded
        text = "\n".join(serve.lines)
        assert f"vLLM ready at http://127.0.0.1:{port}" in text
        assert f"selfheal heal PATH --model http://127.0.0.1:{port}" in text
        assert f"adapter names resident as {names.served_name}" in text
        assert (Path(env["SELFHEAL_HOME"]) / "vllm" / f"server-{port}.log").is_file()
    finally:
        code = serve.stop(sig)
    assert code == 0
    assert not port_open(port)  # the server went with it
    with pytest.raises(ProcessLookupError):
        os.kill(record["pid"], 0)


def test_vllm_not_installed(env, models_dir):
    env = {**env, "PATH": "/nonexistent"}
    line = failure(selfheal(env, "serve", "--model", str(models_dir / "tiny"),
                            "--port", str(free_port())))  # fmt: skip
    assert "vLLM is not installed" in line and "--vllm-bin" in line and "--engine hf" in line


def test_port_busy(env, models_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = failure(selfheal(env, "serve", "--model", str(models_dir / "tiny"),
                                "--port", str(port)))  # fmt: skip
    assert f"port {port} on 127.0.0.1 is already in use" in line and "--attach" in line


def test_health_timeout_stops_the_server(env, models_dir, tmp_path):
    env = {**env, "FAKE_VLLM_MODE": "hang"}
    proc = selfheal(env, "serve", "--model", str(models_dir / "tiny"), "--port",
                    str(free_port()), "--health-timeout", "2")  # fmt: skip
    line = failure(proc)
    assert "did not answer /health within 2s" in line and "server-" in line
    pid = json.loads((tmp_path / "record.json").read_text())["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_crashing_server_names_its_last_log_line(env, models_dir):
    env = {**env, "FAKE_VLLM_MODE": "crash"}
    line = failure(selfheal(env, "serve", "--model", str(models_dir / "tiny"),
                            "--port", str(free_port())))  # fmt: skip
    assert "vLLM exited with code 3" in line
    assert line.endswith("(last line: ValueError: max_lora_rank (8) is smaller than the "
                         "adapter's rank)")  # fmt: skip


def test_bad_input(env, tmp_path, registry, models_dir):
    line = failure(selfheal(env, "serve", "--model", str(tmp_path / "nowhere")))
    assert "has no config.json" in line and "--model DIR" in line
    line = failure(selfheal(env, "serve"))
    assert "no model" in line
    line = failure(selfheal(env, "serve", "--model", str(models_dir / "tiny"),
                            "--max-lora-rank", "8", "--port", str(free_port())))  # fmt: skip
    assert "below the rank of keys" in line
    assert "must be at least 1" in failure(selfheal(env, "serve", "--tensor-parallel-size", "0"))


@pytest.fixture
def running_server(env, tmp_path, models_dir):
    """The fake server started directly, as if someone ran vllm serve themselves."""
    port = free_port()
    proc = subprocess.Popen([str(tmp_path / "bin" / "vllm"), str(models_dir / "tiny"), "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not port_open(port):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_attach_lists_resident_adapters(env, registry, running_server, models_dir):
    names = registry.get_adapter("names")
    httpx.post(f"{running_server}/v1/load_lora_adapter", timeout=10,
               json={"lora_name": "someone-elses", "lora_path": str(models_dir / "b")})
    proc = selfheal(env, "serve", "--attach", running_server + "/v1")
    assert proc.returncode == 0, proc.stderr
    assert f"vLLM at {running_server} is healthy" in proc.stdout
    assert "someone-elses  (not in this registry)" in proc.stdout
    assert "active but not resident: names" in proc.stdout
    httpx.post(f"{running_server}/v1/load_lora_adapter", timeout=10,
               json={"lora_name": names.served_name, "lora_path": names.path})
    proc = selfheal(env, "serve", "--attach", running_server)
    assert f"{names.served_name}  (registered as names)" in proc.stdout
    assert "not resident" not in proc.stdout
    line = failure(selfheal(env, "serve", "--attach", f"http://127.0.0.1:{free_port()}"))
    assert "no healthy vLLM server at" in line


def test_adapters_activate_hot_loads_into_the_configured_server(env, registry, running_server):
    home = Path(env["SELFHEAL_HOME"])
    (home / "config.toml").write_text(f'[selfheal]\nmodel = "{running_server}"\n')
    keys = registry.get_adapter("keys")

    def resident() -> set[str]:
        cards = httpx.get(f"{running_server}/v1/models", timeout=10).json()["data"]
        return {c["id"] for c in cards if c["parent"]}

    proc = selfheal(env, "adapters", "activate", "keys")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"activated keys and resident in {running_server}\n"
    assert resident() == {keys.served_name}
    assert selfheal(env, "adapters", "deactivate", "keys").returncode == 0
    assert resident() == set()


@pytest.mark.slow
def test_serve_hf_loads_the_active_adapters_and_reports(env, registry, models_dir):
    proc = selfheal(env, "serve", "--engine", "hf", "--model", str(models_dir / "tiny"))
    assert proc.returncode == 0, proc.stderr
    names = registry.get_adapter("names")
    assert f"embedded engine: {(models_dir / 'tiny').resolve()} on cpu" in proc.stdout
    assert f"1 adapter(s) resident: {names.served_name}" in proc.stdout
    assert "keys" not in proc.stdout  # deactivated: not loaded


def test_doctor_reports_the_servers_resident_adapters(env, registry, running_server):
    names = registry.get_adapter("names")

    def resident_check() -> dict:
        proc = selfheal(env, "doctor", "--json", "--model", running_server)
        checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
        assert checks["engine"]["ok"] is True, checks["engine"]
        return checks["resident"]

    before = resident_check()
    assert before["ok"] is None and "0 resident: none" in before["detail"]
    assert "active but not resident: names" in before["detail"]
    httpx.post(f"{running_server}/v1/load_lora_adapter", timeout=10,
               json={"lora_name": names.served_name, "lora_path": names.path})
    after = resident_check()
    assert after == {**after, "ok": True, "detail": f"1 resident: {names.served_name}"}


def test_doctor_lists_the_adapters_the_embedded_engine_loads(env, registry, models_dir):
    proc = selfheal(env, "doctor", "--json", "--model", str(models_dir / "tiny"))
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["resident"]["detail"].endswith("loads the active adapters per heal: names")
