"""Code-problem test formats → one :class:`CodeSpec` the verifier runs: TACO/APPS, CodeContests, LiveCodeBench.

A problem reaches the verifier as its catalog ``tests`` JSON plus ``meta`` (every source column ingest did
not map lands in meta), or as a raw source row. Formats recognised (docs/code.md):

- TACO/APPS ``input_output``: ``{"inputs", "outputs", "fn_name"?}``; no ``fn_name`` → stdin/stdout (an
  input/output may be a list of lines); with ``fn_name`` → call-based, each input the positional args, each
  output the return value (usually wrapped in a one-element list). LeetCode ``class Solution`` included.
- CodeContests: ``public_tests`` / ``private_tests`` / ``generated_tests`` as ``{"input": [...],
  "output": [...]}``; ``time_limit`` (``{"seconds", "nanos"}`` or seconds), ``memory_limit_bytes``.
- LiveCodeBench: ``public_test_cases`` / ``private_test_cases`` (JSON, or base64(zlib(pickle(JSON str)))),
  each ``{"input", "output", "testtype": "stdin"|"functional"}``; ``metadata.func_name``. Functional
  inputs are newline-separated JSON values, one per argument.

The pickled private tests are decoded with an unpickler that admits only ``str`` (no globals, so no
code runs) after a size-capped decompression; plain ``pickle.loads`` is never used on dataset fields.
"""

from __future__ import annotations

import base64
import io
import pickle
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

from redstar_data.errors import RedstarError
from redstar_data.verify.code.compare import loads_json

MAX_DECODED_BYTES = 512 << 20


class CodeTestsError(RedstarError):
    """A problem's tests cannot be read: names the field and what was found."""


@dataclass
class TestCase:
    __test__ = False  # not a pytest class

    """One test. ``input`` is the stdin text (stdin mode) or the positional args (call mode)."""

    input: Any
    output: Any
    origin: str = "tests"  # public | private | generated | tests


@dataclass
class CodeSpec:
    """Everything the verifier needs to judge programs for one problem."""

    mode: Literal["stdin", "call"]
    tests: list[TestCase]
    fn_name: str | None = None
    starter_code: str = ""
    time_limit_s: float | None = None
    memory_mb: int | None = None
    special_judge: bool = False  # several outputs are valid: exact comparison cannot judge it
    checker: str | None = None  # a checker program, when the source gives one (not run yet: see docs)
    float_tol: float | None = None  # token tolerance, only where the problem allows it
    case_insensitive: bool = False  # letter case ignored, only where the problem says so (YES/yes)
    any_valid_output: bool = False  # the statement accepts any valid answer: a mismatch proves nothing
    any_order: bool = False  # call mode: the statement accepts the returned elements in any order
    unwrap_single: bool = True  # call mode: expected values are answers wrapped as [value] (TACO/APPS)
    invalid_tests: list[int] = field(default_factory=list)  # indices known to be wrong, skipped
    format: str = "taco"

    def runnable(self) -> list[tuple[int, TestCase]]:
        skip = set(self.invalid_tests)
        return [(i, t) for i, t in enumerate(self.tests) if i not in skip]


# The problem ``meta`` keys the readers below use (every other source column in meta is not the verifier's:
# solutions, descriptions...). The RL export carries these with ``tests`` so the reward runs what the catalog's
# verifier runs: CodeContests' private/generated and LiveCodeBench's private tests live here, not in ``tests``.
SPEC_META_KEYS = (
    "public_tests", "private_tests", "generated_tests", "public_test_cases", "private_test_cases", "metadata",
    "input_output", "starter_code", "time_limit", "memory_limit_bytes", "memory_limit", "multiple_valid_outputs",
    "special_judge", "spj", "checker", "float_tolerance", "float_tol", "invalid_tests", "known_test_defects",
    "case_insensitive",
)  # fmt: skip


# ------------------------------------------------------------------------------------ restricted decode


