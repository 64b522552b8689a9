"""The hostile-program suite through the real sandbox, judged from the host (redstar_data/verify/code/hostile.py)."""

from __future__ import annotations

import pytest

from redstar_data.verify.code import run_program
from redstar_data.verify.code.hostile import HOSTILE, LEGIT, run_suite, summary

T = 1.5


@pytest.fixture(scope="module")
def verdicts(sandbox, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("hostile"))
    # hostile programs mostly run into the deadline: a short one keeps the suite fast; legitimate programs
    # get a judge-like one (this machine may be loaded)
    hostile = run_suite(lambda c, s: run_program(c, s, timeout_s=T, memory_mb=1024), workdir=d, timeout_s=T,
                        memory_mb=1024, programs=HOSTILE)  # fmt: skip
    legit = run_suite(lambda c, s: run_program(c, s, timeout_s=10, memory_mb=1024), workdir=d, timeout_s=10,
                      memory_mb=1024, programs=LEGIT)  # fmt: skip
    return hostile + legit


def test_suite_size():
    assert len(HOSTILE) >= 25 and len(LEGIT) >= 10


@pytest.mark.parametrize("name", [p.name for p in HOSTILE])
def test_hostile_program_is_contained(verdicts, name):
    v = next(v for v in verdicts if v.name == name)
    assert v.ok, (v.status, v.escapes)


@pytest.mark.parametrize("name", [p.name for p in LEGIT])
def test_legitimate_heavy_program_passes(verdicts, name):
    v = next(v for v in verdicts if v.name == name)
    assert v.ok, (v.status, v.escapes)


def test_summary_counts(verdicts):
    s = summary(verdicts)
    assert (s["contained"], s["legit_passed"]) == (len(HOSTILE), len(LEGIT))
