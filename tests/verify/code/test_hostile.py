"""The hostile-program suite through the real sandbox, judged from the host (redstar_data/verify/code/hostile.py)."""

from __future__ import annotations

import pytest

from redstar_data.verify.code import run_program
from redstar_data.verify.code.hostile import HOSTILE, LEGIT, run_suite, summary

T = 1.5


# Programs that, by design, run until the sandbox stops them (the deadline, the memory or output cap): each
# costs about T seconds, so they run in the `slow` step with the rest of the suite. The default run keeps the
# same guarantees through tests/verify/code/test_sandbox.py (test_statuses: spin, sleep, SIGSTOP, memory,
# output flood -> timeout/memory/output_limit; the outside deadline with a stopped harness; the process cap;
# no leftovers) and runs every other hostile program here.
UNTIL_STOPPED = {
    "busy_loop",
    "sleep",
    "sigstop_self",
    "ignores_signals",
    "fork_bomb",
    "thread_spam",
    "memory_bomb",
    "stdout_flood",
    "stderr_flood",
    "atexit_spin",
    "raise_limits",
    "close_stdout_spin",
    "sigstop_parent",
    "recursion_bomb",
    "zombie_maker",
    "fd_exhaustion",
}


def _run(programs, timeout_s: float, workdir: str):
    return run_suite(lambda c, s: run_program(c, s, timeout_s=timeout_s, memory_mb=1024), workdir=workdir,
                     timeout_s=timeout_s, memory_mb=1024, programs=programs)  # fmt: skip


@pytest.fixture(scope="module")
def quick_verdicts(sandbox, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("hostile"))
    # legitimate programs get a judge-like deadline (this machine may be loaded)
    quick = [p for p in HOSTILE if p.name not in UNTIL_STOPPED]
    return _run(quick, T, d) + _run(LEGIT, 10, d)


@pytest.fixture(scope="module")
def stopped_verdicts(sandbox, tmp_path_factory):
    # hostile programs mostly run into the deadline: a short one keeps the suite fast
    d = str(tmp_path_factory.mktemp("hostile-slow"))
    return _run([p for p in HOSTILE if p.name in UNTIL_STOPPED], T, d)


def test_suite_size():
    assert len(HOSTILE) >= 25 and len(LEGIT) >= 10
    assert UNTIL_STOPPED <= {p.name for p in HOSTILE}  # a renamed program must not drop out of both runs


def _verdict(request, name: str):
    fixture = "stopped_verdicts" if name in UNTIL_STOPPED else "quick_verdicts"
    return next(v for v in request.getfixturevalue(fixture) if v.name == name)


@pytest.mark.parametrize(
    "name",
    [pytest.param(p.name, marks=[pytest.mark.slow] if p.name in UNTIL_STOPPED else []) for p in HOSTILE],
)
def test_hostile_program_is_contained(request, name):
    v = _verdict(request, name)
    assert v.ok, (v.status, v.escapes)


@pytest.mark.parametrize("name", [p.name for p in LEGIT])
def test_legitimate_heavy_program_passes(quick_verdicts, name):
    v = next(v for v in quick_verdicts if v.name == name)
    assert v.ok, (v.status, v.escapes)


@pytest.mark.slow
def test_summary_counts(quick_verdicts, stopped_verdicts):
    s = summary(quick_verdicts + stopped_verdicts)
    assert (s["contained"], s["legit_passed"]) == (len(HOSTILE), len(LEGIT))