class _StrOnlyUnpickler(pickle.Unpickler):
    """Admits no globals at all: a pickle of a str (or of basic containers) loads, anything that would
    import or call something raises."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from a dataset field")


def decode_pickled_json(text: str) -> Any:
    """LiveCodeBench's ``base64(zlib(pickle(json_str)))`` → the JSON value, safely."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=False)
        d = zlib.decompressobj()
        data = d.decompress(raw, MAX_DECODED_BYTES)
        if d.unconsumed_tail:
            raise CodeTestsError(f"compressed tests expand past {MAX_DECODED_BYTES >> 20} MiB")
        value = _StrOnlyUnpickler(io.BytesIO(data)).load()
    except CodeTestsError:
        raise
    except Exception as exc:
        raise CodeTestsError(f"private_test_cases: not base64(zlib(pickle(json))): {exc}") from exc
    if not isinstance(value, str):
        raise CodeTestsError(
            f"private_test_cases: the pickle holds a {type(value).__name__}, not a JSON string"
        )
    return loads_json(value)


def _json(value: Any, where: str) -> Any:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        try:
            return loads_json(s)
        except ValueError as exc:
            raise CodeTestsError(f"{where}: not JSON ({exc})") from exc
    return value


def _lines(x: Any) -> str:
    """stdin/stdout text: TACO sometimes stores a list of lines."""
    if isinstance(x, list):
        return "\n".join(str(v) for v in x) + ("\n" if x else "")
    return "" if x is None else str(x)


# ----------------------------------------------------------------------------------------------- readers


def from_input_output(io_obj: Any, *, starter_code: str = "") -> CodeSpec:
    """TACO/APPS ``input_output``."""
    d = _json(io_obj, "input_output")
    if not isinstance(d, dict) or "inputs" not in d or "outputs" not in d:
        raise CodeTestsError("input_output: expected an object with 'inputs' and 'outputs'")
    ins, outs = d["inputs"], d["outputs"]
    if not isinstance(ins, list) or not isinstance(outs, list) or len(ins) != len(outs):
        raise CodeTestsError(f"input_output: inputs and outputs must be lists of one length "
                              f"({len(ins) if isinstance(ins, list) else '?'} vs "
                              f"{len(outs) if isinstance(outs, list) else '?'})")  # fmt: skip
    fn = d.get("fn_name")
    if fn:
        lcb = _lcb_functional(ins, outs)
        if lcb is not None:  # LiveCodeBench functional tests carried in input_output: not wrapped
            return CodeSpec(mode="call", tests=lcb, fn_name=str(fn), starter_code=starter_code,
                            unwrap_single=False)  # fmt: skip
        tests = [TestCase(a if isinstance(a, list) else [a], o) for a, o in zip(ins, outs, strict=True)]
        # TACO/APPS wrap return values as [value] (Codewars rows), not always consistently (LeetCode rows
        # do not): their judge accepts both, and so does redstar; the format decides, not one row's outputs
        return CodeSpec(mode="call", tests=tests, fn_name=str(fn), starter_code=starter_code)
    tests = [TestCase(_lines(a), _lines(o)) for a, o in zip(ins, outs, strict=True)]
    return CodeSpec(mode="stdin", tests=tests, starter_code=starter_code)


def _json_lines(text: str) -> list[Any] | None:
    """LiveCodeBench's functional input: one JSON value per line (one per argument); None if it is not."""
    try:
        return [loads_json(line) for line in text.split("\n") if line.strip()]
    except ValueError:
        return None


def _lcb_functional(ins: list[Any], outs: list[Any]) -> list[TestCase] | None:
    """Call-based tests whose inputs are LiveCodeBench text (newline-separated JSON arguments) and whose
    outputs are JSON text, as converters that keep LCB's strings write them; None for TACO's lists of
    args. Every input and output must parse, so a bare string argument is never misread."""
    if not ins or not all(isinstance(x, str) for x in [*ins, *outs]):
        return None
    tests = []
    for a, o in zip(ins, outs, strict=True):
        args = _json_lines(a)
        if not args:
            return None
        try:
            value = loads_json(o)
        except ValueError:
            return None
        tests.append(TestCase(args, value))
    return tests


