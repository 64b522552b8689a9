"""Real-style long-CoT responses judged end to end through the real sandbox: ways of reading stdin, a
``__main__`` guard, ``class Solution`` vs a bare function, trailing sample blocks, other languages, list
answers, and statement marks (the code-audit of 2026-12-02)."""

from __future__ import annotations

import json

import pytest

from redstar_data.verify.code.formats import any_answer_allowed, spec_from_row
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


@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        ("If there are multiple answers, print any of them.", True),
        ("If there are several solutions, output any.", True),
        ("If there is more than one solution, print any", True),
        ("Output any valid answer.", True),
        ("Print the indices in any order.", True),
        ("Find any such pair and print it.", True),
        ("You can print each letter in any case (upper or lower).", False),
        ("It is guaranteed that any two cities are connected by a road.", False),
        ("If there are multiple test cases, answer each of them.", False),
        ("For any i, 1 <= a_i <= 10^9. Print the answer modulo 998244353.", False),
    ],
)
def test_statements_that_accept_any_valid_answer(statement, allowed):
    assert any_answer_allowed(statement) is allowed


def test_another_valid_output_is_unverifiable_not_incorrect(sandbox):
    """A statement that accepts any valid answer: an exact match on every test still passes, a crash is still
    an error, but a different output proves nothing (its judge would run a checker) and is not ``incorrect``."""
    row = {"input_output": {"inputs": ["4\n"], "outputs": ["1 3\n"]},
           "question": "Print two positive integers a and b with a + b = n. If there are multiple answers, "
                       "print any of them."}  # fmt: skip
    v = CodeVerifier(timeout_s=5)
    assert v.check(_resp("n = int(input())\nprint(1, n - 1)\n"), row).label == "correct"
    other = v.check(_resp("n = int(input())\nprint(n - 1, 1)\n"), row)
    assert (other.label, other.method) == ("unverifiable", "any_valid_output")
    assert v.check(_resp("raise SystemExit(1 / 0)\n"), row).label == "error"
    plain = {"input_output": row["input_output"], "question": "Print 1 and n - 1."}
    assert v.check(_resp("n = int(input())\nprint(n - 1, 1)\n"), plain).label == "incorrect"


def test_call_answers_in_any_order_compare_as_multisets(sandbox):
    """LeetCode's "return the answer in any order": the returned lists compare as multisets at every level;
    without that sentence order matters, and a multiset with a wrong element still fails."""
    tests = {"fn_name": "pairs", "inputs": [[[1, 2, 3, 4], 5]], "outputs": [[[[1, 4], [2, 3]]]]}
    stated = {"input_output": tests, "starter_code": "class Solution:\n    def pairs(self, nums, t):\n",
              "question": "Return all pairs of nums that sum to t. You may return the answer in any order."}  # fmt: skip
    code = (
        "class Solution:\n    def pairs(self, nums, t):\n"
        "        return [[b, a] for a in nums for b in nums if a < b and a + b == t]\n"
    )
    wrong = "class Solution:\n    def pairs(self, nums, t):\n        return [[3, 2], [4, 0]]\n"
    v = CodeVerifier(timeout_s=5)
    assert v.check(_resp(code), stated).label == "correct"
    assert v.check(_resp(wrong), stated).label == "incorrect"
    unstated = {**stated, "question": "Return all pairs of nums that sum to t."}
    assert v.check(_resp(code), unstated).label == "incorrect"


@pytest.mark.parametrize(
    "code, label",
    [
        ("import numpy as np\ndef f(a):\n    return np.sum(a, dtype=np.int64)\n", "correct"),  # np.int64
        ("import numpy as np\ndef f(a):\n    return np.int64(sum(a)) > 0\n", "incorrect"),  # np.bool_, not 6
        (
            "import numpy as np\ndef f(a):\n    return np.array([sum(a)])\n",
            "incorrect",
        ),  # an array is no answer
    ],
)
def test_numpy_scalar_returns_cross_as_their_values(sandbox, code, label):
    row = {"input_output": {"fn_name": "f", "inputs": [[[1, 2, 3]], [[4]]], "outputs": [[6], [4]]}}
    assert CodeVerifier(timeout_s=10).check(_resp(code), row).label == label


def test_numpy_bool_returns_compare_as_bools(sandbox):
    row = {"input_output": {"fn_name": "f", "inputs": [[4], [3]], "outputs": [[True], [False]]}}
    code = "import numpy as np\ndef f(n):\n    return np.int64(n) % 2 == 0\n"
    assert CodeVerifier(timeout_s=10).check(_resp(code), row).label == "correct"


def test_call_based_answers_past_the_int_str_limit(sandbox):
    big = "1" + "0" * 5000  # 10**5000: past CPython's 4300-digit int-str limit on the host
    row = {"input_output": f'{{"fn_name": "p", "inputs": [[5000], [2]], "outputs": [[{big}], [100]]}}'}
    v = CodeVerifier(timeout_s=10)
    assert v.check(_resp("def p(n):\n    return 10 ** n\n"), row).label == "correct"
    wrong = v.check(_resp("def p(n):\n    return 10 ** n + 1\n"), row)
    assert wrong.label == "incorrect" and "4300 digits" in wrong.details["first_failure"]["reason"]


def test_a_stated_tolerance_reaches_call_based_comparison(sandbox):
    row = {"question_content": "Return the mean. Answers within 10^-5 of the actual answer will be accepted.",
           "public_test_cases": json.dumps([{"input": "[1, 1, 2]", "output": "1.3333333333333333",
                                             "testtype": "functional"}]),
           "metadata": json.dumps({"func_name": "mean"})}  # fmt: skip
    v = CodeVerifier(timeout_s=10)
    assert v.check(_resp("def mean(a):\n    return round(sum(a) / len(a), 5)\n"), row).label == "correct"
    assert v.check(_resp("def mean(a):\n    return round(sum(a) / len(a), 2)\n"), row).label == "incorrect"
