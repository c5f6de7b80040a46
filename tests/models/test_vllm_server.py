"""The vLLM launcher with real processes: a fake ``vllm`` executable on PATH, real sockets."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys

import httpx
import pytest

from models.errors import ServerStartError, ServerUnavailable
from models.vllm_client import VLLMEngine
from models.vllm_server import ServeConfig, attach, build_command, build_env, start_server

# A stand-in for `vllm serve`: records its argv and env, then behaves per FAKE_VLLM_MODE.
FAKE_VLLM = """#!{python}
import http.server, json, os, sys, time
argv = sys.argv[1:]
with open(os.environ["FAKE_VLLM_RECORD"], "w") as f:
    json.dump({{"argv": argv, "lora_env": os.environ.get("VLLM_ALLOW_RUNTIME_LORA_UPDATING"),
               "offline": os.environ.get("HF_HUB_OFFLINE")}}, f)
mode = os.environ.get("FAKE_VLLM_MODE", "serve")
print("INFO loading model weights", flush=True)
if mode == "crash":
    print("ValueError: max_lora_rank (16) is smaller than the adapter's rank", flush=True)
    sys.exit(3)
if mode == "hang":
    time.sleep(60)
port = int(argv[argv.index("--port") + 1])
model = argv[1]

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"" if self.path == "/health" else json.dumps(
            {{"data": [{{"id": model, "parent": None}}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_vllm(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "vllm"
    exe.write_text(FAKE_VLLM.format(python=sys.executable))
    exe.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["FAKE_VLLM_RECORD"] = str(tmp_path / "record.json")
    return env, tmp_path / "record.json"


def test_command_line_is_exact():
    config = ServeConfig(
        model="/models/llama",
        port=8011,
        max_loras=3,
        max_lora_rank=20,
        tensor_parallel_size=2,
        pipeline_parallel_size=2,
        extra_args=("--gpu-memory-utilization", "0.85"),
    )
    assert build_command(config) == [
        "vllm", "serve", "/models/llama", "--enable-lora",
        "--max-loras", "3", "--max-cpu-loras", "3", "--max-lora-rank", "32",
        "--port", "8011", "--host", "127.0.0.1",
        "--tensor-parallel-size", "2", "--pipeline-parallel-size", "2",
        "--gpu-memory-utilization", "0.85",
    ]  # fmt: skip
    assert build_command(ServeConfig(model="m", max_loras=0, max_lora_rank=8))[3:10] == [
        "--enable-lora", "--max-loras", "1", "--max-cpu-loras", "1", "--max-lora-rank", "8",
    ]  # fmt: skip
    # GPU slots for concurrent requests; every registered adapter cached on the CPU
    many = build_command(ServeConfig(model="m", max_loras=2, max_cpu_loras=7, max_lora_rank=300))
    assert many[3:10] == [
        "--enable-lora", "--max-loras", "2", "--max-cpu-loras", "7", "--max-lora-rank", "320",
    ]  # fmt: skip
    env = build_env({"PATH": "/bin"})
    assert env == {
        "PATH": "/bin",
        "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def test_starts_waits_for_health_and_stops(fake_vllm, tmp_path):
    env, record = fake_vllm
    config = ServeConfig(model="/models/tiny", port=free_port(), max_loras=2, max_lora_rank=8)
    server = start_server(
        config, log_path=tmp_path / "vllm.log", health_timeout_s=30, poll_s=0.1, env=env
    )
    try:
        seen = json.loads(record.read_text())
        assert seen["argv"] == build_command(config)[1:]
        assert seen["lora_env"] == "True" and seen["offline"] == "1"
        assert attach(server.url + "/v1") == server.url
        assert VLLMEngine(server.url, timeout=5).health()["model"] == "/models/tiny"
    finally:
        server.stop()
    assert not server.running()
    with pytest.raises(ServerUnavailable):
        attach(server.url, timeout_s=0.5)


def test_vllm_not_installed(tmp_path):
    env = {"PATH": str(tmp_path)}
    with pytest.raises(ServerStartError, match="vLLM is not installed.*--engine hf"):
        start_server(ServeConfig(model="m", port=free_port()), log_path=tmp_path / "l", env=env)


def test_port_busy(fake_vllm, tmp_path):
    env, _ = fake_vllm
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServerStartError, match=f"port {port} .* already in use"):
            start_server(ServeConfig(model="m", port=port), log_path=tmp_path / "l", env=env)


def test_health_timeout_kills_it_and_shows_the_log(fake_vllm, tmp_path):
    env, _ = fake_vllm
    env["FAKE_VLLM_MODE"] = "hang"
    config = ServeConfig(model="m", port=free_port())
    with pytest.raises(ServerStartError, match="within 1s") as info:
        start_server(config, log_path=tmp_path / "l.log", health_timeout_s=1, poll_s=0.1, env=env)
    assert "loading model weights" in str(info.value)


def test_crash_at_start_reports_exit_code_and_log(fake_vllm, tmp_path):
    env, _ = fake_vllm
    env["FAKE_VLLM_MODE"] = "crash"
    config = ServeConfig(model="m", port=free_port())
    with pytest.raises(ServerStartError, match="exited with code 3") as info:
        start_server(config, log_path=tmp_path / "l.log", health_timeout_s=30, poll_s=0.1, env=env)
    assert "max_lora_rank" in str(info.value)


@pytest.mark.vllm
@pytest.mark.gpu
def test_real_vllm_serves_adapters_per_request(tmp_path):
    vllm_bin = os.environ.get("SELFHEAL_VLLM_BIN") or shutil.which("vllm")
    if not vllm_bin:
        pytest.skip("vLLM is not installed (set SELFHEAL_VLLM_BIN to its own environment's vllm)")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    from quick_lora import fit_lora

    from models.tiny import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny", hidden_size=256, intermediate_size=512)
    prompt = [{"role": "user", "content": "fix the bug"}]
    answer = "def total(items):\n    return sum(items)"
    adapter = fit_lora(model, [[*prompt, {"role": "assistant", "content": answer}]], tmp_path / "a")
    config = ServeConfig(model=str(model), port=free_port(), executable=vllm_bin, max_lora_rank=8)
    with start_server(config, log_path=tmp_path / "vllm.log", health_timeout_s=600) as server:
        engine = VLLMEngine(server.url, timeout=120)
        base = engine.complete(prompt, max_tokens=24)
        engine.load_adapter("total-v1", str(adapter))
        assert engine.adapters() == ["total-v1"]
        assert engine.complete(prompt, adapter="total-v1", max_tokens=24) == [answer]
        assert engine.complete(prompt, max_tokens=24) == base


def test_httpx_is_the_transport():
    # attach uses the injectable transport like the client
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    assert attach("http://h:1/", transport=transport) == "http://h:1"
