"""A handful of code problems for the offline demo, in TACO/APPS ``input_output`` format.

Each problem carries ``demo_programs`` (one right program and plausible wrong ones: an off-by-one, a
missed case, a too-slow loop, a crash), which ingest keeps in ``problems.meta``; the scripted teacher (an
OFFLINE STAND-IN, not a model) writes long-CoT responses ending in one of them, so the demo's verify stage
runs real programs in the real sandbox. Written by hand for this repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CODE_PROBLEMS: list[dict[str, Any]] = [
    {
        "id": "demo-code-sum",
        "question": "Read two integers a and b from one line and print a + b.",
        "input_output": {
            "inputs": ["2 3\n", "-5 5\n", "1000000000 1000000000\n"],
            "outputs": ["5\n", "0\n", "2000000000\n"],
        },
        "difficulty": "EASY",
        "demo_programs": {
            "right": "a, b = map(int, input().split())\nprint(a + b)\n",
            "wrong": [
                "a, b = map(int, input().split())\nprint(a - b)\n",
                "print(sum(map(int, input().split())) + 1)\n",
            ],
        },
    },
    {
        "id": "demo-code-max-subarray",
        "question": "The first line holds n, the second n integers. Print the largest sum of a non-empty "
        "contiguous subarray.",
        "input_output": {
            "inputs": ["5\n1 -2 3 4 -1\n", "3\n-3 -1 -2\n", "1\n7\n"],
            "outputs": ["7\n", "-1\n", "7\n"],
        },
        "difficulty": "MEDIUM",
        "demo_programs": {
            "right": "n = int(input())\na = list(map(int, input().split()))\nbest = cur = a[0]\n"
            "for x in a[1:]:\n    cur = max(x, cur + x)\n    best = max(best, cur)\nprint(best)\n",
            "wrong": [
                "n = int(input())\na = list(map(int, input().split()))\nbest = cur = 0\n"
                "for x in a:\n    cur = max(0, cur + x)\n    best = max(best, cur)\nprint(best)\n",
                "n = int(input())\na = list(map(int, input().split()))\nprint(sum(x for x in a if x > 0))\n",
            ],
        },
    },
    {
        "id": "demo-code-palindrome",
        "question": "Write a function is_palindrome(s) that returns True when the string s reads the same "
        "forwards and backwards, ignoring case.",
        "input_output": {
            "fn_name": "is_palindrome",
            "inputs": [["Level"], ["abc"], [""], ["Abba"]],
            "outputs": [[True], [False], [True], [True]],
        },  # fmt: skip
        "difficulty": "EASY",
        "demo_programs": {
            "right": "def is_palindrome(s):\n    t = s.lower()\n    return t == t[::-1]\n",
            "wrong": ["def is_palindrome(s):\n    return s == s[::-1]\n"],
        },
    },
    {
        "id": "demo-code-primes",
        "question": "Read n (1 <= n <= 10^6) and print how many primes are at most n.",
        "input_output": {"inputs": ["10\n", "1\n", "1000000\n"], "outputs": ["4\n", "0\n", "78498\n"]},
        "difficulty": "MEDIUM",
        "demo_programs": {
            "right": "n = int(input())\ns = bytearray([1]) * (n + 1)\ns[0:2] = b'\\x00\\x00'[: n + 1]\n"
            "for i in range(2, int(n ** 0.5) + 1):\n    if s[i]:\n        s[i * i :: i] = bytearray(len(s[i * i :: i]))\n"
            "print(sum(s))\n",
            "wrong": [
                "n = int(input())\nprint(sum(all(k % d for d in range(2, k)) for k in range(2, n + 1)))\n",
                "n = int(input())\nprint(len([k for k in range(2, n) if all(k % d for d in range(2, int(k ** 0.5) + 1))]))\n",
            ],
        },
    },
    {
        "id": "demo-code-two-sum",
        "question": "LeetCode style: implement class Solution with twoSum(self, nums, target) returning the "
        "indices [i, j] (i < j) of the two numbers that add up to target.",
        "input_output": {
            "fn_name": "twoSum",
            "inputs": [[[2, 7, 11, 15], 9], [[3, 2, 4], 6], [[3, 3], 6]],
            "outputs": [[0, 1], [1, 2], [0, 1]],
        },  # fmt: skip
        "starter_code": "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n",
        "difficulty": "EASY",
        "demo_programs": {
            "right": "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
            "        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n"
            "                return [seen[target - x], i]\n            seen[x] = i\n",
            "wrong": [
                "class Solution:\n    def twoSum(self, nums, target):\n        for i in range(len(nums)):\n"
                "            for j in range(len(nums)):\n                if nums[i] + nums[j] == target:\n"
                "                    return [i, j]\n",
                "class Solution:\n    def twoSum(self, nums, target):\n        return nums.index(target)\n",
            ],
        },
    },
    {
        "id": "demo-code-balanced",
        "question": "Read a string of brackets ()[]{} and print YES if it is balanced, otherwise NO.",
        "input_output": {
            "inputs": ["([]{})\n", "(]\n", "((\n", "\n", "([)]\n"],
            "outputs": ["YES\n", "NO\n", "NO\n", "YES\n", "NO\n"],
        },
        "difficulty": "HARD",
        "demo_programs": {
            "right": "s = input().strip()\nst = []\npair = {')': '(', ']': '[', '}': '{'}\nok = True\n"
            "for c in s:\n    if c in '([{':\n        st.append(c)\n    elif not st or st.pop() != pair[c]:\n"
            "        ok = False\n        break\nprint('YES' if ok and not st else 'NO')\n",
            "wrong": [
                "s = input().strip()\nprint('YES' if s.count('(') == s.count(')') and s.count('[') == s.count(']') "
                "and s.count('{') == s.count('}') else 'NO')\n",
                "s = input().strip()\nst = []\nfor c in s:\n    if c in '([{':\n        st.append(c)\n    else:\n"
                "        st.pop()\nprint('YES' if not st else 'NO')\n",
            ],
        },
    },
]


def write_code_problems(path: str | Path) -> Path:
    """Write the demo's code problems as a JSONL file (TACO layout) that ``redstar ingest`` reads."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w") as f:
        for row in CODE_PROBLEMS:
            f.write(
                json.dumps({**row, "domain": "code", "input_output": json.dumps(row["input_output"])}) + "\n"
            )
    return p