def _cc_tests(obj: Any, origin: str) -> list[TestCase]:
    d = _json(obj, f"{origin}_tests")
    if not d:
        return []
    ins, outs = d.get("input") or [], d.get("output") or []
    if len(ins) != len(outs):
        raise CodeTestsError(f"{origin}_tests: {len(ins)} inputs but {len(outs)} outputs")
    return [TestCase(_lines(a), _lines(o), origin) for a, o in zip(ins, outs, strict=True)]


def from_code_contests(row: dict[str, Any]) -> CodeSpec:
    """CodeContests: public, then private, then generated tests (the order a judge would use)."""
    tests: list[TestCase] = []
    for origin in ("public", "private", "generated"):
        tests += _cc_tests(row.get(f"{origin}_tests"), origin)
    tl = row.get("time_limit")
    seconds = None
    if isinstance(tl, dict):
        seconds = float(tl.get("seconds") or 0) + float(tl.get("nanos") or 0) / 1e9 or None
    elif isinstance(tl, (int, float)):
        seconds = float(tl)
    mem = row.get("memory_limit_bytes")
    return CodeSpec(mode="stdin", tests=tests, time_limit_s=seconds,
                    memory_mb=int(mem) >> 20 if mem else None, format="code_contests")  # fmt: skip


def _lcb_cases(value: Any, origin: str) -> list[dict[str, Any]]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        s = value.strip()
        cases = loads_json(s) if s[:1] in "[{" else decode_pickled_json(s)
    else:
        cases = value
    if not isinstance(cases, list):
        raise CodeTestsError(f"{origin}_test_cases: expected a list of test objects")
    return cases


def from_livecodebench(row: dict[str, Any]) -> CodeSpec:
    """LiveCodeBench code_generation(_lite)."""
    cases = [(c, "public") for c in _lcb_cases(row.get("public_test_cases"), "public")]
    cases += [(c, "private") for c in _lcb_cases(row.get("private_test_cases"), "private")]
    meta = _json(row.get("metadata"), "metadata") or {}
    starter = str(row.get("starter_code") or "")
    fn = (meta.get("func_name") if isinstance(meta, dict) else None) or fn_name_from_starter(starter)
    functional = any(c.get("testtype") == "functional" for c, _ in cases)
    tests: list[TestCase] = []
    for c, origin in cases:
        if functional:
            args = [loads_json(line) for line in str(c["input"]).split("\n") if line.strip()]
            tests.append(TestCase(args, loads_json(c["output"]), origin))
        else:
            tests.append(TestCase(str(c["input"]), str(c["output"]), origin))
    if functional and not fn:
        raise CodeTestsError("functional LiveCodeBench tests without metadata.func_name")
    # LiveCodeBench's outputs are the answers themselves, never wrapped: no expected[0] fallback
    return CodeSpec(mode="call" if functional else "stdin", tests=tests, fn_name=fn if functional else None,
                    starter_code=starter, format="livecodebench", unwrap_single=False)  # fmt: skip


_STARTER_DEF = re.compile(r"^[ \t]*def\s+(\w+)\s*\(", re.M)


def fn_name_from_starter(starter: str) -> str | None:
    """The function a starter code asks for: the first method of ``class Solution`` (LeetCode) or the
    first top-level ``def`` (Codewars, GeeksforGeeks); dunder methods (``__init__``) are not it."""
    names = [m.group(1) for m in _STARTER_DEF.finditer(starter) if not m.group(1).startswith("__")]
    return names[0] if names else None


# ------------------------------------------------------------------------------------------------- entry


