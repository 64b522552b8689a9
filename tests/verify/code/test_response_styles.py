"""Real-style long-CoT responses judged end to end through the real sandbox: ways of reading stdin, a
``__main__`` guard, ``class Solution`` vs a bare function, trailing sample blocks, other languages, list
answers, and statement marks (the code-audit of 2026-12-02)."""

from __future__ import annotations

import json

import pytest

from redstar_data.verify.code.formats import spec_from_row
from redstar_data.verify.code.judge import CodeVerifier

SUM_ROW = {"input_output": {"inputs": ["3\n1 2 3\n", "2\n5 5\n"], "outputs": ["6\n", "10\n"]}}


def _resp(code: str, after: str = "") -> str:
    return f"<think>\nLet me think.\n```python\nprint('draft')\n```\n</think>\nFinal answer:\n```python\n{code}```\n{after}"


@pytest.mark.parametrize(
    "code",
    [
        "n = int(input())\nprint(sum(map(int, input().split())))\n",
        "import sys\nd = sys.stdin.read().split()\nprint(sum(map(int, d[1:])))\n",
        "d = open(0).read().split()\nprint(sum(map(int, d[1:])))\n",
        "import sys\nd = sys.stdin.buffer.read().split()\nprint(sum(map(int, d[1:])))\n",
        "import sys\ninput = sys.stdin.readline\ndef main():\n    input()\n    print(sum(map(int, input().split())))\n"
        "if __name__ == '__main__':\n    main()\n",
        "from sys import stdin\nlines = stdin.readlines()\nprint(sum(map(int, lines[1].split())))\n",
        "import sys\nlines = sys.__stdin__.read().split('\\n')\nprint(sum(map(int, lines[1].split())))\n",
    ],
)
def test_ways_of_reading_stdin(sandbox, code):
    v = CodeVerifier(timeout_s=5).check(_resp(code, "Example:\n```\n3\n1 2 3\n```\n"), SUM_ROW)
    assert v.label == "correct", v.details


def test_usage_snippet_after_the_program_and_class_solution_for_a_bare_fn_name(sandbox):
    row = {"input_output": {"fn_name": "add", "inputs": [[1, 2], [3, 4]], "outputs": [[3], [7]]}}
    wrapped = "class Solution:\n    def add(self, a, b):\n        return a + b\n"
    v = CodeVerifier(timeout_s=5).check(
        _resp(wrapped, "Usage:\n```python\nprint(Solution().add(1, 2))\n```\n"), row
    )
    assert v.label == "correct", v.details
    bare_for_leetcode = {"input_output": {"fn_name": "add", "inputs": [[1, 2]], "outputs": [3]},
                         "starter_code": "class Solution:\n    def add(self, a: int, b: int) -> int:\n"}  # fmt: skip
    v = CodeVerifier(timeout_s=5).check(_resp("def add(a, b):\n    return a + b\n"), bare_for_leetcode)
    assert v.label == "correct", v.details


def test_a_scalar_for_a_one_element_list_answer_fails_on_livecodebench(sandbox):
    row = {"public_test_cases": json.dumps([{"input": "[4, 1, 4]", "output": "[4]", "testtype": "functional"}]),
           "metadata": json.dumps({"func_name": "modes"})}  # fmt: skip
    right = "class Solution:\n    def modes(self, a):\n        return [max(set(a), key=a.count)]\n"
    wrong = "class Solution:\n    def modes(self, a):\n        return max(set(a), key=a.count)\n"
    v = CodeVerifier(timeout_s=5)
    assert v.check(_resp(right), row).label == "correct"
    assert v.check(_resp(wrong), row).label == "incorrect"


def test_cpp_answer_is_an_unsupported_language_error_never_run(sandbox):
    resp = "</think>\n```\n#include <iostream>\nint main(){int n; std::cin >> n; std::cout << n;}\n```\n"
    v = CodeVerifier(timeout_s=5).check(resp, SUM_ROW)
    assert v.label == "error" and v.method == "unsupported_language"
    assert "cpp" in v.details["reason"]


def test_yes_no_case_follows_the_statement(sandbox):
    row = {"input_output": {"inputs": ["4\n", "3\n"], "outputs": ["YES\n", "NO\n"]}}
    code = "print('Yes' if int(input()) % 2 == 0 else 'No')\n"
    v = CodeVerifier(timeout_s=5)
    assert v.check(_resp(code), row).label == "incorrect"
    stated = {
        **row,
        "question": "Print YES if n is even. You can print each letter in any case (upper or lower).",
    }
    assert spec_from_row(stated).case_insensitive
    assert v.check(_resp(code), stated).label == "correct"


def test_stated_float_tolerance(sandbox):
    row = {"input_output": {"inputs": ["3\n"], "outputs": ["0.333333333333\n"]},
           "question": "Print 1/n. The answer is accepted if its absolute or relative error does not exceed 10^{-6}."}  # fmt: skip
    v = CodeVerifier(timeout_s=5)
    assert v.check(_resp("print(f'{1/int(input()):.7f}')\n"), row).label == "correct"
    assert v.check(_resp("print(f'{1/int(input()):.3f}')\n"), row).label == "incorrect"
