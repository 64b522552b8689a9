"""Fixtures for the generate tests: problems in a catalog, a tiny local model, a fake chat-completions server."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from redstar_data.ids import problem_id


def add_problems(
    catalog,
    n: int,
    *,
    prefix: str = "What is",
    domain: str = "math",
    synthetic: bool = True,
    level: str | None = None,
) -> list[str]:
    """Insert ``n`` simple problems straight into ``problems``; returns their ids (sorted)."""
    texts = [f"{prefix} {i} + {i}?" for i in range(n)]
    metas = [
        json.dumps(
            {
                "synthetic": True,
                "family": "addition",
                "steps": [f"Add {i} and {i}.", f"{i} + {i} = {2 * i}."],
                "answer_value": 2 * i,
            }
        )
        if synthetic
        else None
        for i in range(n)
    ]
    ids = [problem_id(t) for t in texts]
    catalog.insert_new(
        "problems",
        pa.table(
            {
                "problem_id": ids,
                "source_id": ["test"] * n,
                "domain": [domain] * n,
                "problem": texts,
                "answer": [str(2 * i) for i in range(n)],
                "level": [level or str(1 + i % 5) for i in range(n)],
                "meta": pa.array(metas, pa.string()),
            }
        ),
        ["problem_id"],
    )
    return sorted(ids)


@pytest.fixture(scope="session")
def tiny_qwen2(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    from .tiny_model import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny_qwen2"))


class FakeChatServer(ThreadingHTTPServer):
    """A real HTTP server speaking /v1/chat/completions, with faults chosen by markers in the prompt.

    Markers in the last user message: ``[429xK]`` / ``[500xK]`` fail the first K attempts, ``[slow]`` sleeps
    ``slow_s``, ``[sleep=S]`` sleeps S seconds, ``[hang]`` sleeps ``hang_s`` on the first attempt,
    ``[bad]`` always answers 400, ``[echo]`` answers 401 echoing the request's path and headers, ``[len]``
    finishes with "length". ``reject_n`` answers 400 to n>1,
    ``cap_n`` returns one choice. ``log`` holds (prompt, start, end) per answered request, in
    ``time.perf_counter`` seconds, so tests can see what ran while something else was in flight.

    Synchronisation without sleeps: ``[gate]`` holds the answer until the test's ``gate`` predicate is true,
    ``[meet=K]`` until K requests are in flight at once. Both wait on the ``lock`` condition, which the
    server notifies on every request start and end; a test notifies it too (``notify()``) when its own
    state changes (a progress event). A wait that runs out (``wait_s``) is counted in ``timeouts``: the
    awaited state never came, so the test fails instead of hanging.
    """

    daemon_threads = True

    def __init__(
        self,
        *,
        reject_n: bool = False,
        cap_n: bool = False,
        slow_s: float = 0.15,
        hang_s: float = 1.5,
        retry_after: str = "0",
    ):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reject_n, self.cap_n, self.slow_s, self.hang_s = reject_n, cap_n, slow_s, hang_s
        self.retry_after = retry_after
        self.lock = threading.Condition()
        self.gate: Any = lambda: True  # [gate] answers wait until this returns True (called under lock)
        self.wait_s = 30.0
        self.timeouts: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict[str, Any]] = []
        self.auth: list[str | None] = []
        self.statuses: Counter[int] = Counter()
        self.log: list[tuple[str, float, float]] = []
        # per request: (MIME type, decoded bytes) of each image_url data-URL part, in order
        self.images: list[list[tuple[str, bytes]]] = []
        self.arrived = threading.Event()  # set when the first request is in flight (tests wait on it)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def notify(self) -> None:
        """Wake the held ``[gate]``/``[meet=K]`` answers to re-check their condition."""
        with self.lock:
            self.lock.notify_all()

    def hold(self, marker: str, ready: Any) -> None:
        """Block this answer until ``ready()`` (checked under lock); a run-out wait is counted."""
        with self.lock:
            if not self.lock.wait_for(ready, timeout=self.wait_s):
                self.timeouts[marker] += 1


def _split_content(content: Any) -> tuple[str, list[tuple[str, bytes]]]:
    """(text, images) of an OpenAI message content: a string, or parts (text / image_url data URLs, which
    are decoded here as a vision server would; anything else is a 400-worthy bug, so it raises)."""
    if isinstance(content, str):
        return content, []
    texts, images = [], []
    for part in content:
        if part["type"] == "text":
            texts.append(part["text"])
        elif part["type"] == "image_url":
            url = part["image_url"]["url"]
            head, data = url.split(",", 1)
            assert head.startswith("data:") and head.endswith(";base64"), head
            images.append((head[len("data:") : -len(";base64")], base64.b64decode(data, validate=True)))
        else:
            raise ValueError(f"unknown content part {part['type']!r}")
    return "".join(texts), images


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeChatServer

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, obj: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        with self.server.lock:
            self.server.statuses[status] += 1

    def do_POST(self) -> None:  # noqa: N802
        s = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with s.lock:
            s.in_flight += 1
            s.max_in_flight = max(s.max_in_flight, s.in_flight)
            s.bodies.append(body)
            s.auth.append(self.headers.get("Authorization"))
            prompt, images = _split_content(body["messages"][-1]["content"])
            s.images.append(images)
            s.attempts[prompt] += 1
            attempt = s.attempts[prompt]
            s.lock.notify_all()
        s.arrived.set()
        t0 = time.perf_counter()
        try:
            self._answer(body, prompt, attempt, images)
        finally:
            with s.lock:
                s.in_flight -= 1
                s.log.append((prompt, t0, time.perf_counter()))
                s.lock.notify_all()

    def _answer(
        self, body: dict[str, Any], prompt: str, attempt: int, images: list[tuple[str, bytes]] = ()
    ) -> None:
        s = self.server
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        for code in (429, 500):
            if f"[{code}x" in prompt:
                k = int(prompt.split(f"[{code}x", 1)[1].split("]", 1)[0])
                if attempt <= k:
                    return self._send(
                        code, {"error": {"message": f"injected {code}"}}, {"Retry-After": s.retry_after}
                    )
        if "[bad]" in prompt:
            return self._send(400, {"error": {"message": "context length exceeded"}})
        if "[echo]" in prompt:  # like servers that echo the request (headers included) in an error body
            echoed = {"path": self.path, "headers": dict(self.headers.items())}
            return self._send(401, {"error": {"message": "invalid API key", "request": echoed}})
        if "[hang]" in prompt and attempt == 1:
            time.sleep(s.hang_s)
        if "[slow]" in prompt:
            time.sleep(s.slow_s)
        if "[meet=" in prompt:
            k = int(prompt.split("[meet=", 1)[1].split("]", 1)[0])
            s.hold("meet", lambda: s.max_in_flight >= k)
        if "[gate]" in prompt:
            s.hold("gate", s.gate)
        if "[sleep=" in prompt:
            time.sleep(float(prompt.split("[sleep=", 1)[1].split("]", 1)[0]))
        n = int(body.get("n", 1))
        if s.reject_n and n > 1:
            return self._send(400, {"error": {"message": "n must be 1"}})
        k = 1 if s.cap_n else n
        seed = body.get("seed")
        reason = "length" if "[len]" in prompt else "stop"
        choices = [
            {
                "index": i,
                "message": {
                    "role": "assistant",
                    "content": f"seed={seed + i if seed is not None else None} "
                    + "".join(f"image={hashlib.sha256(b).hexdigest()[:12]} " for _, b in images)
                    + "so the answer is \\boxed{42}",
                },
                "finish_reason": reason,
            }
            for i in range(k)
        ]
        self._send(
            200,
            {
                "id": "x",
                "object": "chat.completion",
                "model": body["model"],
                "choices": choices,
                "usage": {"prompt_tokens": 11, "completion_tokens": 7 * k, "total_tokens": 11 + 7 * k},
            },
        )


@pytest.fixture
def chat_server(request):
    """A FakeChatServer on 127.0.0.1 (kwargs via ``@pytest.mark.parametrize('chat_server', [{...}], indirect=True)``)."""
    kwargs = getattr(request, "param", {}) or {}
    srv = FakeChatServer(**kwargs)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()
