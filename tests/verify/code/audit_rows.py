"""An independent audit set for the code verifier: realistic problems in the real source formats (TACO/APPS
stdin and call-based, LeetCode ``class Solution``, CodeContests, LiveCodeBench with pickled private tests),
hand-written right and wrong programs, and long responses written the way reasoning models write them.

Every case is labelled by what the program does (would a real judge accept it?), not by the verifier's
output. ``expect``: ``correct``; ``wrong`` (any of incorrect / timeout / error); or one exact label
(``no_answer``, ``unverifiable``, ``unsupported`` = an ``error`` whose method is ``unsupported_language``).
"""

from __future__ import annotations

import base64
import json
import pickle
import sys
import zlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    row: dict[str, Any]
    response: str
    expect: str


def lcb_private(cases: list[dict[str, str]]) -> str:
    """LiveCodeBench's real encoding of private tests: base64(zlib(pickle(json string)))."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases)))).decode("ascii")


def fenced(code: str, tag: str = "python") -> str:
    return f"```{tag}\n{code.rstrip()}\n```"


def long_response(code: str, *, tag: str = "python", after: str = "", draft: str = "print('draft')") -> str:
    """A reasoning trace with a draft block inside ``<think>``, then the final fenced program."""
    return (
        "<think>\nOkay, let me read the problem carefully. First idea:\n"
        f"```python\n{draft}\n```\nHmm, wait, that misses a case. Let me reconsider the constraints.\n"
        "</think>\n\n**Approach.** Read the input, compute, print.\n\n"
        f"{fenced(code, tag)}\n{after}"
    )


def _taco_stdin(ins: list[Any], outs: list[Any], question: str = "") -> dict[str, Any]:
    return {
        "question": question,
        "input_output": json.dumps({"inputs": ins, "outputs": outs}),
        "starter_code": "",
    }


def _taco_call(fn: str, ins: list[Any], outs: list[Any], starter: str, question: str = "") -> dict[str, Any]:
    io = {"fn_name": fn, "inputs": ins, "outputs": outs}
    return {"question": question, "input_output": json.dumps(io), "starter_code": starter}


def _cc(public: list[tuple[str, str]], private: list[tuple[str, str]], generated: list[tuple[str, str]],
        description: str = "") -> dict[str, Any]:  # fmt: skip
    def d(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
        return {"input": [a for a, _ in pairs], "output": [b for _, b in pairs]}

    return {"description": description, "public_tests": d(public), "private_tests": d(private),
            "generated_tests": d(generated), "time_limit": {"seconds": 2, "nanos": 0},
            "memory_limit_bytes": 256 << 20}  # fmt: skip


def _lcb(public: list[dict[str, str]], private: list[dict[str, str]], *, content: str = "", starter: str = "",
         func_name: str | None = None, platform: str = "atcoder") -> dict[str, Any]:  # fmt: skip
    meta = {"func_name": func_name} if func_name else {}
    return {"question_title": "t", "question_content": content, "platform": platform, "starter_code": starter,
            "public_test_cases": json.dumps(public), "private_test_cases": lcb_private(private),
            "metadata": json.dumps(meta), "difficulty": "medium"}  # fmt: skip


def _stdin_cases(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"input": a, "output": b, "testtype": "stdin"} for a, b in pairs]


def _fn_cases(pairs: list[tuple[list[Any], Any]]) -> list[dict[str, str]]:
    return [{"input": "\n".join(json.dumps(x) for x in args), "output": json.dumps(out), "testtype": "functional"}
            for args, out in pairs]  # fmt: skip


# ------------------------------------------------------------------------------------------- problems

BIG_N = 100_000
BIG_ARR = " ".join(str((i * 7919) % 1000003) for i in range(BIG_N))


def _array_sum_row() -> dict[str, Any]:
    ins = ["3\n1 2 3\n", "1\n-5\n", "5\n10 20 30 40 50\n", f"{BIG_N}\n{BIG_ARR}\n"]
    outs = ["6\n", "-5\n", "150\n", f"{sum((i * 7919) % 1000003 for i in range(BIG_N))}\n"]
    return _taco_stdin(ins, outs, "Given n integers, print their sum.")


def _pairs_row() -> dict[str, Any]:
    """Count pairs i<j with a_i + a_j == k: the big last test separates O(n log n) from O(n^2)."""
    big = "\n".join([f"{BIG_N} 2", " ".join(["1"] * BIG_N)])
    ins = ["4 5\n1 4 2 3\n", "3 2\n1 1 1\n", big + "\n"]
    outs = ["2\n", "3\n", f"{BIG_N * (BIG_N - 1) // 2}\n"]
    return _taco_stdin(ins, outs, "Count the pairs i<j with a_i+a_j=k.")


def _yes_no_row(any_case: bool) -> dict[str, Any]:
    q = "For each test case print YES if n is even, otherwise NO."
    if any_case:
        q += " You can output YES and NO in any case (for example, strings yEs, yes, Yes will be recognized as a positive response)."
    return _taco_stdin(["3\n2\n3\n10\n", "1\n7\n"], ["YES\nNO\nYES\n", "NO\n"], q)


def _true_false_row() -> dict[str, Any]:
    return _taco_stdin(["4\n", "9\n", "1\n"], ["true\n", "false\n", "true\n"],
                       "Print true if n is a power of two and false otherwise (in lowercase).")  # fmt: skip


def _circle_row(tol_text: bool) -> dict[str, Any]:
    q = "Print the area of a circle of radius r."
    if tol_text:
        q += " Your answer will be considered correct if its absolute or relative error does not exceed 10^{-6}."
    return _taco_stdin(
        ["1\n", "2\n", "10\n"], ["3.141592653590\n", "12.566370614359\n", "314.159265358979\n"], q
    )


def _matrix_row() -> dict[str, Any]:
    return _taco_stdin([["2 3", "1 2 3", "4 5 6"], ["1 1", "7"]], [["1 4", "2 5", "3 6"], ["7"]],
                       "Print the transpose of the matrix, numbers separated by spaces.")  # fmt: skip


def _chain_row() -> dict[str, Any]:
    """Depth of a path tree given by parents: a recursive DFS needs a raised recursion limit."""
    n = 60_000
    big = f"{n}\n" + " ".join(str(i) for i in range(1, n)) + "\n"
    return _taco_stdin(["3\n1 1\n", "4\n1 2 3\n", big], ["1\n", "3\n", f"{n - 1}\n"],
                       "A rooted tree on n vertices: p_2..p_n are parents. Print its height.")  # fmt: skip


def _pow2_row() -> dict[str, Any]:
    return _taco_stdin(["10\n", "20000\n"], ["1024\n", f"{2**20000}\n"], "Print 2^n exactly.")


def _call_rows() -> dict[str, dict[str, Any]]:
    return {
        "evens": _taco_call(
            "get_evens", [[[1, 2, 3, 4]], [[5]], [[]]], [[[2, 4]], [[]], [[]]], "def get_evens(arr):\n\t"
        ),  # fmt: skip
        "minmax": _taco_call("min_max", [[[3, 1, 2]], [[5]]], [[[1, 3]], [[5, 5]]], "def min_max(lst):\n\t"),
        "is_square": _taco_call(
            "is_square", [[4], [3], [0], [-1]], [[True], [False], [True], [False]], "def is_square(n):\n\t"
        ),  # fmt: skip
        "mean": _taco_call(
            "mean", [[[1, 2]], [[1, 2, 2]]], [[1.5], [1.6666666666666667]], "def mean(a):\n\t"
        ),
        "count_upper": _taco_call("count_upper", [["aBC"], [""]], [[2], [0]], "def count_upper(s):\n\t"),
        "big_fact": _taco_call(
            "factorial", [[5], [2000]], [[120], [_factorial(2000)]], "def factorial(n):\n\t"
        ),
    }


def _factorial(n: int) -> int:
    r = 1
    for i in range(2, n + 1):
        r *= i
    return r


LC_STARTER = "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        "
GFG_STARTER = "#User function Template for python3\n\nclass Solution:\n    def maxSum(self, arr, n):\n        # code here\n"


def _leetcode_two_sum() -> dict[str, Any]:
    io = {"fn_name": "twoSum", "inputs": [[[2, 7, 11, 15], 9], [[3, 2, 4], 6], [[3, 3], 6]],
          "outputs": [[0, 1], [1, 2], [0, 1]]}  # fmt: skip
    q = ("Given an array of integers nums and an integer target, return indices of the two numbers such that "
         "they add up to target. You can return the answer in any order.")  # fmt: skip
    return {"question": q, "input_output": json.dumps(io), "starter_code": LC_STARTER}


def _gfg_max_sum() -> dict[str, Any]:
    return _taco_call("maxSum", [[[1, 2, 3], 3], [[-1, -2], 2]], [[6], [-3]], GFG_STARTER,
                      "Return the sum of the array.")  # fmt: skip


def _cc_row() -> dict[str, Any]:
    """Max element minus min element; the last generated test has n=1."""
    return _cc([("3\n1 5 3\n", "4\n")], [("4\n2 2 2 2\n", "0\n")], [("2\n-3 4\n", "7\n"), ("1\n9\n", "0\n")],
               "Print max minus min of the array.")  # fmt: skip


def _cc_any_row() -> dict[str, Any]:
    return _cc([("4\n", "1 3\n")], [("6\n", "1 5\n")], [],
               "Find two positive integers a, b with a + b = n and a != b. If there are multiple answers, print any of them.")  # fmt: skip


def _lcb_stdin_row() -> dict[str, Any]:
    pub = _stdin_cases([("3\nabc\n", "Yes\n")])
    priv = _stdin_cases([("4\naabb\n", "No\n"), ("1\nz\n", "Yes\n"), ("5\nabcda\n", "No\n")])
    return _lcb(pub, priv, content="Print Yes if all characters of S are distinct, otherwise No.")


def _lcb_fn_row() -> dict[str, Any]:
    starter = "class Solution:\n    def countPairs(self, nums: List[int], k: int) -> int:\n        "
    pub = _fn_cases([([[1, 2, 3, 4], 5], 2)])
    priv = _fn_cases([([[1, 1, 1], 2], 3), ([[5], 10], 0), ([[2, 3, 2, 3], 5], 4)])
    return _lcb(pub, priv, content="Return the number of pairs i < j with nums[i] + nums[j] == k.",
                starter=starter, func_name="countPairs", platform="leetcode")  # fmt: skip


def _lcb_list_row() -> dict[str, Any]:
    starter = "class Solution:\n    def lastElements(self, nums: List[int]) -> List[int]:\n        "
    pub = _fn_cases([([[1, 2, 3]], [3])])
    priv = _fn_cases([([[4, 5]], [5]), ([[7]], [7])])
    return _lcb(pub, priv, content="Return a list holding the last element of nums.", starter=starter,
                func_name="lastElements", platform="leetcode")  # fmt: skip


def _lcb_float_row() -> dict[str, Any]:
    starter = "class Solution:\n    def averageValue(self, nums: List[int]) -> float:\n        "
    pub = _fn_cases([([[1, 2]], 1.5)])
    priv = _fn_cases([([[1, 1, 2]], 1.3333333333333333), ([[2, 2, 3]], 2.3333333333333335)])
    return _lcb(pub, priv, content="Return the average of nums. Answers within 10^-5 of the actual answer will be accepted.",
                starter=starter, func_name="averageValue", platform="leetcode")  # fmt: skip


def _lcb_string_arg_row() -> dict[str, Any]:
    starter = "class Solution:\n    def repeatChar(self, s: str, k: int) -> str:\n        "
    pub = _fn_cases([(["ab", 2], "aabb")])
    priv = _fn_cases([(["", 3], ""), (["x", 1], "x")])
    return _lcb(pub, priv, content="Repeat every character of s k times.", starter=starter,
                func_name="repeatChar", platform="leetcode")  # fmt: skip


# ------------------------------------------------------------------------------------------- programs

SUM_OK_INPUT = "n = int(input())\na = list(map(int, input().split()))\nprint(sum(a))\n"
SUM_OK_READ = (
    "import sys\ndata = sys.stdin.read().split()\nn = int(data[0])\nprint(sum(map(int, data[1:n + 1])))\n"
)
SUM_OFF_BY_ONE = "n = int(input())\na = list(map(int, input().split()))\nprint(sum(a[1:]))\n"
SUM_EXIT = "import sys\nn = int(input())\nprint(sum(map(int, input().split())))\nsys.exit(0)\n"
SUM_NO_NEWLINE = "import sys\nn = int(input())\nsys.stdout.write(str(sum(map(int, input().split()))))\n"
SUM_BLANK_LINES = "n = int(input())\nprint(' ', sum(map(int, input().split())), ' ')\nprint()\nprint()\n"
SUM_STDERR = "import sys\nn = int(input())\na = list(map(int, input().split()))\nprint('debug', a[:3], file=sys.stderr)\nprint(sum(a))\n"
SUM_NUMPY = (
    "import numpy as np\nn = int(input())\na = np.array(input().split(), dtype=np.int64)\nprint(a.sum())\n"
)
SUM_NUMPY_LIST = "import numpy as np\nn = int(input())\nprint(np.array(list(map(int, input().split()))))\n"

PAIRS_FAST = (
    "from collections import Counter\nn, k = map(int, input().split())\na = list(map(int, input().split()))\n"
    "seen = Counter()\nans = 0\nfor x in a:\n    ans += seen[k - x]\n    seen[x] += 1\nprint(ans)\n"
)
PAIRS_SLOW = (
    "n, k = map(int, input().split())\na = list(map(int, input().split()))\nans = 0\nfor i in range(n):\n"
    "    for j in range(i + 1, n):\n        if a[i] + a[j] == k:\n            ans += 1\nprint(ans)\n"
)

YN_UPPER = "t = int(input())\nfor _ in range(t):\n    print('YES' if int(input()) % 2 == 0 else 'NO')\n"
YN_LOWER = "t = int(input())\nfor _ in range(t):\n    print('yes' if int(input()) % 2 == 0 else 'no')\n"

TF_LOWER = "n = int(input())\nprint('true' if n & (n - 1) == 0 else 'false')\n"
TF_PYBOOL = "n = int(input())\nprint(n & (n - 1) == 0)\n"

CIRCLE_FULL = "import math\nr = int(input())\nprint(math.pi * r * r)\n"
CIRCLE_FMT = "import math\nr = int(input())\nprint('%.9f' % (math.pi * r * r))\n"
CIRCLE_2DP = "import math\nr = int(input())\nprint(f'{math.pi * r * r:.2f}')\n"
CIRCLE_314 = "r = int(input())\nprint(3.14 * r * r)\n"

MATRIX_OK = (
    "r, c = map(int, input().split())\nm = [input().split() for _ in range(r)]\n"
    "for j in range(c):\n    print(' '.join(m[i][j] for i in range(r)))\n"
)
MATRIX_TRAILING = (
    "r, c = map(int, input().split())\nm = [input().split() for _ in range(r)]\n"
    "for j in range(c):\n    for i in range(r):\n        print(m[i][j], end=' ')\n    print()\n"
)
MATRIX_REPR = (
    "r, c = map(int, input().split())\nm = [list(map(int, input().split())) for _ in range(r)]\n"
    "for j in range(c):\n    print([m[i][j] for i in range(r)])\n"
)

CHAIN_DEEP = (
    "import sys\nsys.setrecursionlimit(1 << 20)\nn = int(input())\np = list(map(int, input().split()))\n"
    "ch = [[] for _ in range(n + 1)]\nfor i, x in enumerate(p, start=2):\n    ch[x].append(i)\n"
    "def h(v):\n    best = 0\n    for c in ch[v]:\n        best = max(best, h(c) + 1)\n    return best\nprint(h(1))\n"
)
CHAIN_DEFAULT_LIMIT = CHAIN_DEEP.replace("sys.setrecursionlimit(1 << 20)\n", "")
CHAIN_ITER = (
    "n = int(input())\np = [0, 0] + list(map(int, input().split()))\nd = [0] * (n + 1)\n"
    "for v in range(2, n + 1):\n    d[v] = d[p[v]] + 1\nprint(max(d))\n"
)

CHAIN_THREAD = (
    "import sys, threading\n\ndef main():\n    n = int(sys.stdin.readline())\n"
    "    p = list(map(int, sys.stdin.readline().split()))\n    ch = [[] for _ in range(n + 1)]\n"
    "    for i, x in enumerate(p, start=2):\n        ch[x].append(i)\n    def h(v):\n        best = 0\n"
    "        for c in ch[v]:\n            best = max(best, h(c) + 1)\n        return best\n    print(h(1))\n\n"
    "sys.setrecursionlimit(1 << 25)\nthreading.stack_size(1 << 27)\nt = threading.Thread(target=main)\nt.start()\nt.join()\n"
)
SUM_ALIAS = "I = input\nn = int(I())\nprint(sum(map(int, I().split())))\n"
SNIPPET = "# quick check of the core idea\nprint(sum([1, 2, 3]))  # 6\n"
SNIPPET_STDIN_COMMENT = "# the same logic without stdin, on the first sample:\nprint(sum([1, 2, 3]))  # 6\n"

POW2 = "print(2 ** int(input()))\n"

EVENS_OK = "def get_evens(arr):\n    return [x for x in arr if x % 2 == 0]\n"
EVENS_TUPLE = "def get_evens(arr):\n    return tuple(x for x in arr if x % 2 == 0)\n"
EVENS_ODDS = "def get_evens(arr):\n    return [x for x in arr if x % 2]\n"
MINMAX_TUPLE = "def min_max(lst):\n    return min(lst), max(lst)\n"
MINMAX_SWAPPED = "def min_max(lst):\n    return [max(lst), min(lst)]\n"
SQUARE_OK = "import math\ndef is_square(n):\n    return n >= 0 and math.isqrt(n) ** 2 == n\n"
SQUARE_FLOAT = "def is_square(n):\n    return n > 0 and (n ** 0.5).is_integer()\n"
SQUARE_NUMPY = "import numpy as np\ndef is_square(n):\n    return n >= 0 and np.int64(np.sqrt(n)) ** 2 == n\n"
MEAN_OK = "def mean(a):\n    return sum(a) / len(a)\n"
MEAN_NUMPY = "import numpy as np\ndef mean(a):\n    return np.mean(a)\n"
MEAN_ROUNDED = "def mean(a):\n    return round(sum(a) / len(a), 2)\n"
UPPER_OK = "def count_upper(s):\n    return sum(1 for c in s if c.isupper())\n"
UPPER_NUMPY = (
    "import numpy as np\ndef count_upper(s):\n    return np.sum([c.isupper() for c in s], dtype=np.int64)\n"
)
UPPER_STR = "def count_upper(s):\n    return str(sum(1 for c in s if c.isupper()))\n"
UPPER_PRINTS = "def count_upper(s):\n    print(sum(1 for c in s if c.isupper()))\n"
FACT_OK = "import math\ndef factorial(n):\n    return math.factorial(n)\n"
FACT_OFF = "import math\ndef factorial(n):\n    return math.factorial(n) if n < 100 else math.factorial(n - 1) * (n + 1)\n"

TWO_SUM_OK = (
    "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        seen = {}\n"
    "        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n"
    "            seen[x] = i\n        return []\n"
)
TWO_SUM_REVERSED = TWO_SUM_OK.replace("return [seen[target - x], i]", "return [i, seen[target - x]]")
TWO_SUM_WRONG = TWO_SUM_OK.replace("return [seen[target - x], i]", "return [seen[target - x], i - 1]")
GFG_OK = "class Solution:\n    def maxSum(self, arr, n):\n        return sum(arr)\n"
GFG_WRONG = "class Solution:\n    def maxSum(self, arr, n):\n        return max(0, sum(arr))\n"

CC_OK = "n = int(input())\na = list(map(int, input().split()))\nprint(max(a) - min(a))\n"
CC_LAST = "n = int(input())\na = sorted(map(int, input().split()))\nprint(a[-1] - a[0] if n > 1 else a[0])\n"
CC_ANY_MATCH = "n = int(input())\nprint(1, n - 1)\n"

LCB_YES = "n = int(input())\ns = input().strip()\nprint('Yes' if len(set(s)) == len(s) else 'No')\n"
LCB_YES_UPPER = "n = int(input())\ns = input().strip()\nprint('YES' if len(set(s)) == len(s) else 'NO')\n"
LCB_YES_LAST = "n = int(input())\ns = input().strip()\nprint('Yes' if s[0] != s[-1] or n == 1 else 'No')\n"
COUNT_OK = (
    "class Solution:\n    def countPairs(self, nums: List[int], k: int) -> int:\n        n = len(nums)\n"
    "        return sum(1 for i in range(n) for j in range(i + 1, n) if nums[i] + nums[j] == k)\n"
)
COUNT_OFF = COUNT_OK.replace("range(i + 1, n)", "range(i, n)")
LAST_OK = (
    "class Solution:\n    def lastElements(self, nums: List[int]) -> List[int]:\n        return [nums[-1]]\n"
)
LAST_SCALAR = (
    "class Solution:\n    def lastElements(self, nums: List[int]) -> List[int]:\n        return nums[-1]\n"
)
AVG_OK = "class Solution:\n    def averageValue(self, nums: List[int]) -> float:\n        return sum(nums) / len(nums)\n"
AVG_ROUND5 = "class Solution:\n    def averageValue(self, nums: List[int]) -> float:\n        return round(sum(nums) / len(nums), 5)\n"
AVG_ROUND2 = "class Solution:\n    def averageValue(self, nums: List[int]) -> float:\n        return round(sum(nums) / len(nums), 2)\n"
REPEAT_OK = "class Solution:\n    def repeatChar(self, s: str, k: int) -> str:\n        return ''.join(c * k for c in s)\n"
REPEAT_WRONG = "class Solution:\n    def repeatChar(self, s: str, k: int) -> str:\n        return s * k\n"

USAGE_CALL = "# Example usage\nprint(get_evens([1, 2, 3, 4]))  # [2, 4]\n"
HARNESS_STDIN = (
    "# Test harness\nimport io, sys\nfrom unittest.mock import patch\n"
    "with patch('sys.stdin', io.StringIO('3\\n1 2 3\\n')):\n    exec(open('solution.py').read())\n"
)
SUBPROCESS_HARNESS = (
    "import subprocess\nr = subprocess.run(['python3', 'sol.py'], input='3\\n1 2 3\\n', capture_output=True, text=True)\n"
    "assert r.stdout.strip() == '6'\n"
)
CPP_SUM = (
    "#include <bits/stdc++.h>\nusing namespace std;\nint main() {\n    int n; cin >> n; long long s = 0;\n"
    "    for (int i = 0; i < n; i++) { long long x; cin >> x; s += x; }\n    cout << s << endl;\n}\n"
)


def cases() -> list[Case]:
    """The audit set: every (problem, response, expected label). Built with Python's int-str limit off (some
    expected values have more than 4300 digits), as a dataset's own tooling writes them."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return _cases()
    finally:
        sys.set_int_max_str_digits(old)


