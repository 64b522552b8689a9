"""Program extraction from long responses, on the dev data's raw responses and on the edge cases."""

from __future__ import annotations

import json
import signal
import time

import pytest
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


# ---- long-CoT response styles (the code-audit of 2026-12-02)


@pytest.mark.parametrize("tag", ["python", "python3", "py", "Python", "PYTHON3", "py3", ""])
def test_python_fence_tags_and_untagged(tag):
    p = extract_program(f"</think>\nSolution:\n```{tag}\nn = int(input())\nprint(n)\n```\n")
    assert p is not None and p.language == "python" and p.code == "n = int(input())\nprint(n)\n"


@pytest.mark.parametrize(
    "trailer",
    [
        "Example input:\n```\n3\n1 2 3\n```\nOutput:\n```\n6\n```\n",  # untagged sample data
        "Output:\n```\nYES\n```\n",  # an untagged word parses as a Python name: still data
        "Run it:\n```bash\necho 3 | python3 sol.py\n```\n",
        "```text\n6\n```\n",
        "```pycon\n>>> solve()\n6\n```\n",
    ],
)
def test_sample_blocks_after_the_program_are_not_the_program(trailer):
    resp = f"</think>\n```python\nprint(sum(map(int, open(0).read().split()[1:])))\n```\n{trailer}"
    assert extract_program(resp).code.startswith("print(sum(")


def test_a_usage_snippet_after_a_call_based_solution_is_not_the_submission():
    resp = ("</think>\n```python\ndef add(a, b):\n    return a + b\n```\nUsage:\n```python\nprint(add(1, 2))  # 3\n```\n")  # fmt: skip
    assert extract_program(resp, mode="call", fn_name="add").code.startswith("def add(")
    # without the problem's mode the last program wins (as before)
    assert extract_program(resp).code.startswith("print(add(")


def test_a_test_harness_after_a_stdin_program_is_not_the_submission():
    resp = (
        "</think>\n```python\nimport sys\ndef main():\n    print(sys.stdin.read().count('a'))\nmain()\n```\n"
        "Test:\n```python\nimport io, sys\nsys.stdin = io.StringIO('aba')\nmain()\n```\n"
    )
    assert extract_program(resp, mode="stdin").code.startswith("import sys\ndef main")


@pytest.mark.parametrize(
    "block, lang",
    [
        ("#include <bits/stdc++.h>\nusing namespace std;\nint main(){int n;cin>>n;cout<<n;}\n", "cpp"),
        ("public class Main {\n  public static void main(String[] a){System.out.println(1);}\n}\n", "java"),
    ],
)
def test_untagged_cpp_or_java_is_recognised_not_run_as_python(block, lang):
    p = extract_program(f"</think>\nHere is the solution:\n```\n{block}```\n")
    assert p.language == lang


def test_a_python_program_wins_over_a_later_cpp_version_and_a_cpp_only_answer_is_reported():
    both = "</think>\n```python\nprint(1)\n```\nIn C++:\n```cpp\nint main(){}\n```\n"
    assert extract_program(both).language == "python"
    assert extract_program("</think>\n```java\nclass A {}\n```\n").language == "java"


def test_broken_untagged_python_is_still_the_submission():
    p = extract_program("</think>\n```\ndef f(:\n    return 1\n```\n")
    assert p.language == "python" and p.code.startswith("def f(:")


def test_a_fence_indented_under_a_list_item_is_dedented():
    resp = "</think>\n1. The program:\n   ```python\n   n = int(input())\n   if n:\n       print(n)\n   ```\n"
    p = extract_program(resp)
    assert p.code == "n = int(input())\nif n:\n    print(n)\n"
    compile(p.code, "x", "exec")


def test_crlf_responses():
    resp = "<think>\r\nhmm\r\n</think>\r\n```python\r\nprint(1)\r\n```\r\n"
    assert extract_program(resp).code == "print(1)\n"


def test_data_and_shell_blocks_are_never_the_program_nor_its_language():
    assert extract_program("</think>\n```bash\npython3 sol.py < in.txt\n```\n") is None
    p = extract_program("</think>\n```cpp\nint main(){}\n```\nOutput:\n```text\n3\n```\n")
    assert p.language == "cpp"


def test_stdin_readers_the_mode_aware_choice_recognises():
    final = {
        "input": "n = int(input())\nprint(n)\n",
        "sys.stdin": "import sys\nprint(sys.stdin.read())\n",
        "sys.__stdin__": "import sys\nprint(sys.__stdin__.read())\n",
        "open(0)": "print(open(0).read())\n",
        "buffer": "import sys\nprint(sys.stdin.buffer.read().decode())\n",
        "os.read": "import os\nprint(os.read(0, 1 << 20).decode())\n",
    }
    for code in final.values():
        resp = f"</think>\n```python\nx = input()\n```\nFinal:\n```python\n{code}```\nCheck:\n```python\nassert 1 + 1 == 2\n```\n"
        assert extract_program(resp, mode="stdin").code == code


@pytest.mark.parametrize(
    "driver",
    [
        "from unittest.mock import patch\nwith patch('sys.stdin', io.StringIO('3\\n1 2 3\\n')):\n    main()\n",
        "with mock.patch.object(sys, 'stdin', io.StringIO('3\\n1 2 3\\n')):\n    main()\n",
        "def test_main(monkeypatch, capsys):\n    monkeypatch.setattr('sys.stdin', io.StringIO('3\\n1 2 3'))\n"
        "    main()\n",
        "setattr(sys, 'stdin', io.StringIO('3\\n1 2 3\\n'))\nmain()\n",
    ],
)
def test_a_test_driver_that_patches_stdin_is_not_the_submission(driver):
    program = "def main():\n    input()\n    print(sum(map(int, input().split())))\nmain()\n"
    r = f"</think>\n```python\n{program}```\nTest it:\n```python\nimport io, sys\n{driver}```\n"
    assert extract_program(r, mode="stdin").code == program


@pytest.mark.parametrize(
    "program",
    [
        "I = input\nn = int(I())\nprint(sum(map(int, I().split())))\n",  # input aliased, never called by name
        "from sys import stdin\nd = stdin.read().split()\nprint(sum(map(int, d[1:])))\n",
        "import os\nd = os.read(0, 1 << 20).split()\nprint(sum(map(int, d[1:])))\n",
        "import fileinput\nd = [x for line in fileinput.input() for x in line.split()]\nprint(sum(map(int, d[1:])))\n",
    ],
)
@pytest.mark.parametrize(
    "snippet",
    [
        "print(sum([1, 2, 3]))  # 6\n",
        "# the same logic without reading stdin, on the first sample input:\nprint(sum([1, 2, 3]))\n",
        "import subprocess\nsubprocess.run(['python3', 'a.py'], input='3\\n1 2 3\\n', text=True)\n",
    ],
)
def test_the_program_that_reads_stdin_wins_over_a_later_snippet(program, snippet):
    r = f"</think>\n```python\n{program}```\nCheck:\n```python\n{snippet}```\n"
    assert extract_program(r, mode="stdin").code == program
