"""Pathological inputs all return a verdict within the time limit (hypothesis)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redstar_data.verify.base import LABELS
from redstar_data.verify.math import check

LIMIT = 2.0
PATHOLOGICAL = st.one_of(
    st.integers(1, 400).map(lambda n: "\\frac{" * n + "1" + "}{2}" * n),
    st.integers(1, 300).map(lambda n: "(" * n + "x" + ")" * n),
    st.sampled_from(
        [
            "10^{10^{10}}",
            "9^{9^{9^{9}}}",
            "2^{2^{2^{2^{2^{2}}}}}",
            "10^{10^{100}}-1",
            "x^{10^{8}}",
            "\\sqrt{" * 50 + "2" + "}" * 50,
            "(1+x)^{100000}",
        ]
    ),
    st.integers(1, 5).map(lambda k: "1" * (k * 20_000)),
    st.integers(0, 200).map(lambda n: "{" * n + "\\boxed{" + "}" * (n // 2)),
    st.text(max_size=300),
    st.text(alphabet="{}\\$()[]^_0123456789xfracsqrtboxed ", max_size=500),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=PATHOLOGICAL, reference=st.one_of(PATHOLOGICAL, st.sampled_from(["2", "x", "\\frac{1}{2}"])))
def test_pathological_inputs_return_in_time(answer: str, reference: str) -> None:
    t0 = time.monotonic()
    v = check("The answer is \\boxed{" + answer + "}", reference, timeout=LIMIT)
    # the limit covers the symbolic worker; the in-process fast path is linear (generous slack for 100 KB)
    assert time.monotonic() - t0 < LIMIT + 3
    assert v.label in LABELS


def test_100kb_response() -> None:
    t0 = time.monotonic()
    v = check("word " * 20_000 + "\\boxed{" + "x" * 100_000, "5", timeout=LIMIT)
    assert v.label in LABELS and time.monotonic() - t0 < LIMIT + 3
