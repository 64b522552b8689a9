"""The code verifier: a response + a problem's tests → a Verdict, one sandbox per (trace, problem).

Labels: ``correct`` (every runnable test passed), ``incorrect`` (a wrong output), ``timeout``, ``error``
(compile/runtime error, memory or output limit, wrong language), ``no_answer`` (no program in the answer
part), ``unverifiable`` (special-judge problem without a checker, or no runnable tests) and
``infra_error`` (the sandbox itself failed; retried, and never a zero reward: RL rewards skip it).
Tests run in order and stop at the first failure (``all_tests=True`` runs every test, for reports).
Parallelism: ``check_many`` keeps ``workers`` sandboxes busy from a thread pool; the work is in the
sandboxed processes, so threads suffice and the caller may itself be a thread (the RL reward is).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.verify.base import Verdict
from redstar_data.verify.code.compare import compare_stdout, compare_value, dumps_short, loads_json
from redstar_data.verify.code.extract import extract_program
from redstar_data.verify.code.formats import SPEC_META_KEYS, CodeSpec, CodeTestsError, spec_from_catalog
from redstar_data.verify.code.sandbox import SANDBOX_VERSION, Limits, RunResult, Session

CODE_LABELS = ("correct", "incorrect", "timeout", "error", "no_answer", "unverifiable", "infra_error")

# what LeetCode / TACO call-based judges have imported before the solution runs (List, defaultdict, ...)
CALL_PRELUDE = (
    "from typing import *\nimport collections, heapq, math, itertools, bisect, functools, string, re, sys\n"
    "from collections import *\nfrom heapq import *\nfrom math import *\nfrom itertools import *\n"
    "from bisect import *\nfrom functools import *\n"
)


@dataclass
class Outcome:
    label: str
    details: dict[str, Any]


def _first_failure(i: int, spec: CodeSpec, res: RunResult, reason: str) -> dict[str, Any]:
    t = spec.tests[i]
    shown = t.input if isinstance(t.input, str) else dumps_short(t.input, 300)
    return {
        "index": i,
        "origin": t.origin,
        "status": res.status,
        "reason": reason,
        "input": shown[:300],
        "stdout": res.stdout[:300],
        "stderr": res.stderr[-500:],
        "exit_code": res.exit_code,
        "wall_s": res.wall_s,
    }


_STATUS_LABEL = {"timeout": "timeout", "memory": "error", "error": "error", "output_limit": "error"}


def run_spec(
    code: str,
    spec: CodeSpec,
    *,
    limits: Limits,
    all_tests: bool = False,
    unsafe_no_sandbox: bool = False,
    retries: int = 2,
    on_result: Callable[[RunResult], None] | None = None,
) -> Outcome:
    """Run ``code`` against the runnable tests of ``spec`` in one sandbox; the label and its details."""
    runnable = spec.runnable()
    base: dict[str, Any] = {
        "tests_total": len(spec.tests),
        "tests_skipped_invalid": len(spec.tests) - len(runnable),
    }
    if not runnable:
        return Outcome("unverifiable", {**base, "reason": "no runnable tests"})
    if spec.mode == "call":
        payload = [{"args": t.input} for _, t in runnable]
    else:
        payload = [{"stdin": t.input} for _, t in runnable]
    full_code = CALL_PRELUDE + code if spec.mode == "call" else code
    attempts = 0
    while True:
        attempts += 1
        counts: Counter[str] = Counter()
        first: dict[str, Any] | None = None
        label = "correct"
        infra = None
        with Session(full_code, payload, limits=limits, fn_name=spec.fn_name,
                     unsafe_no_sandbox=unsafe_no_sandbox) as s:  # fmt: skip
            infra = s.info.infra_error
            n_run = 0
            for k, res in enumerate(s.results()):
                i, t = runnable[k]
                n_run += 1
                if on_result is not None:
                    on_result(res)
                if res.status == "ok":
                    if spec.mode == "call":
                        ok, why = compare_value(
                            res.value,
                            t.output,
                            unwrap=spec.unwrap_single,
                            any_order=spec.any_order,
                            float_tol=spec.float_tol,
                        )
                    else:
                        ok, why = compare_stdout(res.stdout, t.output, float_tol=spec.float_tol,
                                                 ignore_case=spec.case_insensitive)  # fmt: skip
                    outcome = "passed" if ok else "wrong_answer"
                else:
                    ok, why = False, res.status
                    outcome = res.status
                counts[outcome] += 1
                if not ok and first is None:
                    first = _first_failure(i, spec, res, why)
                    label = "incorrect" if res.status == "ok" else _STATUS_LABEL.get(res.status, "error")
                    if not all_tests:
                        break
            sandboxed = s.sandboxed
            start_s = s.info.start_s
        if infra is not None or (n_run == 0 and first is None):
            if attempts <= retries:
                continue
            return Outcome("infra_error", {**base, "reason": infra or "no results", "attempts": attempts})
        break
    if first is None and n_run < len(runnable):
        label = "error"
        first = {"reason": "the sandbox stopped before all tests ran"}
    details = {
        **base,
        "tests_run": n_run,
        "outcomes": dict(counts),
        "first_failure": first,
        "sandbox": "bwrap" if sandboxed else "none (unsafe)",
        "timeout_s": limits.timeout_s,
        "memory_mb": limits.memory_mb,
        "start_s": round(start_s, 4),
    }
    if attempts > 1:
        details["attempts"] = attempts
    return Outcome(label, details)


class CodeVerifier:
    """Verifier for domain ``code``: ``check(response, reference)`` where ``reference`` is the problem's
    tests (a CodeSpec, a raw row dict, or the catalog's ``{"tests": ..., "meta": ...}`` JSON)."""

    name = "code"
    # 1.1.0: extraction skips data blocks and usage snippets, untagged C++/Java is unsupported, statement
    # marks (tolerance, any case), no expected[0] fallback for LiveCodeBench (docs/code.md, formats audit)
    # 1.2.0: integers past 4300 digits in tests and return values, numpy scalar returns, stated float
    # tolerance for call-based problems (LeetCode's "within 10^-5"), patched-stdin test drivers skipped
    version = f"1.2.0+sandbox{SANDBOX_VERSION}"

    def __init__(
        self,
        *,
        timeout_s: float = 4.0,
        memory_mb: int = 1024,
        all_tests: bool = False,
        unsafe_no_sandbox: bool = False,
        workers: int | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.all_tests = all_tests
        self.unsafe_no_sandbox = unsafe_no_sandbox
        self.workers = workers

    # the catalog stage (verify/run.py) reads these problem columns for this verifier's reference
    reference_columns = ("tests", "meta")
    # the meta keys that reference uses (the RL export carries them with the tests: export/formats.py)
    reference_meta_keys = SPEC_META_KEYS

    @staticmethod
    def final_answer(text: str) -> str | None:
        """The final answer the quality flags look for (``no_final_answer``, truncation): a code trace's is its
        final program (the block ``check`` would run), since code has no ``\\boxed{}``."""
        prog = extract_program(text)
        return None if prog is None else prog.code

    def reference(self, row: dict[str, Any]) -> Any | None:
        """The reference for one catalog row (None: the problem has no tests, nothing to run)."""
        tests = row.get("tests")
        if tests is None or str(tests).strip() in ("", "null"):
            return None
        ref = {"tests": tests, "meta": row.get("meta")}
        if isinstance(row.get("problem"), str):
            ref["statement"] = row["problem"]  # its marks (any-case answers, a stated tolerance) apply
        return ref

    def limits_for(self, spec: CodeSpec) -> Limits:
        """The problem's own limits where it states them (never below this verifier's defaults: Python
        is slower than the C++ those limits were set for, and RLIMIT_AS counts virtual memory)."""
        return Limits(
            timeout_s=max(self.timeout_s, spec.time_limit_s or 0.0),
            memory_mb=max(self.memory_mb, spec.memory_mb or 0),
        )

    def spec(self, reference: Any) -> CodeSpec:
        if isinstance(reference, CodeSpec):
            return reference
        if isinstance(reference, str):
            reference = loads_json(reference)
        if isinstance(reference, dict) and set(reference) <= {"tests", "meta", "statement"}:
            return spec_from_catalog(
                reference.get("tests"), reference.get("meta"), reference.get("statement")
            )
        if isinstance(reference, dict) and "inputs" in reference:  # a bare TACO/APPS input_output
            return spec_from_catalog(reference, None)
        from redstar_data.verify.code.formats import spec_from_row

        return spec_from_row(reference)

    def check(self, response: str, reference: Any) -> Verdict:
        try:
            spec = self.spec(reference)
        except (CodeTestsError, ValueError) as exc:
            return Verdict("unverifiable", method="tests", details={"reason": f"tests unreadable: {exc}"})  # type: ignore[arg-type]
        prog = extract_program(response, mode=spec.mode, fn_name=spec.fn_name)
        if prog is None:
            return Verdict("no_answer", method="no fenced program in the answer part")
        if prog.language != "python":
            return Verdict("error", extracted=prog.code[:20000], method="unsupported_language",
                           details={"reason": f"unsupported language {prog.language!r} (the sandbox runs Python)"})  # fmt: skip
        if spec.special_judge and not spec.checker:
            return Verdict("unverifiable", extracted=prog.code[:20000], method="special_judge",  # type: ignore[arg-type]
                           details={"reason": "several outputs are valid and no checker is given"})  # fmt: skip
        out = run_spec(prog.code, spec, limits=self.limits_for(spec), all_tests=self.all_tests,
                       unsafe_no_sandbox=self.unsafe_no_sandbox)  # fmt: skip
        if out.label == "incorrect" and spec.any_valid_output:
            # the statement accepts any valid answer: another valid output is no proof of a wrong program
            # (a crash or a timeout still is, and an exact match on every test is a pass)
            details = {**out.details, "reason": "output differs, and the statement accepts any valid answer"}
            return Verdict("unverifiable", extracted=prog.code[:20000], method="any_valid_output",  # type: ignore[arg-type]
                           details=details)  # fmt: skip
        return Verdict(out.label, extracted=prog.code[:20000], method=spec.mode, details=out.details)  # type: ignore[arg-type]

    def check_many(
        self,
        pairs: Sequence[tuple[str, Any]],
        *,
        workers: int | None = None,
        progress: ProgressCallback = null_progress,
    ) -> list[Verdict]:
        """Verdicts for many (response, reference) pairs in order, ``workers`` sandboxes at a time."""
        n = workers or self.workers or os.cpu_count() or 1
        total = len(pairs)
        if n <= 1 or total <= 1:
            out = []
            for r, ref in pairs:
                out.append(self.check(r, ref))
                progress(ProgressEvent("verify code", len(out), total))
            return out
        with ThreadPoolExecutor(max_workers=n) as ex:
            futs = [ex.submit(self.check, r, ref) for r, ref in pairs]
            res = []
            for k, f in enumerate(futs):
                res.append(f.result())
                progress(ProgressEvent("verify code", k + 1, total))
            return res
