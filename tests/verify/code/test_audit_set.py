"""The independent audit set (audit_rows.py) through the real sandbox: every case's label by what the program
does, in the real source formats (TACO/APPS, LeetCode, CodeContests, LiveCodeBench with pickled tests)."""

from __future__ import annotations

import pytest

from redstar_data.verify.code.judge import CodeVerifier
from tests.verify.code.audit_rows import cases

WRONG = {"incorrect", "timeout", "error"}


def _matches(expect: str, label: str, method: str | None) -> bool:
    if expect == "wrong":
        return label in WRONG and method != "unsupported_language"
    if expect == "unsupported":
        return label == "error" and method == "unsupported_language"
    return label == expect


@pytest.mark.slow
def test_every_audit_case_gets_its_label(sandbox):
    cs = cases()
    assert len({c.id for c in cs}) == len(cs) >= 60
    verdicts = CodeVerifier(timeout_s=3.0).check_many([(c.response, c.row) for c in cs], workers=2)
    misses = [(c.id, c.expect, v.label, v.method, (v.details or {}).get("first_failure"))
              for c, v in zip(cs, verdicts, strict=True) if not _matches(c.expect, v.label, v.method)]  # fmt: skip
    assert not misses, "\n".join(map(str, misses))
