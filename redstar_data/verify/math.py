"""Public math verifier: ``check(response, reference)``, ``check_many(pairs)``, ``MathVerifier``.

Cost model (why it is split this way): extraction, string, structure and exact-number comparison run in the
caller's process and decide most rows in well under a millisecond. Only what needs sympy goes to a worker
process (``pool.py``) that is killed when it runs past the time limit — so ``check`` is safe to call from
TRL trainer threads (no signals) and a pathological answer costs at most ``timeout`` seconds.
``check_many`` sends whole items to N worker processes (parallel across cores) with the same hard limit.
The in-process part is bounded rather than interrupted: extraction reads at most ``MAX_SCAN_CHARS`` of a
response in one linear pass, and answers longer than ``MAX_ANSWER_CHARS`` are compared as strings only; the
deadline is checked between steps (an item found past it is ``timeout``).
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Sequence
from fractions import Fraction

from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.verify.base import Verdict
from redstar_data.verify.equivalence import equivalent
from redstar_data.verify.extract import as_text, extract_answer
from redstar_data.verify.pool import Deadline, WorkerCrashed, WorkerPool, WorkerTimeout, run_many

# 2.0.1: a degree mark keeps the brace that closes its group (``\\sqrt{30^\\circ}``, ``\\frac{30^\\circ}{2}``); º and ˚
# read as °. Labels of the 3,032 benchmark rows unchanged.
# 2.1.0: the reals minus points in every notation, set-builder sets, same-quantity labels, percent on either side,
# renamed integration constants, repeating decimals, temperature units (docs/verify.md, "2.1.0 fixes").
# 2.2.0: arbitrary constants and a family's integer parameter renamed (C e^{x} = A e^{x}, 2k\\pi = 2n\\pi, shifted
# periodic families), "k\\in\\mathbb{Z}" tails, y = ... for f(x) = ..., i/j/k vectors as tuples, f\\circ g kept.
# 2.3.0: long traces: Sky-T1 markers (<|end_of_thought|> as the reasoning marker, an unclosed <|begin_of_thought|> is a
# cut thought), the thought's box when the answer part boxes nothing, concluding "... is 22." statements, no tail
# formula from a cut thought; stated values of equation chains, ordinals, leading number words (docs/verify.md).
# 2.4.0: base numerals (1011 = 1011_2 = (1011)_2; the decimal value is not the base-2 numeral asked for), a named point
# M(1,2) against a tuple, "(1,000)" is a pair and never a thousand, "70deg"/"70degs", part labels between boxes
# ("(a) \\boxed{4} (b) \\boxed{9}" is the list 4, 9), times of day (4:30 p.m. = 16:30, never 4:30 a.m.), "4\\pi \\approx 12.57"
# (either value), nested boxes, i/j vectors in parentheses; audit set tests/verify/data/audit_longcot.jsonl.
# 2.4.1: long traces cut off with no closing tag (untagged QwQ-style and base-model output that stops inside a bracket,
# after an operator or a comma, or on "the"/"that"/"and"...) are cut like an unclosed thought: no tail formula, no
# weak number; answers recalled from elsewhere ("I recall that the answer is 1/2") are no stated answer.
# 2.5.0: false positives on near misses: both sides naming a known unit must name the same one with the same power
# ("12 cm" is not "12 cm^2", "5 minutes" not "5 hours"), a braced set is no ordered pair, one-letter labels give a
# tuple's order ("y=1, x=2" is (2,1)), an "Answer:" line or an answer stated after the last box wins over the box,
# "566. I hope it is correct" ends at the full stop; audit set tests/verify/data/audit_nearmiss.jsonl.
VERSION = "2.5.0"
DEFAULT_TIMEOUT = 1.0  # seconds per item, everything included (issue 18: no item over 1 s by default)
MAX_ANSWER_CHARS = 2000  # longer "answers" are compared as strings only (no parser, no normaliser sees them)

_POOL = WorkerPool()
atexit.register(_POOL.close)


def _decide(response: object, reference: object, sym, deadline: float | None = None) -> Verdict:  # noqa: ANN001
    response, reference = as_text(response), as_text(reference)
    ex = extract_answer(response)
    details: dict[str, object] = {"extraction": ex.method}
    if ex.weak:
        details["weak"] = True
    if ex.truncated:
        details["truncated"] = True
    if ex.too_long:
        details["too_long"] = True
    if ex.answer is None:
        return Verdict("no_answer", None, "extract", details)
    if not reference.strip():
        return Verdict("error", ex.answer, "extract", {**details, "error": "no reference answer"})
    if deadline is not None and time.monotonic() > deadline:
        raise WorkerTimeout("extraction ran past the time limit")
    if len(ex.answer) > MAX_ANSWER_CHARS or len(reference) > MAX_ANSWER_CHARS:
        ok = " ".join(ex.answer.split()) == " ".join(reference.split())
        details["too_long"] = True
        return Verdict("correct" if ok else "incorrect", ex.answer[:MAX_ANSWER_CHARS], "string", details)
    try:
        ok, method = equivalent(reference, ex.answer, sym)
    except WorkerTimeout as exc:  # the symbolic step ran out of time: keep what extraction found
        return Verdict("timeout", ex.answer, "timeout", {**details, "error": str(exc)})
    except WorkerCrashed as exc:
        return Verdict("error", ex.answer, "symbolic", {**details, "error": str(exc)})
    return Verdict("correct" if ok else "incorrect", ex.answer, method, details)


def check_inline(response: object, reference: object) -> tuple[str, str | None, str | None, dict]:
    """Everything in this process, sympy included (used inside worker processes; no time limit here)."""
    from redstar_data.verify.symbolic import sym_equal

    v = _decide(response, reference, sym_equal)
    return v.label, v.extracted, v.method, v.details


def check(response: str, reference: str, *, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
    """Verdict for one response against the gold ``reference`` (fast path here, sympy in a worker).

    ``bytes`` are decoded as UTF-8 and numbers read as text; never raises on odd input types."""
    clock = Deadline(timeout)

    def sym(ref: str, cand: str, quantum: Fraction | None) -> bool | None:
        return clock.call(_POOL, "symbolic", (ref, cand, quantum))

    try:
        verdict = _decide(response, reference, sym, clock.at)
    except WorkerTimeout as exc:
        return Verdict("timeout", None, "timeout", {"error": str(exc)})
    except WorkerCrashed as exc:
        return Verdict("error", None, "symbolic", {"error": str(exc)})
    if clock.passed():
        return Verdict(
            "timeout", verdict.extracted, "timeout", {**verdict.details, "error": "over the limit"}
        )
    return verdict


def check_many(
    pairs: Sequence[tuple[str, str]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None,
    progress: ProgressCallback = null_progress,
) -> list[Verdict]:
    """Verdicts in input order for (response, reference) pairs, across ``workers`` processes (default: all
    cores). A hung item becomes 'timeout', a crashed worker 'error' for that item; the batch never stalls."""
    import os

    n = len(pairs)
    out: list[Verdict | None] = [None] * n
    if n == 0:
        return []
    workers = workers or os.cpu_count() or 1
    done = 0
    t0 = time.monotonic()

    def on_result(i: int, value: object) -> None:
        nonlocal done
        if isinstance(value, WorkerTimeout):
            out[i] = Verdict("timeout", None, "timeout", {"error": str(value)})
        elif isinstance(value, Exception):
            out[i] = Verdict("error", None, "error", {"error": str(value)})
        else:
            label, extracted, method, details = value  # type: ignore[misc]
            out[i] = Verdict(label, extracted, method, details)
        done += 1
        if done % 200 == 0 or done == n:
            rate = done / max(1e-9, time.monotonic() - t0)
            progress(ProgressEvent("verify", done, n, {"items/s": rate}))

    tasks = [("check", (as_text(resp), as_text(ref))) for resp, ref in pairs]
    run_many(tasks, workers=workers, timeout=timeout, on_result=on_result)
    return [v if v is not None else Verdict("error", None, "error", {"error": "lost"}) for v in out]


class MathVerifier:
    """Registry entry ``math``: final-answer equivalence; its version is stored with every label."""

    name = "math"
    version = VERSION

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    def check(self, response: str, reference: str) -> Verdict:
        return check(response, reference, timeout=self.timeout)

    def check_many(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        workers: int | None = None,
        progress: ProgressCallback = null_progress,
    ) -> list[Verdict]:
        return check_many(pairs, timeout=self.timeout, workers=workers, progress=progress)