def spec_from_row(row: dict[str, Any]) -> CodeSpec:
    """A raw source row (TACO/APPS, CodeContests, LiveCodeBench, or this repo's problems.jsonl shape) →
    CodeSpec, with per-problem metadata (limits, special judge, known-invalid tests)."""
    if any(k in row for k in ("public_test_cases", "private_test_cases")):
        spec = from_livecodebench(row)
    elif any(k in row for k in ("public_tests", "private_tests", "generated_tests")):
        spec = from_code_contests(row)
    else:
        io_obj = row.get("input_output", row.get("tests"))
        if io_obj is None:
            raise CodeTestsError("no tests: expected input_output/tests, *_tests or *_test_cases")
        spec = from_input_output(io_obj, starter_code=str(row.get("starter_code") or ""))
        spec.time_limit_s = _seconds(row.get("time_limit"))
        spec.memory_mb = _megabytes(row.get("memory_limit"))
    _apply_marks(spec, row)
    return spec


def spec_from_catalog(tests: Any, meta: Any, statement: str | None = None) -> CodeSpec:
    """A catalog problem: ``tests`` (the mapped test column) + ``meta`` (the unmapped columns) + its
    ``statement`` (the problem text, which ingest maps out of the row: the statement marks, any-case answers
    and stated float tolerance, are read from it as from a raw row's)."""
    m = _json(meta, "meta") or {}
    if not isinstance(m, dict):
        m = {}
    t = _json(tests, "tests")
    row = dict(m)
    if statement and not any(isinstance(row.get(k), str) for k in STATEMENT_KEYS):
        row["problem"] = statement
    if isinstance(t, dict) and ("input" in t or "output" in t):
        row.setdefault("public_tests", t)  # CodeContests' public_tests mapped onto tests
    elif isinstance(t, list) and t and isinstance(t[0], dict) and "testtype" in t[0]:
        row.setdefault("public_test_cases", t)  # LiveCodeBench's public tests mapped onto tests
    elif t is not None:
        row["input_output"] = t
    return spec_from_row(row)


