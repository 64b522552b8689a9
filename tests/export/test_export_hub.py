"""Hub push, tested up to the network boundary: offline mode, a loopback Hub that answers 401, and a
loopback Hub that accepts the upload (the real ``huggingface_hub`` client speaking HTTP to 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from redstar_data.catalog import Catalog
from redstar_data.errors import HubError, RecipeError
from redstar_data.export.hub import push_export
from redstar_data.export.run import export

ROOT = Path(__file__).resolve().parents[2]


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


def _hub_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    """The child's environment: our endpoint and a dummy token, nothing from the caller's HF setup.

    A child process, because ``huggingface_hub`` reads HF_ENDPOINT and HF_HUB_OFFLINE once, at import.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "TRANSFORMERS_OFFLINE"}
    env.update(
        HF_ENDPOINT=endpoint,
        HF_TOKEN="hf_fake",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HOME=str(tmp_path / "hf_home"),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def test_push_against_loopback_hub_401_names_repo_and_fix(catalog, built, write_recipe, tmp_path):
    export(catalog, write_recipe("name: t\nsizes: 10\n"), out_dir=tmp_path / "o")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub401)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
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
            env=_hub_env(tmp_path, f"http://127.0.0.1:{server.server_port}"),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert "MESSAGE authentication failed for repo someone/redstar-test (HTTP 401)" in res.stdout, res.stderr
    assert "HINT set HF_TOKEN" in res.stdout
    assert "the export is complete locally" in res.stdout
    # the real client talked to our server with the token
    assert _Hub401.seen and all(auth == "Bearer hf_fake" for _, _, auth in _Hub401.seen)


# -- a loopback Hub that accepts uploads ---------------------------------------------------------------

USER = "me"  # the namespace our Hub gives a bare repo NAME, like the real Hub gives the token's user
GITATTRIBUTES = {".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"}  # a new repo's file
REPO = r"(?P<repo>[^/]+/[^/]+)"


def _git_oid(data: bytes) -> str:
    """The git blob sha1, the oid the Hub reports for a regular file (the client skips unchanged ones)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Hub(ThreadingHTTPServer):
    """Just enough of the Hub's HTTP API for ``HfApi.create_repo`` + ``upload_folder``; stores what it gets.

    Every file is declared "regular" at preupload, so contents arrive base64-inline in the NDJSON commit
    (no LFS / Xet storage to fake). Anything else the client asks for is answered 404 and recorded.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.lock = threading.Lock()
        self.repos: dict[str, dict[str, bytes]] = {}
        self.created: list[dict[str, Any]] = []
        self.commits: list[dict[str, Any]] = []
        self.auth: set[str] = set()
        self.unknown: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _HubHandler(BaseHTTPRequestHandler):
    server: _Hub
    timeout = 10  # socket timeout: a client that stalls mid-request cannot pin a handler thread

    def log_message(self, *a: object) -> None:
        pass

    def _send(self, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 404:
            self.send_header("X-Error-Code", "RepoNotFound")
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))  # bounded by Content-Length

    def _route(self) -> tuple[str, re.Match[str] | None]:
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.auth.add(self.headers.get("Authorization", ""))
        for name, pattern in (
            ("tree", rf"/api/datasets/{REPO}/tree/main"),
            ("preupload", rf"/api/datasets/{REPO}/preupload/main"),
            ("commit", rf"/api/datasets/{REPO}/commit/main"),
        ):
            if m := re.fullmatch(pattern, path):
                return name, m
        return path, None

    def _unknown(self) -> None:
        with self.server.lock:
            self.server.unknown.append(f"{self.command} {self.path}")
        self._send(404, {"error": f"not implemented by the loopback Hub: {self.command} {self.path}"})

    def do_GET(self) -> None:
        route, m = self._route()
        hub = self.server
        if route == "tree" and m and m["repo"] in hub.repos:
            with hub.lock:
                files = dict(hub.repos[m["repo"]])
            entries = [
                {"type": "file", "path": p, "oid": _git_oid(b), "size": len(b)} for p, b in files.items()
            ]
            self._send(200, sorted(entries, key=lambda e: e["path"]))
        else:
            self._unknown()

    def do_POST(self) -> None:
        body = self._body()
        route, m = self._route()
        hub = self.server
        if route == "/api/repos/create":
            req = json.loads(body)
            repo = f"{req.get('organization') or USER}/{req['name']}"
            url = f"{hub.url}/datasets/{repo}"
            with hub.lock:
                hub.created.append(req)
                exists = repo in hub.repos
                hub.repos.setdefault(repo, dict(GITATTRIBUTES))
            if exists:
                self._send(409, {"error": "You already created this dataset repo", "url": url})
            else:
                self._send(200, {"url": url, "name": repo})
        elif route == "/api/validate-yaml":
            try:  # like the Hub: a card whose YAML header does not parse is refused
                yaml.safe_load(json.loads(body)["content"].split("---")[1])
            except (IndexError, yaml.YAMLError) as e:
                self._send(400, {"errors": [{"message": str(e)}], "warnings": []})
            else:
                self._send(200, {"errors": [], "warnings": []})
        elif m is None or m["repo"] not in hub.repos:
            self._unknown()
        elif route == "preupload":
            with hub.lock:
                have = dict(hub.repos[m["repo"]])
            files = [
                {
                    "path": f["path"],
                    "uploadMode": "regular",  # the server decides: contents come inline in the commit
                    "shouldIgnore": False,
                    "oid": _git_oid(have[f["path"]]) if f["path"] in have else None,
                }
                for f in json.loads(body)["files"]
            ]
            self._send(200, {"files": files})
        elif route == "commit":
            self._commit(m["repo"], body)
        else:
            self._unknown()

    def _commit(self, repo: str, body: bytes) -> None:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header, ops = lines[0], lines[1:]
        if (
            self.headers.get("Content-Type") != "application/x-ndjson"
            or header["key"] != "header"
            or any(op["key"] not in ("file", "deletedFile") for op in ops)
        ):
            self._send(400, {"error": "expected a header, then regular files and deletions"})
            return
        added = {
            op["value"]["path"]: base64.b64decode(op["value"]["content"])
            for op in ops
            if op["key"] == "file" and op["value"]["encoding"] == "base64"
        }
        deleted = [op["value"]["path"] for op in ops if op["key"] == "deletedFile"]
        oid = hashlib.sha1(body).hexdigest()
        with self.server.lock:
            files = self.server.repos[repo]
            if missing := [p for p in deleted if p not in files]:
                self._send(404, {"error": f"A file with this name doesn't exist: {missing}"})
                return
            for p in deleted:
                del files[p]
            files.update(added)
            self.server.commits.append(
                {
                    "repo": repo,
                    "summary": header["value"]["summary"],
                    "added": sorted(added),
                    "deleted": deleted,
                }
            )
        self._send(200, {"commitUrl": f"{self.server.url}/datasets/{repo}/commit/{oid}", "commitOid": oid})


