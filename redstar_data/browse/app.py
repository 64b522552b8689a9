"""`redstar browse`: a local, read-only web viewer on the catalog (Starlette routes served by uvicorn).

Safety, in layers: the catalog is opened read-only (DuckDB refuses every write) and only fixed,
parameterised SELECTs run; routes are GET only; all catalog text is escaped (``pages.esc``) and a
Content-Security-Policy lets only the page's own nonce-tagged script run, so a trace holding ``<script>``
shows as text; the server binds loopback unless told otherwise, and answers only to loopback Host names
(no DNS rebinding) unless remote access was allowed.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from pathlib import Path
from typing import Any

from redstar_data.browse import pages, queries
from redstar_data.catalog import Catalog
from redstar_data.deps import require
from redstar_data.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); False for names and others."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool) -> None:
    """Refuse a non-loopback bind unless ``allow_remote``: the viewer serves the whole catalog, unauthenticated."""
    if not allow_remote and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve the catalog on {host!r}: not a loopback address",
            key="--host",
            hint="anyone who can reach that address could read the whole catalog; keep the default "
            "127.0.0.1 (use an SSH tunnel), or pass --allow-remote if you mean it",
        )


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        return default


def create_app(catalog_path: str | os.PathLike[str] | None, *, allow_remote: bool = False) -> Any:
    """The ASGI app over one catalog file, opened read-only for the app's lifetime."""
    require("redstar browse", "view", "starlette")
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    cat = Catalog.open(catalog_path, read_only=True)
    queries.prepare(cat)

    def respond(title: str, body: str, *, script: str = "") -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        resp = HTMLResponse(pages.page(title, body, nonce=nonce, script=script))
        resp.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
            "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'"
        )
        return resp

    async def search(request: Request) -> HTMLResponse:
        q = request.query_params.get("q", "").strip()
        source = request.query_params.get("source", "")
        page_no = _int(request.query_params.get("page"))
        hits, more = queries.search(cat, q, source, page_no)
        return respond("problems", pages.search_page(q, source, page_no, hits, more, queries.sources(cat)))

    async def problem(request: Request) -> HTMLResponse:
        pid = request.path_params["pid"]
        p = queries.problem(cat, pid)
        if p is None:
            raise HTTPException(404, f"no problem {pid}")
        d = {
            "problem": p,
            "memberships": queries.memberships(cat, pid),
            "difficulty": queries.difficulty(cat, pid),
            "duplicates": queries.duplicates(cat, pid),
            "contamination": queries.contamination(cat, pid),
            "traces": queries.traces(cat, pid),
        }
        d["stats"] = queries.stats(cat, d["traces"])
        return respond(f"problem {pid[:12]}", pages.problem_page(d), script=pages.EXPAND_JS)

    async def trace(request: Request) -> HTMLResponse:
        t = queries.trace_text(cat, request.path_params["tid"], request.query_params.get("p"))
        if t is None:
            raise HTTPException(404, "no such trace")
        resp = HTMLResponse(pages.trace_fragment(t))
        resp.headers["Content-Security-Policy"] = "default-src 'none'"
        return resp

    async def exports(request: Request) -> HTMLResponse:
        return respond("exports", pages.exports_page(queries.exports(cat)))

    def _export(eid: str) -> dict[str, Any]:
        row = queries.export(cat, eid)
        if row is None:
            raise HTTPException(404, f"no export {eid}")
        return row

    async def export(request: Request) -> HTMLResponse:
        row = _export(request.path_params["eid"])
        return respond(f"export {row['name']}", pages.export_page(row, list(queries.export_files(row))))

    async def export_rows(request: Request) -> HTMLResponse:
        row = _export(request.path_params["eid"])
        rung = request.query_params.get("rung", "default")
        split = request.query_params.get("split", "train")
        file = queries.export_files(row).get((rung, split))
        if file is None:
            raise HTTPException(
                404, f"export {row['export_id']} has no file for rung {rung!r}, split {split!r}"
            )
        page_no = _int(request.query_params.get("page"))
        rows, total = queries.export_rows(cat, file, page_no)
        return respond(f"{row['name']} rows", pages.export_rows_page(row, rung, split, rows, page_no, total))

    @asynccontextmanager
    async def lifespan(app: Any):  # type: ignore[no-untyped-def]
        yield
        cat.close()

    middleware = [] if allow_remote else [Middleware(TrustedHostMiddleware, allowed_hosts=LOCAL_HOSTS)]
    app = Starlette(
        routes=[
            Route("/", search),
            Route("/problem/{pid}", problem),
            Route("/trace/{tid}", trace),
            Route("/exports", exports),
            Route("/export/{eid}", export),
            Route("/export/{eid}/rows", export_rows),
        ],
        middleware=[*middleware, Middleware(ServerTiming)],
        lifespan=lifespan,
    )
    app.state.catalog = cat
    return app


class ServerTiming:
    """ASGI middleware: a ``Server-Timing: app;dur=MS`` header on every response (the benchmark reads it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()

        async def timed_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - t0) * 1000
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"server-timing", f"app;dur={ms:.1f}".encode())]
            await send(message)

        await self.app(scope, receive, timed_send)


def serve(
    catalog_path: str | os.PathLike[str] | None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_remote: bool = False,
) -> None:
    """Serve the viewer until interrupted (blocking)."""
    check_bind(host, allow_remote)
    (uvicorn,) = require("redstar browse", "view", "uvicorn")
    app = create_app(Path(catalog_path) if catalog_path else None, allow_remote=allow_remote)
    uvicorn.run(app, host=host, port=port, log_level="warning")
