"""Secrets never reach the catalog or the terminal: URL passwords, key-named query values, ``-x`` values under
secret-like keys, and the API key a real (loopback) server echoes back in its error body."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest
from generate.conftest import FakeChatServer

from redstar_data.catalog import Catalog
from redstar_data.redact import MASK, is_secret_name, redact, redact_text, redact_url

API_KEY = "sk-envSECRETkey0123456789abcdef"
URL_PW = "urlSECRETpw77"
QUERY_KEY = "qSECRETkey55"
EXTRA_KEY = "xSECRETval99"
SECRETS = (API_KEY, URL_PW, QUERY_KEY, EXTRA_KEY)


@pytest.fixture
def server():
    srv = FakeChatServer()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _catalog_text(path: Path) -> str:
    """Every value of every table, as text."""
    out = []
    with Catalog.open(path, read_only=True) as cat:
        for t in cat.tables():
            out.append(json.dumps(cat.arrow(f'SELECT * FROM "{t}"').to_pylist(), default=str))
    return "\n".join(out)


@pytest.mark.parametrize("how", ["userinfo", "query", "bearer"])
def test_generate_against_an_echoing_server_stores_and_prints_no_secret(
    tmp_path, server, run_cli, monkeypatch, how
):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    src = tmp_path / "p.jsonl"
    src.write_text(
        json.dumps({"problem": "What is 1+1? [echo]"}) + "\n" + json.dumps({"problem": "What is 2+2?"}) + "\n"
    )
    cat = tmp_path / "c.duckdb"
    assert run_cli(["ingest", src, "--catalog", cat]).code == 0
    # with a password in the URL httpx sends Basic auth from it; without, the Bearer key from the environment
    url = (
        server.base_url.replace("http://", f"http://alice:{URL_PW}@")
        if how == "userinfo"
        else server.base_url
    )
    url += f"?api_key={QUERY_KEY}" if how == "query" else ""  # the server answers 404 echoing the path
    res = run_cli(
        ["generate", "--backend", "openai", "--base-url", url, "--model", "m", "-n", "1",
         "-x", f"api_key={EXTRA_KEY}", "-x", "top_k=20", "--catalog", cat]
    )  # fmt: skip
    # the server did get the credentials (they are used), and echoed them back
    basic = base64.b64encode(f"alice:{URL_PW}".encode()).decode()
    want = f"Basic {basic}" if how == "userinfo" else f"Bearer {API_KEY}"
    assert server.auth and all(a == want for a in server.auth), server.auth
    printed = res.out + res.err
    said = "no route" if how == "query" else "invalid API key"
    assert said in printed, printed  # the failure is shown ...
    stored = _catalog_text(cat)
    assert said in stored and MASK in stored  # ... and stored, masked
    for s in (*SECRETS, basic):
        assert s not in printed, s
        assert s not in stored, s
    with Catalog.open(cat, read_only=True) as c:
        run = c.arrow("SELECT sampling_params::VARCHAR AS p, meta::VARCHAR AS m FROM runs").to_pylist()[0]
    assert json.loads(run["p"])["extra"] == {"api_key": MASK, "top_k": 20}
    if how != "bearer":
        assert (f"api_key={MASK}" if how == "query" else f"alice:{MASK}@127.0.0.1") in run["m"]


def test_a_secret_in_an_error_message_is_redacted_at_the_error_boundary(tmp_path, run_cli):
    bad = tmp_path / f"https:__u:{URL_PW}@host"  # a path that does not exist, holding a URL-ish secret
    res = run_cli(["ingest", f"https://bob:{URL_PW}@example.invalid/data.jsonl?token={QUERY_KEY}"])
    assert res.code == 1 and URL_PW not in res.err and QUERY_KEY not in res.err, res.err
    assert "bob:***@example.invalid" in res.err
    del bad


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (f"http://u:{URL_PW}@h:1/v1", URL_PW, "http://u:***@h:1/v1"),
        (f"http://h/v1?api_key={QUERY_KEY}&model=m", QUERY_KEY, "model=m"),
        (f"http://h/v1?access_token={QUERY_KEY}", QUERY_KEY, "access_token=***"),
        (f'{{"Authorization": "Bearer {API_KEY}", "Host": "h"}}', API_KEY, '"Host": "h"'),
        (f"'x-api-key': '{EXTRA_KEY}'", EXTRA_KEY, "x-api-key"),
        (f"authorization: Basic {EXTRA_KEY}", EXTRA_KEY, "authorization"),
        (f"token={EXTRA_KEY}&page=2", EXTRA_KEY, "page=2"),
        (f"password: {EXTRA_KEY}", EXTRA_KEY, "password"),
        (
            "hf_abcdefghijklmnopqrstuvwxyz012345 in the log",
            "hf_abcdefghijklmnopqrstuvwxyz012345",
            "in the log",
        ),
        ("max_tokens=100, n_tokens: 5, tokenizer: t", "\x00", "max_tokens=100, n_tokens: 5, tokenizer: t"),
    ],
)
def test_redact_text(text, gone, kept):
    out = redact_text(text)
    assert gone not in out and kept in out, out


def test_redact_structures_and_names():
    d = {"base_url": f"http://a:{URL_PW}@h/v1", "extra": {"api_key": EXTRA_KEY, "top_k": 20, "max_tokens": 5}}
    assert redact(d) == {
        "base_url": "http://a:***@h/v1",
        "extra": {"api_key": MASK, "top_k": 20, "max_tokens": 5},
    }
    assert all(
        is_secret_name(n) for n in ("api_key", "X-Api-Key", "HF_TOKEN", "client_secret", "Authorization")
    )
    assert not any(is_secret_name(n) for n in ("max_tokens", "prompt_tokens", "top_k", "model", "tokenizer"))
    assert redact_url("http://h:8000/v1") == "http://h:8000/v1"


def test_a_secret_from_the_environment_is_masked_wherever_it_appears(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "plainlooking-value-123")
    assert redact_text("the server said: plainlooking-value-123 is wrong") == "the server said: *** is wrong"