@pytest.fixture
def hub() -> Iterator[_Hub]:
    """The loopback Hub, serving on its own thread for one test, then shut down and its socket closed."""
    server = _Hub()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


PUSH_SCRIPT = """
import json, sys
from redstar_data.catalog import Catalog
from redstar_data.errors import RedstarError
from redstar_data.export.run import export

catalog_path, jobs = sys.argv[1], json.loads(sys.argv[2])
with Catalog.open(catalog_path) as cat:
    for recipe, out, push in jobs:
        try:
            rep = export(cat, recipe, out_dir=out, push=push)
            print(json.dumps({"hub_repo": rep.hub_repo, "hub_url": rep.hub_url, "export_id": rep.export_id}))
        except RedstarError as e:
            print(json.dumps({"error": e.message, "hint": e.hint}))
"""


def _export_and_push(
    catalog: Catalog, hub: _Hub, tmp_path: Path, jobs: list[tuple[Path, Path, str]]
) -> list[dict[str, Any]]:
    """Run ``export(..., push=...)`` for each job in a child process against ``hub``; one report each.

    The test's catalog is closed first (DuckDB lets one process write a file) and reopened by the child.
    """
    catalog.close()
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            PUSH_SCRIPT,
            str(catalog.path),
            json.dumps([[str(a) for a in j] for j in jobs]),
        ],
        env=_hub_env(tmp_path, hub.url),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    reports = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == len(jobs), res.stdout + res.stderr
    return reports


def _local_files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _card_paths(readme: bytes) -> set[str]:
    header = yaml.safe_load(readme.decode().split("---")[1])
    return {f["path"] for c in header["configs"] for f in c["data_files"]}


def _hub_repo_column(catalog_path: Path) -> dict[str, str | None]:
    with Catalog.open(catalog_path, read_only=True) as cat:
        return dict(cat.rows("SELECT export_id, hub_repo FROM exports"))


LADDER = """name: t
sizes: [10, 30]
split: {validation: 0.2}
output: {formats: [parquet, jsonl]}
"""


