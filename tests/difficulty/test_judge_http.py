"""The judge through the real OpenAI-compatible backend, against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from redstar_data.difficulty.run import score

REPLIES = {"easy": '{"score": 2, "justification": "one step"}', "hard": "Score: 9/10", "odd": "no idea"}


class _JudgeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.bodies.append(body)
        prompt = body["messages"][-1]["content"]
        text = next(v for k, v in REPLIES.items() if f"{k} problem" in prompt)
        data = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def judge_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _JudgeHandler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def test_judge_over_openai_http(catalog, add, judge_server, monkeypatch):
    from redstar_data.generate.backends import get_backend

    monkeypatch.setenv("OPENAI_API_KEY", "test")
    ids = add(catalog, "train", ["easy problem: 2+2", "hard problem: IMO 6", "odd problem: ???"])
    be = get_backend("openai", model="judge-model", base_url=judge_server, concurrency=2)
    try:
        rep = score(catalog, method="judge", backend=be)
    finally:
        be.close()
    assert (rep.n_scored, rep.n_unparsed, rep.n_errors) == (2, 1, 0)
    got = dict(catalog.rows("SELECT problem_id, score FROM difficulty WHERE model = 'judge-model'"))
    assert got == {ids[0]: 2.0, ids[1]: 9.0, ids[2]: None}
    sent = _JudgeHandler.bodies[-1]
    assert sent["model"] == "judge-model" and sent["temperature"] == 0.0
    assert sent["messages"][0]["role"] == "system" and "scale from 1 to 10" in sent["messages"][1]["content"]


def test_judge_reply_budget_reaches_the_server(catalog, add, judge_server, monkeypatch):
    """A reasoning judge needs room to think: --max-tokens is what the server is asked for."""
    from redstar_data.errors import ConfigError
    from redstar_data.generate.backends import get_backend

    monkeypatch.setenv("OPENAI_API_KEY", "test")
    add(catalog, "train", ["easy problem: 3+3"])
    be = get_backend("openai", model="judge-model", base_url=judge_server, concurrency=1)
    try:
        with pytest.raises(ConfigError, match="at least 1"):
            score(catalog, method="judge", backend=be, judge_max_tokens=0)
        _JudgeHandler.bodies.clear()
        rep = score(catalog, method="judge", backend=be, judge_max_tokens=8192)
    finally:
        be.close()
    assert rep.n_scored == 1
    assert [b["max_tokens"] for b in _JudgeHandler.bodies] == [8192]