def _seconds(v: Any) -> float | None:
    """TACO writes '1 second', '2.5 seconds', '1000 ms'; numbers are seconds."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip().lower()
    try:
        num = float(s.split()[0])
    except (ValueError, IndexError):
        return None
    return num / 1000 if "ms" in s or "millisecond" in s else num


def _megabytes(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return int(v)
    s = str(v).strip().lower()
    try:
        num = float(s.split()[0])
    except (ValueError, IndexError):
        return None
    if "kilo" in s or "kb" in s:
        return max(1, int(num / 1024))
    if "giga" in s or "gb" in s:
        return int(num * 1024)
    return int(num)


# where a raw row keeps its statement (TACO/APPS ``question``, LiveCodeBench ``question_content``,
# CodeContests ``description``, problems.jsonl ``problem``)
STATEMENT_KEYS = ("question", "question_content", "description", "problem")

_ANY_CASE = re.compile(
    r"\b(?:print|output|write|answer|letters?|strings?)\b[^.\n]{0,120}?\b(?:in|of) any (?:letter )?case\b"
    r"|\bany case\s*\(\s*upper or lower|\bcase[- ]insensitive\b|\b(?:in|of) any (?:letter )?case\b[^.\n]{0,80}?"
    r"\b(?:recogni[sz]ed|accepted|considered|treated)\b",
    re.I,
)
_TOLERANCE = re.compile(
    r"(?:\b(?:absolute|relative)\b[^.]{0,60}?\berrors?\b|\bdiffers?\b[^.]{0,80}?"
    r"\b(?:at most|no more than|not more than|less than|within)\b)[^.]{0,120}?"
    r"(?:10\s*\^\s*\{?\s*\(?\s*[-−–]\s*(\d{1,2})|\b1\s*[eE]\s*[-−–]\s*(\d{1,2})\b|10\s*<sup>\s*[-−–]\s*(\d{1,2}))"
    # LeetCode's wording: "Answers within 10^-5 of the actual answer will be accepted" (its superscript may
    # be lost in the text: "10-5")
    r"|\bwithin\s+\$?(?:10\s*\^\s*\{?\s*\(?\s*[-−–]\s*(\d{1,2})|\b1\s*[eE]\s*[-−–]\s*(\d{1,2})\b"
    r"|10\s*<sup>\s*[-−–]\s*(\d{1,2})|10\s*[-−–]\s*(\d{1,2})\b)[^.\n]{0,20}?\s+of\s+the\s+"
    r"(?:actual|correct|true|exact|expected|real|right|jury'?s?|judge'?s?)\b",
    re.I | re.S,
)


_ANY_ANSWER = re.compile(
    r"\b(?:multiple|several|many|more than one)\s+(?:possible\s+|valid\s+|correct\s+|optimal\s+)?"
    r"(?:answers?|solutions?|outputs?|ways|arrangements|orders)\b[^.\n]{0,80}?\bany\b(?!\s+(?:letter\s+)?case\b)"
    r"|\b(?:print|output|write|return|find)\s+(?:out\s+)?any\s+(?:one\s+)?(?:of\s+them|valid|correct|possible|optimal|such|suitable)\b"
    r"|\bany\s+(?:valid|correct|possible|optimal|suitable)\s+(?:answer|solution|output|one)\b"
    r"|\b(?:print|output|write)\b[^.\n]{0,60}?\bin\s+any\s+order\b",
    re.I,
)


_ANY_ORDER = re.compile(r"\bin\s+any\s+order\b|\border\s+(?:of\s+the\s+\w+\s+)?does\s+not\s+matter\b", re.I)


def any_answer_allowed(statement: str) -> bool:
    """The statement accepts any of several valid outputs ("If there are multiple answers, print any of
    them", "in any order"): its judge runs a checker, so a mismatch with the stored output proves nothing,
    while an exact match still proves the program right."""
    return bool(statement) and _ANY_ANSWER.search(statement) is not None


def any_case_allowed(statement: str) -> bool:
    """The statement lets the answer be printed in any letter case ("You can output YES and NO in any
    case", Codeforces): its judge compares case-insensitively, so redstar does too for that problem only."""
    return bool(statement) and _ANY_CASE.search(statement) is not None


def stated_tolerance(statement: str) -> float | None:
    """The float tolerance a statement grants ("absolute or relative error does not exceed 10^{-6}")."""
    m = _TOLERANCE.search(statement) if statement else None
    if m is None:
        return None
    return 10.0 ** -int(next(g for g in m.groups() if g))


def _apply_marks(spec: CodeSpec, row: dict[str, Any]) -> None:
    """Special-judge / multiple-valid-output marks, a checker, float tolerance, known-invalid tests."""
    if row.get("multiple_valid_outputs") or row.get("special_judge") or row.get("spj"):
        spec.special_judge = True
    statement = next((row[k] for k in STATEMENT_KEYS if isinstance(row.get(k), str)), "")
    if row.get("case_insensitive") is True or (spec.mode == "stdin" and any_case_allowed(statement)):
        spec.case_insensitive = True
    if spec.mode == "stdin" and any_answer_allowed(statement):
        spec.any_valid_output = True
    if spec.mode == "call" and _ANY_ORDER.search(statement or ""):
        spec.any_order = True
    stated = stated_tolerance(statement)  # stdin tokens, and call-based float return values (LeetCode)
    if stated is not None:
        spec.float_tol = stated
    checker = row.get("checker")
    if isinstance(checker, str) and checker.strip():
        spec.checker = checker
    tol = row.get("float_tolerance", row.get("float_tol"))  # explicit metadata beats the statement
    if isinstance(tol, (int, float)) and tol > 0:
        spec.float_tol = float(tol)
    bad = row.get("invalid_tests")
    if isinstance(bad, list):
        spec.invalid_tests = sorted({int(i) for i in bad if isinstance(i, int)})
    for note in row.get("known_test_defects") or []:
        # "test index 156: ..." → skip test 156 (the data is wrong, not the program)
        s = str(note)
        if s.startswith("test index "):
            try:
                spec.invalid_tests = sorted({*spec.invalid_tests, int(s[len("test index ") :].split(":")[0])})
            except ValueError:
                pass
