"""Choice-aware geometry verifier: ``check_choice(response, answer, choices, answer_letter)`` and the
registry's ``geometry`` verifier.

A response is correct when its final answer names the right option letter, or states a value that equals
the right option (or, without options, the reference value). Rules, in order (docs/verify.md):

- No final answer (no box, no marker, no concluding line; see ``choice.final_answer``) → ``no_answer``.
- A letter outside the options → ``incorrect``. A letter AND a value (``C: 30°``) must agree: the value has to
  map to that same option, else ``incorrect`` (``conflict``); a value that cannot be read is ignored.
- A value maps to the option it equals. Tiers, first tier with exactly one hit wins, two hits in one tier
  are ``ambiguous`` (incorrect): exact (relative 1e-9 of 30-digit values) → rounding (the option's stated
  precision: ``12.47`` is option ``12.5``; or the answer's own: ``6.93`` is ``4 \\sqrt { 3 }``, with at
  least two significant digits) → relative ``REL_TOL`` (0.5%, for intermediate rounding; only with options).
- Without options the value is compared with the reference by the first two tiers only.

Cost model (the math verifier's): reading and plain numbers run in the caller's process; only values that
need sympy (radicals, pi, trig) go to a worker killed at the item's time limit (``pool.Deadline``);
``check_many`` runs whole items in worker processes with the same hard limit.
"""

from __future__ import annotations

import atexit
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from redstar_data.choices import as_choices
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.verify.base import Verdict
from redstar_data.verify.choice import (
    MAX_VALUE_CHARS,
    ReadAnswer,
    final_answer,
    numeric_values,
    quick_number,
    read_answer,
    significant_digits,
    to_latex,
)
from redstar_data.verify.equivalence import equivalent
from redstar_data.verify.extract import as_text
from redstar_data.verify.pool import Deadline, WorkerCrashed, WorkerPool, WorkerTimeout, run_many

# 1.1.0: markers read back past prose, Chinese conclusions, "c" as option C, trailers cut; 1.2.0: "go with C";
# 1.3.0 (independent audit, tests/verify/geometry/audit_pairs.yaml): two options named are a hedge (incorrect), a
# trace cut inside <think> has no answer, "probably B" / "not B; it is C", a lone "b", "3:7", "of 37.4 square
# inches", "about 113.1 square centimeters", º/˚ degree signs
# 1.4.0: two values joined by "or" are a hedge too ("55 or 62", "55, or maybe 62", "C (55) or D (62)"); a range
# ("between 3 and 4") is not a value; "degs" / "rads" units
# 1.5.0 (notation audit, tests/verify/geometry/notation_pairs.yaml): "30^o" is a degree sign; a last line with LaTeX
# spacing (`24 \\, \\text{units}^2`), a repeating decimal or thin-space thousands (`1\\,000`) is a value; "b) 10" /
# "d. 2" name options; "a length of 10" is a value, not option A; an option listed with a comment ("D) 100: far too
# large") and a last line cut mid-thought ("... = 70°. Hmm, wait") are no final answer
VERSION = "1.5.0"
DEFAULT_TIMEOUT = 1.0  # seconds per item, as the math verifier
# Relative tolerance for a value between options (a model that rounded along the way: 22.14 for 22.2).
# Measured on the dev set: the closest two options of a Geometry3K problem are 1.2% apart (82 vs 83), so a
# 0.5% band never holds two options there; where it would, the answer is 'ambiguous', never a guess.
REL_TOL = 0.005
_EXACT_TOL = 1e-9
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_POOL = WorkerPool()
atexit.register(_POOL.close)

Values = Callable[[list[str]], list["float | None"]]


