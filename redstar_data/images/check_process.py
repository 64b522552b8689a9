"""Image checks in a process of their own, beside a big ingest: the same ``check_quietly``, another core.

Why a process: the check (zlib-ng's inflate and the chunk walk in Python) holds the GIL. On a thread it
could only overlap DuckDB's write of the chunk before, never the reading of the next chunk's files: each
file read hands the GIL over and waits to get it back, and reading beside a checking thread was slower
than reading alone (benchmarks/images.py). In a process of its own the check runs while ingest reads,
hashes, looks up and writes: 100k small diagrams, ingest 3.9 -> 3.3 s on 2 cores.

Protocol (stdin -> stdout of ``python -c _BOOT``, both ``marshal``, each frame an 8-byte little-endian
length then the payload): request ``(max_bytes, max_pixels, [(image_id, bytes), ...])``; reply
``[(image_id, format, width, height, n_bytes) | (image_id, None, reason, detail, 0), ...]`` in order.
EOF on stdin ends the process. The worker imports only ``images.validate`` (no DuckDB, no pyarrow).
"""

from __future__ import annotations

import marshal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from redstar_data.images.validate import BadImage, ImageInfo, check_quietly, quiet_bomb_warnings

_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from redstar_data.images.check_process import serve; serve(sys.stdin.buffer, sys.stdout.buffer)"
)
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding redstar_data, for the worker's path


class CheckerGone(Exception):
    """The check process ended or stopped answering (the caller checks in-process instead)."""


def _write_frame(f: BinaryIO, payload: bytes) -> None:
    f.write(len(payload).to_bytes(8, "little"))
    f.write(payload)
    f.flush()


def _read_frame(f: BinaryIO) -> bytes | None:
    head = f.read(8)
    if len(head) < 8:
        return None
    n = int.from_bytes(head, "little")
    data = f.read(n)
    return data if len(data) == n else None


def serve(inp: BinaryIO, out: BinaryIO) -> None:
    """The worker's loop: one reply per request, until stdin closes."""
    with quiet_bomb_warnings():
        while (frame := _read_frame(inp)) is not None:
            max_bytes, max_pixels, items = marshal.loads(frame)
            res: list[tuple[object, ...]] = []
            for iid, blob in items:
                try:
                    i = check_quietly(blob, max_bytes=max_bytes, max_pixels=max_pixels, iid=iid)
                    res.append((iid, i.format, i.width, i.height, i.n_bytes))
                except BadImage as e:
                    res.append((iid, None, e.reason, e.detail, 0))
            _write_frame(out, marshal.dumps(res))


class CheckProcess:
    """One worker process: ``submit`` a chunk's (id, bytes) pairs, then ``result`` gives their checks; one
    chunk in flight at a time. Failures of the worker raise ``CheckerGone``."""

    def __init__(self, max_bytes: int, max_pixels: int) -> None:
        self.max_bytes, self.max_pixels = int(max_bytes), int(max_pixels)
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-c", _BOOT, _ROOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._pending = False
        try:  # a chunk is megabytes: 1 MiB pipe buffers instead of 64 KiB, 16x fewer wake-ups (Linux)
            import fcntl

            assert self._proc.stdin is not None
            fcntl.fcntl(self._proc.stdin.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
        except (ImportError, OSError):
            pass

    def submit(self, items: Sequence[tuple[str, bytes]]) -> None:
        if self._proc is None or self._pending:
            raise CheckerGone("the check process is closed or busy")
        payload = marshal.dumps((self.max_bytes, self.max_pixels, list(items)))
        try:
            assert self._proc.stdin is not None
            _write_frame(self._proc.stdin, payload)
        except (BrokenPipeError, OSError, ValueError) as e:
            self.close()
            raise CheckerGone(f"the check process is gone ({e})") from None
        self._pending = True

    def result(self) -> dict[str, ImageInfo | BadImage]:
        if self._proc is None or not self._pending:
            raise CheckerGone("nothing submitted")
        assert self._proc.stdout is not None
        frame = _read_frame(self._proc.stdout)
        self._pending = False
        if frame is None:
            code = self._proc.poll()
            self.close()
            raise CheckerGone(f"the check process ended (exit code {code})")
        out: dict[str, ImageInfo | BadImage] = {}
        for iid, fmt, a, b, n in marshal.loads(frame):
            out[iid] = ImageInfo(iid, fmt, a, b, n) if fmt is not None else BadImage(a, b)
        return out

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for f in (proc.stdin, proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> CheckProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
