"""Quality flags on traces."""

from __future__ import annotations

import pytest

from redstar_data.verify.code.judge import CodeVerifier
from redstar_data.verify.filters import FILTER_VERSION, flag_trace, truncation

GOOD = "Let me compute. " * 10 + "So the answer is \\boxed{42}."


def names(text: str, finish: str | None = "stop", **kw: object) -> set[str]:
    return {f for f, _ in flag_trace(text, finish, **kw)}


def test_clean_trace_has_no_flags() -> None:
    assert names(GOOD) == set()
    assert FILTER_VERSION


@pytest.mark.parametrize(
    ("text", "finish", "flag"),
    [
        (GOOD, "length", "truncated"),
        ("<think>" + "hmm " * 50, "stop", "truncated"),
        ("We tried many things but " * 5 + "never concluded anything", "stop", "no_final_answer"),
        (GOOD[:-30] + "wait, let me recheck. " * 40, "stop", "repetition"),
        (GOOD + " 所以答案是四十二，我们已经验证过这个结果是正确的。", "stop", "language_mixing"),
        ("\\boxed{1}", "stop", "too_short"),
    ],
)
def test_flags(text: str, finish: str | None, flag: str) -> None:
    assert flag in names(text, finish)


def test_too_long_and_detail() -> None:
    flags = dict(flag_trace(GOOD, None, max_chars=100))
    assert flags["too_long"].startswith(str(len(GOOD)))


def test_a_few_cjk_chars_or_a_chinese_trace_are_not_mixing() -> None:
    assert "language_mixing" not in names(GOOD + " (π ≈ 3.14, 注)")
    assert "language_mixing" not in names("解：" + "因为二加二等于四，" * 20 + "\\boxed{4}")


CODE_OK = (
    "<think>" + "Read n, print twice n. " * 5 + "</think>\nSo:\n```python\nprint(int(input()) * 2)\n```\n"
)
CODE_NONE = (
    "<think>" + "Read n, print twice n. " * 5 + "</think>\nI could not finish the program in time, sorry."
)


def test_a_code_traces_final_answer_is_its_program() -> None:
    """The code verifier's reader (what the flags stage uses for domain code): the final program."""
    code = CodeVerifier.final_answer
    assert "no_final_answer" not in names(CODE_OK, final_answer=code)
    assert "no_final_answer" in names(CODE_NONE, final_answer=code)
    assert code(CODE_OK) == "print(int(input()) * 2)\n"
    # a sample run is not a program (1.4.1): the verifier labels such a trace no_answer
    sample_only = CODE_NONE + "\nExpected output:\n```text\n6\n```\n```\n3\n1 2 3\n```\n"
    assert "no_final_answer" in names(sample_only, final_answer=code)
    # maths (the default reader, and a trace without a problem row) is unchanged: no boxed answer, flagged
    assert "no_final_answer" in names(CODE_OK)
    assert "no_final_answer" not in names(GOOD)


def test_truncation_of_an_imported_code_trace_looks_for_a_program() -> None:
    text = CODE_OK + "Time complexity is linear and memory is constant " * 25 + "and"
    assert truncation(text, "import", CodeVerifier.final_answer) is None
    assert truncation(text, "import") == "stops mid-sentence with no final answer"
    assert "truncated" in names(text, "import")
    assert "truncated" not in names(text, "import", final_answer=CodeVerifier.final_answer)
