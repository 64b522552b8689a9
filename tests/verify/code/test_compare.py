"""Comparison rules (docs/code.md): strict line/token stdout comparison and call-based equality."""

from __future__ import annotations

import pytest

from redstar_data.verify.code.compare import compare_stdout, compare_value, loads_json


@pytest.mark.parametrize(
    "actual, expected",
    [
        ("1\n2\n3\n", "1\n2\n3"),
        ("  1 2  \n3\n\n\n", "1 2\n3"),
        ("1.50\n", "1.5\n"),  # the same decimal value
        ("007\n", "7\n"),  # the same integer
        ("YES\r\n", "YES\n"),
    ],
)
def test_stdout_equal(actual, expected):
    assert compare_stdout(actual, expected)[0]


@pytest.mark.parametrize(
    "actual, expected, why",
    [
        ("1\n", "1\n2\n3\n", "line count"),  # a prefix never passes (open-r1's zip() would)
        ("2 1\n", "1 2\n", "token"),  # order matters (TACO/APPS' set fallback would pass it)
        ("3\n1\n2\n", "1\n2\n3\n", "line 1"),
        ("1\n2\n", "1 2\n", "line count"),
        ("0.3333333\n", "0.3333334\n", "token"),  # no float tolerance unless the problem allows it
        ("1 2 3\n", "1 2\n", "tokens"),
        ("Yes\n", "YES\n", "token"),
        ("100000000000000000001\n", "100000000000000000000\n", "token"),  # ints exact, never via float
        ("1_000\n", "1000\n", "token"),  # Python digit grouping is not a number a judge reads
    ],
)
def test_stdout_different(actual, expected, why):
    ok, reason = compare_stdout(actual, expected)
    assert not ok and why in reason


def test_float_tolerance_only_when_allowed():
    assert not compare_stdout("0.3333333", "0.3333334")[0]
    assert compare_stdout("0.3333333", "0.3333334", float_tol=1e-6)[0]
    assert not compare_stdout("0.33", "0.3333334", float_tol=1e-6)[0]
    assert not compare_stdout("abc", "abd", float_tol=1.0)[0]


@pytest.mark.parametrize(
    "actual_json, expected, ok",
    [
        ("9", 9, True),
        ("9", [9], True),  # TACO/APPS wrap the return value in a one-element list
        ("[1, 2]", [[1, 2]], True),
        ("[1, 2]", [1, 2], True),  # a returned tuple arrives as a list
        ("true", [True], True),
        ("0.30000000000000004", [0.3], True),  # floats with isclose
        ("0.31", [0.3], False),
        ("[2, 1]", [[1, 2]], False),
        ("8", [9], False),
        ('{"__set__": ["1"]}', [[1]], False),  # a set is not a list
        (None, [1], False),
    ],
)
def test_call_based(actual_json, expected, ok):
    assert compare_value(actual_json, expected)[0] is ok


def test_a_scalar_never_passes_for_a_one_element_list_answer_unless_the_problem_wraps():
    # LiveCodeBench / LeetCode: [5] is the answer itself, so 5 is wrong
    assert not compare_value("5", [5], unwrap=False)[0]
    assert compare_value("[5]", [5], unwrap=False)[0]
    assert not compare_value("[[1, 2]]", [1, 2], unwrap=False)[0]


@pytest.mark.parametrize(
    "actual_json, expected, ok",
    [
        ("null", None, True),
        ("null", [None], True),
        ("[1, [2, 3]]", [[1, [2, 3]]], True),  # a returned tuple of tuples, wrapped
        ("false", [True], False),
        ("[]", [[]], True),
        ("[]", [None], False),
    ],
)
def test_call_based_none_bools_nested_tuples(actual_json, expected, ok):
    assert compare_value(actual_json, expected)[0] is ok


def test_case_is_ignored_only_when_the_problem_says_so():
    assert not compare_stdout("Yes\nno\n", "YES\nNO\n")[0]
    assert compare_stdout("Yes\nno\n", "YES\nNO\n", ignore_case=True)[0]
    assert compare_stdout("yes 3\n", "YES 3\n", ignore_case=True)[0]
    assert not compare_stdout("yes 4\n", "YES 3\n", ignore_case=True)[0]


def test_a_float_tolerance_never_loosens_integers():
    assert not compare_stdout("1000000001\n", "1000000000\n", float_tol=1e-6)[0]
    assert compare_stdout("2.0000001\n", "2\n", float_tol=1e-6)[0]  # one side is a decimal
    assert compare_stdout("1e-7\n", "0\n", float_tol=1e-6)[0]


def test_crlf_trailing_spaces_and_blank_lines():
    assert compare_stdout("1 2 \r\n3\r\n\r\n\r\n", "1 2\n3\n")[0]
    assert not compare_stdout("1\n\n2\n", "1\n2\n")[0]  # a blank line inside the output is a line


def test_integers_past_the_int_str_limit_compare_and_show():
    # factorials and 2^n past 4300 digits: the host reads them although CPython's int-str limit is on
    big = "7" * 5000
    assert loads_json(f"[{big}]")[0] % 10 == 7
    assert compare_value(big, [loads_json(big)]) == (True, "")
    ok, why = compare_value(big[:-1] + "8", [loads_json(big)])
    assert not ok and "more than 4300 digits" in why


def test_a_stated_tolerance_loosens_call_based_floats_only():
    assert not compare_value("1.33333", 1.3333333333333333)[0]  # 1e-9 by default
    assert compare_value("1.33333", 1.3333333333333333, float_tol=1e-5)[0]
    assert compare_value("[1.33333]", [[1.3333333333333333]], float_tol=1e-5)[0]
    assert not compare_value("1.33", 1.3333333333333333, float_tol=1e-5)[0]
    assert not compare_value("100001", 100000, float_tol=1e-5)[0]  # integers stay exact
