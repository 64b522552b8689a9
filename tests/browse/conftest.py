"""A real uvicorn serving the viewer on a loopback socket bound before the server starts (so clients can
connect at once: the kernel queues them until uvicorn accepts; no waiting loop)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def server(looked_catalog: Path):
    import uvicorn

    from redstar_data.browse.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    app = create_app(looked_catalog)
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)
    sock.close()
