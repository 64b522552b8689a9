"""Hostile responses (issue 13): megabytes of repeated markers, odd input types. Every verifier path -
extraction, ``check``, quality flags, ``math_reward`` - finishes each item in well under a second.

Time is CPU time of this process (``process_time``), so other jobs on a shared machine do not make the test
flaky; a wall-clock alarm turns a hang (the old quadratic scanner took hours on these inputs) into a failure.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redstar_data.verify.base import LABELS
from redstar_data.verify.extract import MAX_SCAN_CHARS, extract_answer, find_boxed, last_boxed
from redstar_data.verify.filters import flag_trace
from redstar_data.verify.math import check, check_many
from redstar_train.rewards import math_reward

SIZE = 5_000_000
CPU_LIMIT = 1.0  # seconds per call; measured <= 0.25 s on the slowest marker
MARKERS = [
    "\\boxed{",
    "Wait, \\boxed{",
    "<answer>",
    "</answer>",
    "<answer>x</answer>",
    "\\boxed{1}",
    "\\boxed{1} and ",
    "\\boxed ",
    "\\fbox{",
    "\\boxed{\\boxed{",
    "{",
    "}",
    "\\{",
    "$",
    "$$",
    "\\(",
    "\\[",
    "<think>",
    "</think>",
    "The final answer is ",
    "answer is $",
    "\\frac{",
    "1,",
    "\n\n",
    "所以",
    "x" * 799 + "y",
]


@contextmanager
def _wall_alarm(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging for hours) when the code under test is quadratic again."""

    def on_alarm(signum, frame):  # noqa: ANN001, ANN202, ARG001
        raise TimeoutError(f"still running after {seconds:g}s of wall time")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    try:
        with _wall_alarm(30):
            t0 = time.process_time()
            out = fn()
            return out, time.process_time() - t0
    except TimeoutError as exc:
        pytest.fail(str(exc), pytrace=False)


def _all_paths(text: str) -> None:
    for name, fn in (
        ("extract", lambda: extract_answer(text)),
        ("flags", lambda: flag_trace(text, None)),
        ("check", lambda: check(text, "1")),
        ("math_reward", lambda: math_reward([text], answer=["1"])),
    ):
        out, cpu = _timed(fn)
        assert cpu < CPU_LIMIT, f"{name} took {cpu:.2f}s CPU on {len(text):,} chars starting {text[:30]!r}"
        if name == "check":
            assert out.label in LABELS  # type: ignore[attr-defined]
            assert out.details.get("too_long") is True  # type: ignore[attr-defined]
        if name == "flags":
            assert ("too_long" in {f for f, _ in out}) is (len(text) > 200_000)  # type: ignore[union-attr]


@pytest.mark.parametrize("marker", MARKERS, ids=[repr(m[:14]) for m in MARKERS])
def test_5mb_of_a_repeated_marker(marker: str) -> None:
    _all_paths(marker * (SIZE // len(marker)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.text(alphabet="{}\\$()[]<>/_^0123456789 ,\nboxedfbanswthik", min_size=1, max_size=24),
    prefix=st.text(max_size=50),
    suffix=st.sampled_from(["", "\\boxed{1}", "}", "</answer>", "</think> 1"]),
)
def test_5mb_of_a_random_repeated_unit(unit: str, prefix: str, suffix: str) -> None:
    _all_paths(prefix + unit * (SIZE // len(unit)) + suffix)


def test_box_scanning_is_linear_and_exact() -> None:
    """The brace table gives the same boxes as a direct scan; 100k unbalanced boxes cost milliseconds."""
    assert find_boxed("\\boxed{3 \\boxed{4}") == [(9, 18, "4")]
    assert find_boxed("\\boxed{a\\}b} \\fbox {c{d}}") == [(0, 12, "a\\}b"), (13, 25, "c{d}")]
    assert find_boxed("\\boxed{\\\\}x}") == [(0, 10, "\\\\")]
    assert last_boxed("\\boxed{1}, \\boxed{2} and \\boxed{3}") == "1, 2, 3"
    # bounded lookback: a run of adjacent boxes joins at most 20 of them
    assert last_boxed("\\boxed{1}" * 1000).count("1") == 20
    text = "Wait, \\boxed{" * 100_000 + "\\boxed{7}"
    _, cpu = _timed(lambda: find_boxed(text))
    assert cpu < CPU_LIMIT
    assert last_boxed(text) == "7"


def test_scan_window_keeps_the_final_answer() -> None:
    """A response longer than the scan window is read from its end: the final answer is still found."""
    ex = extract_answer("step. " * (MAX_SCAN_CHARS // 3) + "so \\boxed{12}")
    assert (ex.answer, ex.too_long) == ("12", True)
    ex = extract_answer("<think>" + "hmm " * MAX_SCAN_CHARS + "</think> The answer is $\\frac{1}{2}$.")
    assert ex.answer == "\\frac{1}{2}" and ex.method.startswith("after_think")
    assert extract_answer("<answer>3</answer> then <answer>4</answer>").answer == "4"
    assert extract_answer("<ANSWER> 5 </Answer>").answer == "5"


def test_odd_input_types_get_a_verdict() -> None:
    assert check(b"so \\boxed{4}", 4).label == "correct"
    assert check("\\boxed{0.5}", 0.5).label == "correct"
    assert check(b"\\xff\\xfe \\boxed{4}", "4").label == "correct"
    assert check("so \\boxed{π}".encode(), "\\pi").label == "correct"  # decoded as UTF-8, not repr()
    assert check(None, "4").label == "no_answer"  # type: ignore[arg-type]
    assert check("\\boxed{4}", None).label == "error"  # type: ignore[arg-type]
    assert [v.label for v in check_many([(b"\\boxed{2}", 2), ("\\boxed{3}", 2)], workers=1)] == [
        "correct",
        "incorrect",
    ]
    assert math_reward([b"\\boxed{4}", "\\boxed{5}"], answer=[4, 4]) == [1.0, 0.0]
    assert flag_trace(("So it is \\boxed{4}. " * 3).encode(), None) == []  # type: ignore[arg-type]


def test_a_spent_budget_is_timeout_not_a_late_verdict() -> None:
    """Past its deadline an item is ``timeout`` (never a verdict that arrived late), for check and flags."""
    assert check("\\boxed{4}", "4", timeout=0.0).label == "timeout"
    assert check("\\boxed{4}", "4", timeout=5.0).label == "correct"
    flags = dict(flag_trace("no answer here " * 10, None, timeout=-1.0))
    assert "timeout" in flags and "no_final_answer" not in flags
