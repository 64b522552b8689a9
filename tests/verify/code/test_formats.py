"""Test formats at the verifier's door: TACO/APPS, CodeContests, LiveCodeBench (with its pickled private
tests, decoded without ever unpickling anything but a str)."""

from __future__ import annotations

import base64
import json
import os
import pickle
import zlib

import pytest

from redstar_data.verify.code.formats import (
    CodeTestsError,
    decode_pickled_json,
    spec_from_catalog,
    spec_from_row,
)


def test_taco_stdin_with_lists_of_lines_and_limits():
    row = {"input_output": json.dumps({"inputs": [["1 2", "3"], "4\n"], "outputs": [["3", "3"], "4\n"]}),
           "time_limit": "2 seconds", "memory_limit": "256 megabytes"}  # fmt: skip
    s = spec_from_row(row)
    assert s.mode == "stdin" and s.tests[0].input == "1 2\n3\n" and s.tests[0].output == "3\n3\n"
    assert (s.time_limit_s, s.memory_mb) == (2.0, 256)


def test_taco_call_based_and_leetcode_starter():
    row = {"input_output": {"fn_name": "f", "inputs": [[1, 2], [3]], "outputs": [[3], [3]]},
           "starter_code": "class Solution:\n    def f(self, a):\n"}  # fmt: skip
    s = spec_from_row(row)
    assert s.mode == "call" and s.fn_name == "f" and s.tests[1].input == [3]
    assert s.starter_code.startswith("class Solution")


def test_code_contests_all_three_test_sets_in_judge_order():
    row = {"public_tests": {"input": ["1\n"], "output": ["1\n"]},
           "private_tests": {"input": ["2\n"], "output": ["2\n"]},
           "generated_tests": {"input": ["3\n", "4\n"], "output": ["3\n", "4\n"]},
           "time_limit": {"seconds": 2, "nanos": 500000000}, "memory_limit_bytes": 268435456}  # fmt: skip
    s = spec_from_row(row)
    assert [t.origin for t in s.tests] == ["public", "private", "generated", "generated"]
    assert (s.time_limit_s, s.memory_mb, s.format) == (2.5, 256, "code_contests")


def _lcb_private(cases):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases)))).decode()


def test_livecodebench_functional_with_pickled_private_tests():
    pub = [{"input": "[1, 2]\n3", "output": "6", "testtype": "functional"}]
    priv = [{"input": "[5]\n0", "output": "5", "testtype": "functional"}]
    row = {"public_test_cases": json.dumps(pub), "private_test_cases": _lcb_private(priv),
           "metadata": json.dumps({"func_name": "total"}), "starter_code": "class Solution:\n"}  # fmt: skip
    s = spec_from_row(row)
    assert s.mode == "call" and s.fn_name == "total"
    assert [(t.input, t.output, t.origin) for t in s.tests] == [
        ([[1, 2], 3], 6, "public"),
        ([[5], 0], 5, "private"),
    ]