@dataclass(frozen=True)
class GeoReference:
    """What a geometry response is checked against: the answer value, the options in order (None: free
    form), the right option's letter, and optionally each option's numeric value (``precise_value``)."""

    answer: str = ""
    choices: tuple[str, ...] | None = None
    answer_letter: str | None = None
    precise_values: tuple[float, ...] | None = None

    @classmethod
    def of(cls, ref: object) -> GeoReference:
        """From a ``GeoReference``, a mapping (``answer``, ``choices``, ``answer_letter``, optional
        ``precise_value``; ``choices`` may be a JSON text, as the catalog stores it) or a plain answer."""
        if isinstance(ref, GeoReference):
            return ref
        if isinstance(ref, Mapping):
            choices = _as_list(ref.get("choices"))
            pv = _as_list(ref.get("precise_value"))
            try:
                pvs = tuple(float(x) for x in pv) if pv and choices and len(pv) == len(choices) else None
            except (TypeError, ValueError):
                pvs = None
            letter = ref.get("answer_letter")
            return cls(
                as_text(ref.get("answer")),
                tuple(as_text(c) for c in choices) if choices else None,
                as_text(letter).strip().upper() or None if letter is not None else None,
                pvs,
            )
        return cls(as_text(ref))

    def as_dict(self) -> dict[str, Any]:
        """Picklable form for worker processes."""
        return {
            "answer": self.answer,
            "choices": list(self.choices) if self.choices else None,
            "answer_letter": self.answer_letter,
            "precise_value": list(self.precise_values) if self.precise_values else None,
        }


def _as_list(v: object) -> list[Any] | None:
    """``choices`` / ``precise_value`` as a list (JSON text, list, numpy or pyarrow sequence), or None."""
    if v is None or isinstance(v, str):
        return as_choices(v)
    try:
        return list(v)  # type: ignore[call-overload]
    except TypeError:
        return None


Num = tuple[float, float | None]  # (value, quantum: stated precision or None for exact)


class _Numbers:
    """Numeric values of LaTeX texts: plain numbers here, the rest through ``values`` in one batch."""

    def __init__(self, values: Values) -> None:
        self.values = values
        self.cache: dict[str, float | None] = {}

    def many(self, texts: Sequence[str | None]) -> list[Num | None]:
        out: list[Num | None] = []
        todo: list[str] = []
        latex = [to_latex(t) if t and len(t) <= MAX_VALUE_CHARS else None for t in texts]
        for s in latex:
            if s and quick_number(s) is None and s not in self.cache and s not in todo:
                todo.append(s)
        if todo:
            self.cache.update(zip(todo, self.values(todo), strict=True))
        for s in latex:
            if not s:
                out.append(None)
                continue
            q = quick_number(s)
            if q is not None:
                out.append(q)
            else:
                v = self.cache.get(s)
                out.append((v, None) if v is not None else None)
        return out


def _tier(cand: Num, cand_text: str, target: Num, approx: bool) -> int | None:
    """0 exact, 1 within a stated rounding, 2 within ``REL_TOL``; None: not this value."""
    v, qv = cand
    c, qc = target
    d = abs(v - c)
    if d <= _EXACT_TOL * max(1.0, abs(c)):
        return 0
    if qc is not None and d <= qc / 2 * (1 + 1e-6):
        return 1
    if approx and qv is None and significant_digits(cand_text) >= 2:  # "x ≈ 39": rounded to a whole number
        qv = 1.0
    if qv is not None and significant_digits(cand_text) >= 2 and d <= qv / 2 * (1 + 1e-6):
        return 1
    if d <= REL_TOL * abs(c):
        return 2
    return None


def _pick(cand: Num, cand_text: str, options: list[Num | None], approx: bool) -> tuple[int | None, str]:
    """The option index a value maps to (first tier with a single hit), and how."""
    tiers = [_tier(cand, cand_text, o, approx) if o is not None else None for o in options]
    for t in (0, 1, 2):
        hits = [i for i, x in enumerate(tiers) if x == t]
        if len(hits) == 1:
            return hits[0], ("exact", "rounding", "tolerance")[t]
        if len(hits) > 1:
            return None, "ambiguous"
    return None, "no_option"


def _letter_answer(answer: str) -> str | None:
    """A reference that is itself an option letter (``C``, ``(C)``): GeoQA-style data stores only that."""
    a = answer.strip().strip("()")
    return a if len(a) == 1 and a in _LETTERS else None