def _cases() -> list[Case]:
    s, pairs, yn, yn_any = _array_sum_row(), _pairs_row(), _yes_no_row(False), _yes_no_row(True)
    tf, circ, circ_tol, mat, chain, pow2 = (_true_false_row(), _circle_row(False), _circle_row(True),
                                            _matrix_row(), _chain_row(), _pow2_row())  # fmt: skip
    call = _call_rows()
    two, gfg, cc, cc_any = _leetcode_two_sum(), _gfg_max_sum(), _cc_row(), _cc_any_row()
    lcb_s, lcb_f, lcb_l, lcb_avg, lcb_str = (_lcb_stdin_row(), _lcb_fn_row(), _lcb_list_row(), _lcb_float_row(),
                                             _lcb_string_arg_row())  # fmt: skip
    out = [
        # TACO stdin: ways of reading and printing
        Case("sum-input", s, long_response(SUM_OK_INPUT), "correct"),
        Case("sum-read-split", s, long_response(SUM_OK_READ, tag="py"), "correct"),
        Case("sum-off-by-one", s, long_response(SUM_OFF_BY_ONE), "wrong"),
        Case("sum-sys-exit", s, long_response(SUM_EXIT, tag="python3"), "correct"),
        Case("sum-no-trailing-newline", s, long_response(SUM_NO_NEWLINE, tag=""), "correct"),
        Case("sum-extra-spaces-blank-lines", s, long_response(SUM_BLANK_LINES), "correct"),
        Case("sum-debug-to-stderr", s, long_response(SUM_STDERR), "correct"),
        Case("sum-numpy", s, long_response(SUM_NUMPY), "correct"),
        Case("sum-numpy-prints-array", s, long_response(SUM_NUMPY_LIST), "wrong"),
        Case(
            "sum-then-sample-io",
            s,
            long_response(SUM_OK_INPUT, after="Sample:\n```\n3\n1 2 3\n```\nOutput:\n```\n6\n```\n"),
            "correct",
        ),
        Case(
            "sum-then-mock-harness",
            s,
            long_response(SUM_OK_INPUT, after="Test it:\n" + fenced(HARNESS_STDIN)),
            "correct",
        ),
        Case(
            "sum-then-subprocess-harness",
            s,
            long_response(SUM_OK_READ, after="Check:\n" + fenced(SUBPROCESS_HARNESS)),
            "correct",
        ),
        Case("sum-cpp-final", s, long_response(CPP_SUM, tag="cpp"), "unsupported"),
        Case("sum-cpp-untagged", s, long_response(CPP_SUM, tag=""), "unsupported"),
        Case(
            "sum-no-code",
            s,
            "<think>\nsum them\n```python\nprint(1)\n```\n</think>\nThe answer is the sum of the numbers.",
            "no_answer",
        ),
        Case(
            "sum-cut-off-thinking",
            s,
            "<think>\nLet me write it:\n```python\n" + SUM_OK_INPUT + "```\nNow let me check",
            "no_answer",
        ),
        Case(
            "sum-r1-no-open-tag",
            s,
            "Let me think...\n```python\nprint(0)\n```\n</think>\n\n" + fenced(SUM_OK_READ),
            "correct",
        ),
        Case("sum-four-backticks", s, "</think>\n````python\n" + SUM_OK_INPUT + "````\n", "correct"),
        # time limits
        Case("pairs-fast", pairs, long_response(PAIRS_FAST), "correct"),
        Case("pairs-quadratic-tle", pairs, long_response(PAIRS_SLOW), "timeout"),
        # letter case
        Case("yn-upper", yn, long_response(YN_UPPER), "correct"),
        Case("yn-lower-not-allowed", yn, long_response(YN_LOWER), "wrong"),
        Case("yn-lower-any-case", yn_any, long_response(YN_LOWER), "correct"),
        Case("tf-lower", tf, long_response(TF_LOWER), "correct"),
        Case("tf-python-bool", tf, long_response(TF_PYBOOL), "wrong"),
        # floats
        Case("circle-full-repr-tol", circ_tol, long_response(CIRCLE_FULL), "correct"),
        Case("circle-9dp-tol", circ_tol, long_response(CIRCLE_FMT), "correct"),
        Case("circle-2dp-tol", circ_tol, long_response(CIRCLE_2DP), "wrong"),
        Case("circle-3.14-tol", circ_tol, long_response(CIRCLE_314), "wrong"),
        Case("circle-2dp-no-tol", circ, long_response(CIRCLE_2DP), "wrong"),
        # lists of lines, trailing spaces, Python reprs
        Case("matrix-ok", mat, long_response(MATRIX_OK), "correct"),
        Case("matrix-trailing-space", mat, long_response(MATRIX_TRAILING), "correct"),
        Case("matrix-list-repr", mat, long_response(MATRIX_REPR), "wrong"),
        # recursion depth, big ints
        Case("chain-deep-recursion", chain, long_response(CHAIN_DEEP), "correct"),
        Case("chain-default-recursion-limit", chain, long_response(CHAIN_DEFAULT_LIMIT), "wrong"),
        Case("chain-iterative", chain, long_response(CHAIN_ITER), "correct"),
        Case("pow2-big-int", pow2, long_response(POW2), "correct"),
        Case("chain-thread-stack", chain, long_response(CHAIN_THREAD), "correct"),
        Case(
            "sum-alias-input-then-snippet",
            s,
            long_response(SUM_ALIAS, after="Check:\n" + fenced(SNIPPET)),
            "correct",
        ),
        Case(
            "sum-snippet-says-stdin",
            s,
            long_response(SUM_OK_READ, after="Check:\n" + fenced(SNIPPET_STDIN_COMMENT)),
            "correct",
        ),
        # TACO call-based
        Case(
            "evens-ok",
            call["evens"],
            long_response(EVENS_OK, after="Usage:\n" + fenced(USAGE_CALL)),
            "correct",
        ),
        Case("evens-tuple", call["evens"], long_response(EVENS_TUPLE), "correct"),
        Case("evens-odds", call["evens"], long_response(EVENS_ODDS), "wrong"),
        Case("minmax-tuple", call["minmax"], long_response(MINMAX_TUPLE), "correct"),
        Case("minmax-swapped", call["minmax"], long_response(MINMAX_SWAPPED), "wrong"),
        Case("square-ok", call["is_square"], long_response(SQUARE_OK), "correct"),
        Case("square-zero-wrong", call["is_square"], long_response(SQUARE_FLOAT), "wrong"),
        Case("square-numpy-bool", call["is_square"], long_response(SQUARE_NUMPY), "correct"),
        Case("mean-ok", call["mean"], long_response(MEAN_OK), "correct"),
        Case("mean-numpy", call["mean"], long_response(MEAN_NUMPY), "correct"),
        Case("mean-rounded", call["mean"], long_response(MEAN_ROUNDED), "wrong"),
        Case("upper-ok", call["count_upper"], long_response(UPPER_OK), "correct"),
        Case("upper-numpy-int", call["count_upper"], long_response(UPPER_NUMPY), "correct"),
        Case("upper-returns-str", call["count_upper"], long_response(UPPER_STR), "wrong"),
        Case("upper-prints", call["count_upper"], long_response(UPPER_PRINTS), "wrong"),
        Case("fact-big-int", call["big_fact"], long_response(FACT_OK), "correct"),
        Case("fact-big-int-wrong", call["big_fact"], long_response(FACT_OFF), "wrong"),
        # LeetCode / GeeksforGeeks class Solution
        Case("two-sum-ok", two, long_response(TWO_SUM_OK), "correct"),
        Case("two-sum-any-order", two, long_response(TWO_SUM_REVERSED), "correct"),
        Case("two-sum-wrong", two, long_response(TWO_SUM_WRONG), "wrong"),
        Case("gfg-ok", gfg, long_response(GFG_OK, tag="python3"), "correct"),
        Case("gfg-wrong", gfg, long_response(GFG_WRONG), "wrong"),
        # CodeContests
        Case("cc-ok", cc, long_response(CC_OK), "correct"),
        Case("cc-wrong-last-generated", cc, long_response(CC_LAST), "wrong"),
        Case("cc-any-answer-match", cc_any, long_response(CC_ANY_MATCH), "correct"),
        # LiveCodeBench
        Case("lcb-stdin-ok", lcb_s, long_response(LCB_YES), "correct"),
        Case("lcb-stdin-upper", lcb_s, long_response(LCB_YES_UPPER), "wrong"),
        Case("lcb-stdin-wrong-private", lcb_s, long_response(LCB_YES_LAST), "wrong"),
        Case("lcb-fn-ok", lcb_f, long_response(COUNT_OK), "correct"),
        Case("lcb-fn-off", lcb_f, long_response(COUNT_OFF), "wrong"),
        Case("lcb-list-ok", lcb_l, long_response(LAST_OK), "correct"),
        Case("lcb-list-scalar", lcb_l, long_response(LAST_SCALAR), "wrong"),
        Case("lcb-avg-ok", lcb_avg, long_response(AVG_OK), "correct"),
        Case("lcb-avg-within-stated-tol", lcb_avg, long_response(AVG_ROUND5), "correct"),
        Case("lcb-avg-outside-tol", lcb_avg, long_response(AVG_ROUND2), "wrong"),
        Case("lcb-str-ok", lcb_str, long_response(REPEAT_OK), "correct"),
        Case("lcb-str-wrong", lcb_str, long_response(REPEAT_WRONG), "wrong"),
    ]
    return out
