"""The synthetic source: deterministic, exact answers (checked against sympy), the scripted-teacher contract."""

from __future__ import annotations

import json
from fractions import Fraction

import sympy as sp

from redstar_data.ingest.run import ingest
from redstar_data.ingest.synthetic import FAMILIES, SCHEMA, generate_math, generate_rows, latex


def test_deterministic_per_seed_and_independent_of_batching() -> None:
    a = [r for b in generate_math(300, seed=7, batch_size=64) for r in b.to_pylist()]
    b = [r for b in generate_math(300, seed=7, batch_size=1000) for r in b.to_pylist()]
    c = list(generate_rows(300, seed=8))
    assert a == b and a != c and len(a) == 300
    # the Arrow rows carry every META_TYPE field (near_duplicate_of is null for original rows)
    plain = [
        {**r, "meta": {"near_duplicate_of": None, **r["meta"]}} for r in generate_rows(300, seed=7, start=250)
    ]
    assert plain == a[250:]


def test_rows_follow_the_contract() -> None:
    rows = list(generate_rows(2000, seed=0))
    assert {r["meta"]["family"] for r in rows} == set(FAMILIES)
    assert {r["level"] for r in rows} == {"1", "2", "3", "4", "5"}
    for r in rows:
        m = r["meta"]
        assert m["synthetic"] is True and r["domain"] == "math"
        assert m["steps"] and all("\n" not in s for s in m["steps"])
        assert latex(Fraction(m["answer_value"])) == r["answer"]
        assert r["solution"].endswith(f"\\boxed{{{r['answer']}}}$.")
        assert not r["answer"].startswith("x")
    assert len({r["problem"] for r in rows}) > 0.97 * len(rows)


def test_answers_match_sympy_solving_directly() -> None:
    x = sp.Symbol("x")
    for r in generate_rows(1500, seed=3):
        fam, val = r["meta"]["family"], sp.Rational(r["meta"]["answer_value"])
        if fam == "linear_equation":
            eq = r["problem"].split("$")[3]
            var = r["problem"].split("$")[1]
            lhs, rhs = eq.split("=")
            sym = sp.Symbol(var)
            expr = sp.sympify(lhs.replace(var, f"*{var}"), locals={var: sym}) - sp.sympify(
                rhs.replace(var, f"*{var}"), locals={var: sym}
            )
            assert sp.solve(expr, sym) == [val], r["problem"]
        elif fam == "quadratic_roots":
            poly = r["problem"].split("$")[1].split("=")[0].replace("x^2", "*x**2").replace("x ", "*x ")
            roots = sp.Poly(sp.sympify(poly, locals={"x": x}), x)
            a, b, c = roots.all_coeffs()
            want = -b / a if "sum" in r["problem"] else c / a
            assert sp.Rational(want) == val, r["problem"]
        elif fam == "fractions":
            expr = r["problem"].split("$")[1]
            py = expr.replace("\\frac{", "Rational(").replace("}{", ",").replace("}", ")")
            assert sp.sympify(py, locals={"Rational": sp.Rational}) == val


def test_schema_and_ingest(catalog) -> None:
    b = next(generate_math(10, seed=0))
    assert b.schema == SCHEMA
    r = ingest(catalog, "synthetic:math?n=500&seed=0")
    assert (r.source_id, r.kind, r.n_read) == ("synthetic-math", "synthetic", 500)
    row = catalog.arrow("SELECT domain, level, answer, solution, meta FROM problems LIMIT 1").to_pylist()[0]
    meta = json.loads(row["meta"])
    assert set(meta) == {"synthetic", "family", "steps", "answer_value", "near_duplicate_of"}
    assert meta["synthetic"] is True and meta["near_duplicate_of"] is None
    assert row["domain"] == "math" and row["level"] in "12345"
    again = ingest(catalog, "synthetic:math?n=500&seed=0")
    assert again.n_new == 0 and again.n_present == 500


def test_planted_near_duplicates_are_marked_found_by_dedup_and_leave_other_rows_alone(catalog) -> None:
    from redstar_data.dedup.run import dedup

    plain = list(generate_rows(600, seed=3))
    dup = list(generate_rows(600, seed=3, dups=10))
    planted = {r["id"]: r["meta"]["near_duplicate_of"] for r in dup if r["meta"].get("near_duplicate_of")}
    assert 30 <= len(planted) <= 90  # about 10%
    assert [r for r in dup if r["id"] not in planted] == [r for r in plain if r["id"] not in planted]
    by_id = {r["id"]: r for r in dup}
    for copy, orig in planted.items():  # same maths, other text
        assert (
            by_id[copy]["answer"] == by_id[orig]["answer"]
            and by_id[copy]["problem"] != by_id[orig]["problem"]
        )
    assert list(generate_rows(600, seed=3, dups=10, start=300)) == dup[300:]

    r = ingest(catalog, "synthetic:math?n=600&seed=3&dups=10")
    assert r.n_rejected == 0
    dedup(catalog)
    pairs = catalog.rows("""
        SELECT p.source_key, q.source_key FROM dedup a JOIN dedup b USING (cluster_id)
        JOIN problems p ON p.problem_id = a.problem_id JOIN problems q ON q.problem_id = b.problem_id
        WHERE a.problem_id < b.problem_id
    """)
    group = {r["id"]: planted.get(r["id"], r["id"]) for r in dup}  # a copy belongs to its original's group
    assert all(group[a] == group[b] for a, b in pairs)  # nothing else merged
    found = {group[a] for a, b in pairs}
    assert len(found) >= 0.7 * len(set(planted.values()))


def test_dups_option_is_checked(catalog) -> None:
    import pytest

    from redstar_data.errors import IngestError

    with pytest.raises(IngestError, match="not a percentage"):
        ingest(catalog, "synthetic:math?n=10&dups=150")
    with pytest.raises(IngestError, match="unknown option"):
        ingest(catalog, "synthetic:math?n=10&dup=5")
