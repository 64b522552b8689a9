"""Hub push, tested up to the network boundary: offline mode, and a loopback Hub that answers 401."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from redstar_data.errors import HubError
from redstar_data.export.run import export


def test_offline_push_fails_clearly_after_writing_everything(catalog, built, write_recipe, tmp_path):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set by tests/conftest.py
    rec = write_recipe("name: t\nsizes: 10\n")
    with pytest.raises(HubError) as e:
        export(catalog, rec, out_dir=tmp_path / "o", push="someone/redstar-test")
    assert "someone/redstar-test" in e.value.message and "offline" in e.value.message
    assert "HF_HUB_OFFLINE" in e.value.hint
    # the local export is complete and recorded (without a Hub repo)
    assert {p.name for p in (tmp_path / "o").iterdir()} == {"train.parquet", "README.md", "manifest.json"}
    assert catalog.scalar("SELECT count(*) FROM exports WHERE hub_repo IS NULL") == 1


class _Hub401(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str]] = []

    def _answer(self) -> None:
        type(self).seen.append((self.command, self.path, self.headers.get("Authorization", "")))
        body = json.dumps({"error": "Invalid credentials in Authorization header"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *a: object) -> None:
        pass


def test_push_against_loopback_hub_401_names_repo_and_fix(catalog, built, write_recipe, tmp_path):
    export(catalog, write_recipe("name: t\nsizes: 10\n"), out_dir=tmp_path / "o")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub401)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "TRANSFORMERS_OFFLINE"}
        env.update(
            HF_ENDPOINT=f"http://127.0.0.1:{server.server_port}",
            HF_TOKEN="hf_fake",
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HOME=str(tmp_path / "hf_home"),
        )
        code = (
            "from pathlib import Path\n"
            "from redstar_data.export.hub import push_export\n"
            "from redstar_data.errors import HubError\n"
            "try:\n"
            f"    push_export(Path({str(tmp_path / 'o')!r}), 'someone/redstar-test')\n"
            "except HubError as e:\n"
            "    print('MESSAGE', e.message)\n"
            "    print('HINT', e.hint)\n"
        )
        res = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        server.shutdown()
    assert "MESSAGE authentication failed for repo someone/redstar-test (HTTP 401)" in res.stdout, res.stderr
    assert "HINT set HF_TOKEN" in res.stdout
    assert "the export is complete locally" in res.stdout
    # the real client talked to our server with the token
    assert _Hub401.seen and all(auth == "Bearer hf_fake" for _, _, auth in _Hub401.seen)