def test_push_to_loopback_hub_uploads_every_file_byte_identical(
    catalog, built, write_recipe, tmp_path, catalog_path, hub
):
    rec = write_recipe(LADDER)
    [rep] = _export_and_push(catalog, hub, tmp_path, [(rec, tmp_path / "o", "someone/redstar-test")])
    assert "error" not in rep, rep
    local = _local_files(tmp_path / "o")
    data = {f"{size}/{split}.parquet" for size in (10, 30) for split in ("train", "validation")}
    # exactly the parquet files, the card and the manifest went up (jsonl is a local extra), byte for byte
    want = {p: b for p, b in local.items() if p in data | {"README.md", "manifest.json"}}
    assert set(want) == data | {"README.md", "manifest.json"}
    assert hub.repos["someone/redstar-test"] == GITATTRIBUTES | want
    # one private dataset repo, one commit to the requested repo, every call with the token
    keys = ("name", "organization", "type", "visibility")
    assert [{k: c.get(k) for k in keys} for c in hub.created] == [
        {"name": "redstar-test", "organization": "someone", "type": "dataset", "visibility": "private"}
    ]
    assert [(c["repo"], c["summary"], c["added"], c["deleted"]) for c in hub.commits] == [
        ("someone/redstar-test", "redstar export o", sorted(want), [])
    ]
    assert hub.auth == {"Bearer hf_fake"} and hub.unknown == []
    assert rep["hub_repo"] == "someone/redstar-test"
    assert rep["hub_url"].startswith(f"{hub.url}/datasets/someone/redstar-test/commit/")
    # the card's configs name files that are on the Hub; the catalog records the push
    assert _card_paths(want["README.md"]) == data
    assert _hub_repo_column(catalog_path) == {rep["export_id"]: "someone/redstar-test"}


def test_repush_deletes_stale_data_files_and_bare_name_gets_the_users_namespace(
    catalog, built, write_recipe, tmp_path, catalog_path, hub
):
    ladder, single = write_recipe(LADDER, "ladder.yaml"), write_recipe("name: t\nsizes: 12\n", "single.yaml")
    reports = _export_and_push(
        catalog,
        hub,
        tmp_path,
        [(ladder, tmp_path / "a", "redstar-test"), (single, tmp_path / "b", "redstar-test")],
    )
    # a bare NAME is created under the user, and both commits go there (not to a repo "redstar-test")
    assert [r.get("hub_repo") for r in reports] == ["me/redstar-test", "me/redstar-test"], reports
    assert [c["repo"] for c in hub.commits] == ["me/redstar-test", "me/redstar-test"]
    assert hub.unknown == []
    # after the second push the Hub holds exactly the second export: the ladder's sizes are gone
    local = _local_files(tmp_path / "b")
    assert hub.repos["me/redstar-test"] == GITATTRIBUTES | local
    assert sorted(hub.commits[1]["deleted"]) == sorted(
        f"{size}/{split}.parquet" for size in (10, 30) for split in ("train", "validation")
    )
    assert _hub_repo_column(catalog_path) == {r["export_id"]: "me/redstar-test" for r in reports}


def test_jsonl_only_export_pushes_the_jsonl_its_card_names(
    catalog, built, write_recipe, tmp_path, catalog_path, hub
):
    import datasets

    rec = write_recipe("name: t\nsizes: 20\nsplit: {validation: 0.25}\noutput: {formats: [jsonl]}\n")
    [rep] = _export_and_push(catalog, hub, tmp_path, [(rec, tmp_path / "o", "someone/jsonl")])
    assert "error" not in rep, rep
    local = _local_files(tmp_path / "o")
    assert set(local) == {"train.jsonl", "validation.jsonl", "README.md", "manifest.json"}
    repo = hub.repos["someone/jsonl"]
    assert repo == GITATTRIBUTES | local
    assert _card_paths(repo["README.md"]) == {"train.jsonl", "validation.jsonl"}
    manifest = json.loads(repo["manifest.json"])
    assert manifest["rungs"][0]["sha256"] == {
        s: hashlib.sha256(local[f"{s}.jsonl"]).hexdigest() for s in ("train", "validation")
    }
    # the Hub copy loads through its card's configs, with every row
    copy = tmp_path / "hub_copy"
    for p, b in repo.items():
        (copy / p).parent.mkdir(parents=True, exist_ok=True)
        (copy / p).write_bytes(b)
    ds = datasets.load_dataset(str(copy), cache_dir=str(tmp_path / "hf_cache"))
    assert {s: len(ds[s]) for s in ds} == manifest["rungs"][0]["splits"]
    assert sum(manifest["rungs"][0]["splits"].values()) == 20
    assert _hub_repo_column(catalog_path) == {rep["export_id"]: "someone/jsonl"}


def test_push_of_export_without_hub_loadable_files_is_refused(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: t\nsizes: 10\noutput: {formats: [hf_disk]}\n")
    # refused before any work: nothing written, nothing recorded
    with pytest.raises(RecipeError) as e:
        export(catalog, rec, out_dir=tmp_path / "o", push="someone/redstar-test")
    assert e.value.key == "output.formats" and "someone/redstar-test" in e.value.message
    assert "add parquet to output.formats" in e.value.hint
    assert not (tmp_path / "o").exists() and catalog.scalar("SELECT count(*) FROM exports") == 0
    # a local save_to_disk export is fine; pushing that folder later fails before any network call
    export(catalog, rec, out_dir=tmp_path / "o")
    # its card names no data files rather than a config that points at nothing
    card = (tmp_path / "o" / "README.md").read_text()
    assert "configs:" not in card.split("---")[1] and "data_files" not in card
    with pytest.raises(HubError) as h:
        push_export(tmp_path / "o", "someone/redstar-test")
    assert "no data file the Hub can load" in h.value.message and "add parquet" in h.value.hint
