"""The anchor: a plain ``subprocess`` + rlimits runner, one process per test case, as public harnesses do.

For comparison only (``benchmarks/code_verify.py``, the hostile suite's "without bubblewrap" column):
it shares the caller's filesystem, network, process table and environment, and root ignores its
RLIMIT_NPROC. Never used to verify untrusted code.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

from redstar_data.verify.code.sandbox import RunResult


def plain_run(code: str, stdin: str = "", *, timeout_s: float, memory_mb: int) -> RunResult:
    """Run ``code`` with ``python file.py`` under RLIMIT_AS/CPU/FSIZE/NPROC and ``subprocess.run(timeout=)``."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        cpu = int(timeout_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
        resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))

    with tempfile.TemporaryDirectory(prefix="redstar-plain-") as d:
        path = os.path.join(d, "solution.py")
        with open(path, "w") as f:
            f.write(code)
        env = dict(os.environ, PYTHONINTMAXSTRDIGITS="0", OPENBLAS_NUM_THREADS="1")
        t0 = time.monotonic()
        try:
            p = subprocess.run([sys.executable, path], input=stdin.encode(), capture_output=True, cwd=d,
                               timeout=timeout_s, preexec_fn=limits, env=env)  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode("utf-8", "replace")
            return RunResult("timeout", stdout=out, wall_s=time.monotonic() - t0)
        wall = time.monotonic() - t0
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        err = p.stderr.decode("utf-8", "replace")
        status = "ok" if p.returncode == 0 else ("memory" if "MemoryError" in err[-2000:] else "error")
        if p.returncode in (-9, -24):
            status = "timeout"
        return RunResult(status, stdout=p.stdout.decode("utf-8", "replace"), stderr=err, exit_code=p.returncode,
                         wall_s=wall, peak_rss_mb=ru.ru_maxrss / 1024.0)  # fmt: skip
