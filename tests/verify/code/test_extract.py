"""Program extraction from long responses, on the dev data's raw responses and on the edge cases."""

from __future__ import annotations

import json

from redstar_data.verify.code.extract import extract_program


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
