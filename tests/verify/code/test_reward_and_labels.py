"""code_reward in TRL's shape, and the labels a user relies on: infra errors are retried and never a zero."""

from __future__ import annotations

import json
import os
import stat

from redstar_data.verify.code.judge import CodeVerifier
from redstar_train.rewards import code_reward, get_rewards, math_reward

ADD = json.dumps({"inputs": ["2 3\n", "10 -4\n"], "outputs": ["5\n", "6\n"]})
CALL = json.dumps({"fn_name": "add", "inputs": [[1, 2], [5, 5]], "outputs": [[3], [10]]})
RIGHT = "<think>easy</think>\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"
WRONG = "```python\na, b = map(int, input().split())\nprint(a - b)\n```"


def test_code_reward_mixed_with_math_rows(sandbox):
    completions = [RIGHT, WRONG, [{"role": "assistant", "content": "```python\ndef add(a, b):\n    return a + b\n```"}],
                   "no program here", "the answer is \\boxed{4}"]  # fmt: skip
    tests = [ADD, ADD, CALL, ADD, None]
    answers = [None, None, None, None, "4"]
    assert code_reward(None, completions, tests=tests, answer=answers) == [1.0, 0.0, 1.0, 0.0, None]
    # the math reward is None on the code rows: each row gets exactly one reward in a code+math mix
    assert math_reward(completions, answer=answers) == [None, None, None, None, 1.0]
    assert get_rewards(["math", "code"])[1] is code_reward


def test_first_failure_and_outcome_counts_in_details(sandbox):
    tests = json.dumps({"inputs": ["1\n", "2\n", "3\n"], "outputs": ["1\n", "2\n", "3\n"]})
    v = CodeVerifier().check("```python\nn = int(input())\nprint(n if n < 2 else 0)\n```", tests)
    assert v.label == "incorrect"
    assert v.details["tests_run"] == 2 and v.details["outcomes"] == {"passed": 1, "wrong_answer": 1}
    assert v.details["first_failure"]["index"] == 1 and "token" in v.details["first_failure"]["reason"]
    v = CodeVerifier(all_tests=True).check(
        "```python\nn = int(input())\nprint(n if n < 2 else 0)\n```", tests
    )
    assert v.details["tests_run"] == 3 and v.details["outcomes"] == {"passed": 1, "wrong_answer": 2}


def test_labels(sandbox):
    v = CodeVerifier(timeout_s=1)
    assert v.check("```python\nwhile True: pass\n```", ADD).label == "timeout"
    assert v.check("```python\nprint(1/0)\n```", ADD).label == "error"
    assert v.check("```cpp\nint main(){}\n```", ADD).label == "error"
    assert v.check("<think>never finished", ADD).label == "no_answer"
    spj = {"input_output": json.loads(ADD), "multiple_valid_outputs": True}
    assert v.check(RIGHT, spj).label == "unverifiable"


def test_infra_errors_are_retried_and_never_a_zero_reward(sandbox, tmp_path, monkeypatch):
    # a bwrap that starts the probe fine and then fails to start every sandbox (a STAND-IN for a broken host)
    real = sandbox
    flaky = tmp_path / "bwrap"
    flaky.write_text(
        f'#!/bin/sh\ncase "$*" in *"import os; print(os.getuid())"*) exec {real} "$@";; esac\nexit 1\n'
    )
    flaky.chmod(flaky.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("REDSTAR_BWRAP", str(flaky))
    v = CodeVerifier().check(RIGHT, ADD)
    assert v.label == "infra_error" and v.details["attempts"] == 3
    assert code_reward(None, [RIGHT], tests=[ADD]) == [None]
    assert os.environ["REDSTAR_BWRAP"] == str(flaky)