def test_livecodebench_stdin():
    pub = [{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]
    s = spec_from_row({"public_test_cases": pub, "private_test_cases": _lcb_private(pub), "metadata": "{}"})
    assert s.mode == "stdin" and len(s.tests) == 2


class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch {_Evil.flag}",))


def test_a_malicious_pickle_never_runs(tmp_path):
    _Evil.flag = str(tmp_path / "pwned")
    blob = base64.b64encode(zlib.compress(pickle.dumps(_Evil()))).decode()
    with pytest.raises(CodeTestsError, match="refusing to load global"):
        decode_pickled_json(blob)
    assert not (tmp_path / "pwned").exists()
    # a pickle of something other than a str is refused too
    with pytest.raises(CodeTestsError, match="not a JSON string"):
        decode_pickled_json(base64.b64encode(zlib.compress(pickle.dumps([1, 2]))).decode())


def test_a_zip_bomb_is_refused(monkeypatch):
    import redstar_data.verify.code.formats as f

    monkeypatch.setattr(f, "MAX_DECODED_BYTES", 1 << 10)
    blob = base64.b64encode(zlib.compress(pickle.dumps("x" * (1 << 16)))).decode()
    with pytest.raises(CodeTestsError, match="expand past"):
        decode_pickled_json(blob)


def test_marks_special_judge_and_known_invalid_tests():
    row = {"input_output": {"inputs": ["1"] * 200, "outputs": ["1"] * 200}, "multiple_valid_outputs": True,
           "known_test_defects": ["test index 156: input says n=25 but ..."]}  # fmt: skip
    s = spec_from_row(row)
    assert s.special_judge and s.invalid_tests == [156]
    assert 156 not in [i for i, _ in s.runnable()] and len(s.runnable()) == 199


def test_catalog_shape_tests_plus_meta():
    s = spec_from_catalog(
        {"input": ["1\n"], "output": ["1\n"]}, {"private_tests": {"input": ["2\n"], "output": ["2\n"]}}
    )
    assert [t.origin for t in s.tests] == ["public", "private"]
    s = spec_from_catalog(json.dumps({"inputs": ["1"], "outputs": ["1"], "fn_name": "g"}), None)
    assert s.mode == "call"


def test_bad_tests_name_the_problem():
    with pytest.raises(CodeTestsError, match="inputs and outputs"):
        spec_from_row({"input_output": {"inputs": ["1"], "outputs": []}})
    with pytest.raises(CodeTestsError, match="not JSON"):
        spec_from_row({"input_output": "{nope"})


def test_taco_rows_unwrap_and_livecodebench_rows_do_not():
    """TACO/APPS' judge accepts expected[0] (Codewars rows wrap, LeetCode rows do not, some rows mix);
    LiveCodeBench's outputs are the answers themselves."""
    mixed = spec_from_row(
        {"input_output": {"fn_name": "f", "inputs": [[1], [2]], "outputs": [[True], False]}}
    )
    assert mixed.unwrap_single
    lcb = spec_from_row({"public_test_cases": json.dumps([{"input": "[1]", "output": "[1]", "testtype": "functional"}]),
                         "metadata": json.dumps({"func_name": "f"})})  # fmt: skip
    assert lcb.mode == "call" and not lcb.unwrap_single and lcb.tests[0].input == [[1]]


def test_livecodebench_fn_name_from_the_starter_code_when_metadata_lacks_it():
    row = {"public_test_cases": [{"input": '"ab"\n2', "output": "true", "testtype": "functional"}],
           "metadata": "{}", "starter_code": "class Solution:\n    def canDo(self, s: str, k: int) -> bool:\n        "}  # fmt: skip
    s = spec_from_row(row)
    assert s.fn_name == "canDo" and s.tests[0].input == ["ab", 2] and s.tests[0].output is True


def test_apps_input_output_as_json_string_or_dict_give_the_same_spec():
    io_obj = {"inputs": ["1\n"], "outputs": ["1\n"]}
    assert spec_from_row({"input_output": json.dumps(io_obj)}) == spec_from_row({"input_output": io_obj})


@pytest.mark.parametrize(
    "statement, any_case, tol",
    [
        ('Print "YES" or "NO". You can output the answer in any case (upper or lower).', True, None),
        ("You may print every letter in any case you want.", True, None),
        ('"yEs", "yes" and "YES" will be recognized as positive. Print YES in any case.', True, None),
        ("In any case, the answer fits in 64 bits. Print YES or NO.", False, None),
        ("Your answer is correct if its absolute or relative error does not exceed 10^{-6}.", False, 1e-6),
        ("The absolute or relative error of your answer should not exceed $10^{ - 9}$.", False, 1e-9),
        ("Answers within an absolute error of 1e-4 are accepted.", False, 1e-4),
        ("It is accepted if it differs from the jury's answer by at most 10^-5.", False, 1e-5),
        ("The relative error must be at most 10^{−6} (AtCoder).", False, 1e-6),
        ("Print the answer modulo 10^9+7.", False, None),
        ("Answers within 10^-5 of the actual answer will be accepted.", False, 1e-5),  # LeetCode
        ("Answers within 10-5 of the actual value will be accepted.", False, 1e-5),  # its <sup> lost
        ("Print the answer within 10^9+7 of the expected count.", False, None),
    ],
)
def test_statement_marks_for_stdin_problems(statement, any_case, tol):
    s = spec_from_row({"input_output": {"inputs": ["1\n"], "outputs": ["YES\n"]}, "question": statement})
    assert s.case_insensitive is any_case
    assert s.float_tol == (pytest.approx(tol) if tol else None)


def test_explicit_metadata_marks_and_none_for_call_based():
    s = spec_from_catalog(
        {"inputs": ["1\n"], "outputs": ["YES\n"]}, {"case_insensitive": True, "float_tolerance": 1e-3}
    )
    assert s.case_insensitive and s.float_tol == 1e-3
    c = spec_from_row({"input_output": {"fn_name": "f", "inputs": [[1]], "outputs": [["YES"]]},
                       "question": "Return YES in any case (upper or lower)."})  # fmt: skip
    assert not c.case_insensitive


def test_livecodebench_functional_strings_inside_input_output():
    row = {"input_output": {"fn_name": "f", "inputs": ['[1, 2]\n"ab"', '[]\n""'], "outputs": ["[3]", "null"]}}
    s = spec_from_row(row)
    assert [t.input for t in s.tests] == [[[1, 2], "ab"], [[], ""]]
    assert [t.output for t in s.tests] == [[3], None] and not s.unwrap_single
    # TACO's bare string arguments that are not JSON stay one string argument, wrapped outputs unwrap
    taco = spec_from_row({"input_output": {"fn_name": "f", "inputs": ["hello"], "outputs": ["HELLO"]}})
    assert taco.tests[0].input == ["hello"] and taco.tests[0].output == "HELLO" and taco.unwrap_single
    empty = spec_from_row({"input_output": {"fn_name": "f", "inputs": [""], "outputs": ["1"]}})
    assert empty.tests[0].input == [""]  # an empty string argument, not zero arguments


def test_a_stated_tolerance_applies_to_call_based_problems():
    row = {"question_content": "Return the mean. Answers within 10^-5 of the actual answer will be accepted.",
           "public_test_cases": json.dumps([{"input": "[1, 2]", "output": "1.5", "testtype": "functional"}]),
           "metadata": json.dumps({"func_name": "mean"})}  # fmt: skip
    assert spec_from_row(row).float_tol == pytest.approx(1e-5)


def test_integers_past_the_int_str_limit_in_tests_are_read():
    big = "9" * 5000  # 2000! has 5736 digits: Codewars rows store such answers as JSON numbers
    s = spec_from_row({"input_output": f'{{"fn_name": "f", "inputs": [[2000]], "outputs": [[{big}]]}}'})
    assert s.tests[0].output[0] % 1000 == 999
    lcb = spec_from_row({"public_test_cases": json.dumps([{"input": "3", "output": "0", "testtype": "functional"}]),
                         "private_test_cases": _lcb_private([{"input": big, "output": big, "testtype": "functional"}]),
                         "metadata": json.dumps({"func_name": "f"})})  # fmt: skip
    assert lcb.tests[1].input[0] == lcb.tests[1].output
