from __future__ import annotations

import re
import statistics

from redstar_data.generate.backends import get_backend
from redstar_data.generate.backends.base import GenerationRequest, SamplingParams
from redstar_data.generate.backends.scripted import ScriptedTeacher, count_tokens, wrong_rate

BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


def _req(
    i: int, level: str, n: int = 4, max_tokens: int = 100_000, synthetic: bool = True
) -> GenerationRequest:
    meta = {
        "problem": f"What is {i} + {i}?",
        "answer": str(2 * i),
        "level": level,
        "meta": {"synthetic": True, "family": "addition", "steps": [f"Add {i} and {i}.", f"Get {2 * i}."]}
        if synthetic
        else {},
    }
    return GenerationRequest(
        f"p{i}",
        ({"role": "user", "content": meta["problem"]},),
        tuple(range(n)),
        SamplingParams(n=n, max_tokens=max_tokens),
        meta,
    )


def test_registered_and_named_a_stand_in():
    t = get_backend("scripted")
    assert isinstance(t, ScriptedTeacher) and t.model == "scripted-teacher-v1"
    assert "STAND-IN" in ScriptedTeacher.__doc__ and t.describe()["stand_in"] is True


def test_deterministic_per_seed_problem_and_sample():
    reqs = [_req(i, "3") for i in range(5)]
    a = ScriptedTeacher().generate(reqs)
    b = ScriptedTeacher().generate(list(reversed(reqs)))
    assert sorted(a, key=lambda c: (c.key, c.sample_index)) == sorted(
        b, key=lambda c: (c.key, c.sample_index)
    )
    # asking for sample 2 alone gives the same text as sample 2 of a full request
    alone = ScriptedTeacher().generate(
        [GenerationRequest("p0", reqs[0].messages, (2,), reqs[0].params, reqs[0].meta)]
    )
    assert alone[0] == next(c for c in a if c.key == "p0" and c.sample_index == 2)
    other_seed = ScriptedTeacher(seed=1).generate(reqs)
    assert [c.text for c in other_seed] != [c.text for c in a]


def test_long_form_with_reflection_and_boxed_answer():
    cs = ScriptedTeacher().generate([_req(i, "2") for i in range(30)])
    stop = [c for c in cs if c.finish_reason == "stop"]
    assert all(c.text.startswith("<think>") and "</think>" in c.text for c in stop)
    assert (
        sum(
            "let me check" in c.text.lower() or "double-check" in c.text.lower() or "re-examine" in c.text
            for c in cs
        )
        > len(cs) / 2
    )
    assert any("I made a mistake" in c.text for c in cs)
    lengths = [c.n_tokens for c in cs]
    assert max(lengths) > 1.5 * min(lengths) and statistics.pstdev(lengths) > 10  # shortest/longest matter


def test_wrong_answers_grow_with_level():
    rates = {}
    for level in ("1", "5"):
        cs = ScriptedTeacher().generate([_req(i, level, n=8) for i in range(60)])
        judged = [(c, BOXED.findall(c.text)) for c in cs if c.finish_reason == "stop"]
        wrong = [c for c, box in judged if box and box[-1] != str(2 * int(c.key[1:]))]
        rates[level] = len(wrong) / len(judged)
    assert wrong_rate("1") == 0.05 and abs(wrong_rate("5") - 0.45) < 1e-9
    assert rates["1"] < 0.12 and 0.3 < rates["5"] < 0.6


def test_truncation_and_missing_answers_occur_and_max_tokens_is_respected():
    cs = ScriptedTeacher().generate([_req(i, "3", n=8) for i in range(60)])
    assert any(c.finish_reason == "length" for c in cs)
    assert any(c.finish_reason == "stop" and not BOXED.search(c.text) for c in cs)
    capped = ScriptedTeacher().generate([_req(i, "3", max_tokens=40) for i in range(10)])
    assert all(c.n_tokens <= 40 and count_tokens(c.text) == c.n_tokens for c in capped)
    assert all(c.finish_reason == "length" for c in capped)


def test_problems_without_synthetic_steps_still_get_a_solution():
    cs = ScriptedTeacher().generate([_req(i, "Level 2", synthetic=False) for i in range(10)])
    assert all("Step 1:" in c.text for c in cs)
    assert sum(bool(BOXED.search(c.text)) for c in cs) >= 30