def _gold_letter(ref: GeoReference, nums: _Numbers, answer_num: Num | None) -> str | None:
    """The right option's letter: given, or the reference when it is a letter, or the option equal to it."""
    if ref.answer_letter:
        return ref.answer_letter
    if _letter_answer(ref.answer):
        return _letter_answer(ref.answer)
    if ref.choices:
        for i, c in enumerate(ref.choices):
            if " ".join(c.split()) == " ".join(ref.answer.split()):
                return _LETTERS[i]
        if answer_num is not None:
            opts = _option_values(ref, nums)
            i, how = _pick(answer_num, "", opts, False)
            if i is not None and how == "exact":
                return _LETTERS[i]
    return None


def _option_values(ref: GeoReference, nums: _Numbers) -> list[Num | None]:
    assert ref.choices is not None
    parsed = nums.many(list(ref.choices))
    if ref.precise_values:
        parsed = [
            p if p is not None else (pv, None) for p, pv in zip(parsed, ref.precise_values, strict=True)
        ]
    return parsed


def decide(response: object, reference: object, values: Values, deadline: float | None = None) -> Verdict:
    """The verdict, with ``values`` evaluating the LaTeX texts plain-number parsing could not (see module)."""
    ref = GeoReference.of(reference)
    fa = final_answer(response)
    details: dict[str, Any] = {"extraction": fa.method}
    if fa.truncated:
        details["truncated"] = True
    if fa.too_long:
        details["too_long"] = True
    if fa.answer is None:
        return Verdict("no_answer", None, "extract", details)
    if not ref.answer.strip() and not ref.answer_letter:
        return Verdict("error", fa.answer, "extract", {**details, "error": "no reference answer"})
    if deadline is not None and time.monotonic() > deadline:
        raise WorkerTimeout("extraction ran past the time limit")
    extracted = fa.answer[:MAX_VALUE_CHARS]
    read = read_answer(fa.answer)
    n = len(ref.choices) if ref.choices else 0
    if read.letter is None and read.value and len(read.value) == 1 and "a" <= read.value <= "z":
        if _LETTERS.index(read.value.upper()) < n:  # "the answer is c" to a lettered problem: option C
            read = ReadAnswer(read.value.upper(), None)
    if read.letter:
        details["letter"] = read.letter
    if read.value:
        details["value"] = read.value[:MAX_VALUE_CHARS]
    if read.value is not None and len(read.value) > MAX_VALUE_CHARS:  # no geometry answer is this long:
        read = ReadAnswer(read.letter, None)  # never parsed, never compared (a letter still counts)
        details["too_long"] = True
    nums = _Numbers(values)
    # one batch of sympy work at most: the options only when a value is to be mapped, the reference only
    # when no letter is known or there are no options (a letter answer to a lettered problem needs none)
    need_ref = not n or not (ref.answer_letter or _letter_answer(ref.answer))
    need_options = n and read.value is not None
    nums.many(
        [read.value, *(ref.choices or () if need_options else ()), *((ref.answer,) if need_ref else ())]
    )
    cand = nums.many([read.value])[0]
    ref_num = nums.many([ref.answer])[0] if need_ref else None
    gold = _gold_letter(ref, nums, ref_num)
    options = _option_values(ref, nums) if need_options else []
    mapped, how = (None, "no_option")
    if n and cand is not None:
        mapped, how = _pick(cand, read.value or "", options, read.approx)
        details["value_maps_to"] = _LETTERS[mapped] if mapped is not None else how

    def verdict(ok: bool, method: str) -> Verdict:
        return Verdict("correct" if ok else "incorrect", extracted, method, details)

    if read.hedge:  # two options or values named ("B or C", "55 or 62"): not one answer, whichever is right
        return verdict(False, "hedge")
    if read.span:  # "between 3 and 4": a range, not the value asked for
        return verdict(False, "range")
    if read.letter:
        if n and _LETTERS.index(read.letter) >= n:
            return verdict(False, "letter_out_of_range")
        if n and cand is not None and (mapped is None or _LETTERS[mapped] != read.letter):
            return verdict(False, "conflict")
        if gold is not None:
            return verdict(read.letter == gold, "letter")
        if not n and cand is not None and ref_num is not None:  # "A: 70" to a free-form problem: the value
            t = _tier(cand, read.value or "", ref_num, read.approx)
            return verdict(t is not None and t <= 1, "value:" + ("exact" if t == 0 else "rounding"))
        if n and ref_num is not None:  # no known letter: the named option's value against the answer
            opt = options[_LETTERS.index(read.letter)]
            return verdict(opt is not None and _tier(opt, "", ref_num, False) == 0, "letter_value")
        return verdict(False, "letter_without_options")
    if read.value is None:
        return verdict(False, "unreadable")
    if n and cand is not None and gold is not None:
        return verdict(mapped is not None and _LETTERS[mapped] == gold, "value:" + how)
    if cand is not None and ref_num is not None:
        t = _tier(cand, read.value, ref_num, read.approx)
        return verdict(t is not None and t <= 1, "value:" + ("exact" if t == 0 else "rounding"))
    ok, method = equivalent(ref.answer, read.value, None)  # not numbers: the math verifier's string rules
    return verdict(ok, "string:" + method)


