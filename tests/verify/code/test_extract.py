"""Program extraction from long responses, on the dev data's raw responses and on the edge cases."""

from __future__ import annotations

import json
import signal
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from redstar_data.verify.code.extract import _FENCE, extract_program, fenced_blocks


def test_raw_responses_in_the_dev_data(shared_data):
    rows = [json.loads(x) for x in (shared_data / "code" / "problems.jsonl").read_text().splitlines()]
    raws = [(r["id"], x["response"]) for r in rows for x in r.get("raw_responses") or []]
    assert len(raws) == 4
    for _, resp in raws:
        prog = extract_program(resp)
        assert prog is not None and prog.language == "python"
        assert "```" not in prog.code and prog.code.strip()
        compile(prog.code, "x", "exec")
    sky = next(resp for pid, resp in raws if pid.startswith("taco-cf520C"))
    assert extract_program(sky).code.startswith("import sys\ninput = sys.stdin.readline")


def test_last_block_after_the_reasoning_marker():
    resp = "<think>\n```python\nprint('draft')\n```\n</think>\nFinal:\n```python\nprint('final')\n```\nDone."
    assert extract_program(resp).code == "print('final')\n"


def test_a_program_only_inside_the_reasoning_is_no_answer():
    assert extract_program("<think>\n```python\nprint(1)\n```\n</think>\nI give up.") is None


def test_cut_off_while_thinking_is_no_answer():
    assert extract_program("<think>\nlet me try\n```python\nprint(1)\n```\nhmm") is None


def test_python_block_preferred_over_a_trailing_sample_output():
    resp = "```python\nprint(3)\n```\nSample run:\n```text\n3\n```"
    p = extract_program(resp)
    assert p.code == "print(3)\n" and p.language == "python"


def test_other_language_is_reported():
    p = extract_program("</think>\n```cpp\nint main(){}\n```")
    assert p.language == "cpp"


def test_unclosed_fence_and_no_fence():
    assert extract_program("print(1)") is None
    assert extract_program("```python\nprint(1)\n") is None


def test_the_last_of_several_programs_in_the_answer_wins():
    resp = "</think>\nFirst try:\n```python\nprint('draft')\n```\nFixed version:\n```python\nprint('final')\n```\n"
    assert extract_program(resp).code == "print('final')\n"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["```", "````", "~~~", "py", "python", " ", "\n", "x", "\t", "`", "~", "a=1"]),
                max_size=30).map("".join))  # fmt: skip
def test_fence_scanner_finds_what_the_fence_regex_finds(text):
    """The linear line scanner is the old regex's exact rules (incl. its backtracking to shorter fences)."""
    assert fenced_blocks(text) == [(m.group(2), m.group(3)) for m in _FENCE.finditer(text)]


def test_unclosed_fences_cost_linear_time():
    """The fence regex took 108 s on 59 KB of unclosed fences of different lengths (quadratic); the
    scanner must stay in milliseconds on megabytes of them (CPU time, so machine load does not matter)."""

    def on_alarm(signum, frame):  # noqa: ANN001, ARG001
        raise TimeoutError("fence scanning still running after 30 s of wall time: quadratic again?")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        for text in (
            "\n".join("`" * (3 + i % 50) + "x" for i in range(40_000)),
            "\n".join("`" * (3 + i) for i in range(1_500)),  # ~1.1 MB, every length a possible close
            "`" * 2_000_000 + "\n",
        ):
            t0 = time.process_time()
            extract_program(text)
            assert time.process_time() - t0 < 2.0, len(text)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