def check_inline(response: object, reference: object) -> tuple[str, str | None, str | None, dict]:
    """Everything in this process, sympy included (used inside worker processes; no time limit here)."""
    v = decide(response, reference, numeric_values)
    return v.label, v.extracted, v.method, v.details


def check_choice(
    response: object,
    answer: object,
    choices: Sequence[str] | str | None = None,
    answer_letter: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Verdict:
    """Verdict for one response to a geometry problem (multiple choice when ``choices`` is given).

    ``choices`` is the options in order (a list, or the catalog's JSON text); ``answer_letter`` the right
    one's letter (derived from ``answer`` when None). Never raises on odd input types; a pathological
    answer costs at most about ``timeout`` seconds ('timeout')."""
    return check(
        response, {"answer": answer, "choices": choices, "answer_letter": answer_letter}, timeout=timeout
    )


def check(response: object, reference: object, *, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
    """Verdict against a ``GeoReference`` / mapping / plain answer (fast path here, sympy in a worker)."""
    clock = Deadline(timeout)

    def values(texts: list[str]) -> list[float | None]:
        return clock.call(_POOL, "geo_values", (texts,))

    try:
        verdict = decide(response, reference, values, clock.at)
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
    pairs: Sequence[tuple[object, object]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None,
    progress: ProgressCallback = null_progress,
) -> list[Verdict]:
    """Verdicts in input order for (response, reference) pairs across ``workers`` processes; a hung item
    is 'timeout', a crashed worker 'error' for that item only (the math verifier's ``run_many``)."""
    import os

    n = len(pairs)
    if n == 0:
        return []
    out: list[Verdict | None] = [None] * n
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
            progress(ProgressEvent("verify", done, n, {"items/s": done / max(1e-9, time.monotonic() - t0)}))

    tasks = [("geometry", (as_text(resp), GeoReference.of(ref).as_dict())) for resp, ref in pairs]
    run_many(tasks, workers=workers or os.cpu_count() or 1, timeout=timeout, on_result=on_result)
    return [v if v is not None else Verdict("error", None, "error", {"error": "lost"}) for v in out]


class GeometryVerifier:
    """Registry entry ``geometry``: choice-aware final-answer checking; its version is stored with labels."""

    name = "geometry"
    version = VERSION

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    @staticmethod
    def final_answer(text: str) -> str | None:
        """The final answer the quality flags look for (``no_final_answer``, truncation): option letters
        and the other choice forms count, as they do for labelling."""
        return final_answer(text).answer

    def reference(self, row: Mapping[str, Any]) -> dict[str, Any] | None:
        """The verify stage's row → what ``check`` compares against (None: nothing to compare with)."""
        answer = row.get("answer")
        letter = row.get("answer_letter")
        if not (answer or "").strip() and not (letter or "").strip():
            return None
        meta = row.get("meta")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except ValueError:
                meta = None
        pv = meta.get("precise_value") if isinstance(meta, dict) else None
        return {"answer": answer, "choices": row.get("choices"), "answer_letter": letter, "precise_value": pv}

    def check(self, response: str, reference: object) -> Verdict:
        return check(response, reference, timeout=self.timeout)

    def check_many(
        self,
        pairs: Sequence[tuple[str, object]],
        *,
        workers: int | None = None,
        progress: ProgressCallback = null_progress,
    ) -> list[Verdict]:
        return check_many(pairs, timeout=self.timeout, workers=workers, progress=progress)
