"""Decontamination against benchmark sources in a real catalog."""

from __future__ import annotations

import pytest

from redstar_data.dedup.run import decontaminate
from redstar_data.errors import ConfigError, IngestError

AIME = (
    "Find the number of ordered pairs of positive integers $(m, n)$ such that $m^2 n = 20^{20}$ and "
    "$m$ and $n$ are both less than $10^{15}$."
)
MATH = "What is the smallest positive integer $n$ such that $17n \\equiv 1234 \\pmod{7}$?"
SHORT = "Compute $\\dbinom{8}{4}$."


@pytest.fixture
def seeded(catalog, add):
    add(catalog, "aime24", [AIME], benchmark=True)
    add(catalog, "math500", [MATH, SHORT], benchmark=True)
    train = add(
        catalog,
        "train",
        [
            # the AIME problem embedded in a longer training problem, reformatted
            "Warm-up exercise from our club. Find the number of ordered pairs of positive integers (m, n) "
            "such that \\(m^{2}n = 20^{20}\\) and m and n are both less than 10^{15}. Then explain your method.",
            # the MATH problem verbatim up to formatting
            "What is the smallest positive integer n such that 17n \\equiv 1234 \\pmod{7}?",
            # the short benchmark problem, reformatted: only the exact check applies
            "Compute $\\binom{8}{4}$.",
            # unrelated problems sharing a few words and numbers
            "Find the number of positive integers less than 1000 that are divisible by 7 but not by 11.",
            "Compute $\\dbinom{10}{4}$.",
        ],
    )
    return catalog, train


def test_embedded_benchmark_problem_flagged_with_span(seeded):
    cat, train = seeded
    rep = decontaminate(cat, against=["aime24", "math500"], ngram=13)
    rows = cat.arrow("SELECT * FROM contamination ORDER BY problem_id, method").to_pylist()
    by = {}
    for r in rows:
        by.setdefault(r["problem_id"], []).append(r)
    assert set(by) == {train[0], train[1], train[2]}
    (emb,) = by[train[0]]
    assert emb["benchmark"] == "aime24" and emb["method"] == "ngram" and emb["ngram"] == 13
    assert emb["matched_ngrams"] >= 10
    assert emb["overlap"].startswith("find the number of ordered pairs") and "10 ^ 15" in emb["overlap"]
    assert "warm" not in emb["overlap"] and "explain" not in emb["overlap"]
    assert {r["method"] for r in by[train[1]]} == {"exact", "ngram"}
    assert rep.per_benchmark == {"aime24": 1, "math500": 2} and rep.n_flagged == 3
    assert rep.n_checked == 5


def test_decontam_is_idempotent(seeded):
    cat, _ = seeded
    first = decontaminate(cat, against=["aime24", "math500"])
    n = cat.count("contamination")
    again = decontaminate(cat, against=["aime24", "math500"])
    assert first.n_rows_written == n > 0 and again.n_rows_written == 0 and cat.count("contamination") == n


def test_short_benchmark_problems_need_exact_match(seeded):
    cat, train = seeded
    decontaminate(cat, against=["math500"], ngram=5)
    flagged = dict(cat.rows("SELECT problem_id, method FROM contamination"))
    assert flagged[train[2]] == "exact"  # \binom vs \dbinom is formatting; too short for any 5-gram
    assert train[4] not in flagged and train[3] not in flagged  # other numbers / other problem


def test_unknown_benchmark_is_an_error(catalog):
    with pytest.raises((ConfigError, IngestError), match="nope"):
        decontaminate(catalog, against=["nope"])
    with pytest.raises(ConfigError, match="no benchmark"):
        decontaminate(catalog, against=[])


def test_benchmarks_ingested_from_shared_data(catalog, add, shared_data):
    import json

    first = json.loads((shared_data / "benchmarks" / "aime24.jsonl").read_text().splitlines()[0])["problem"]
    train = add(catalog, "train", ["From a contest archive: " + first + " Good luck!", "What is 2 + 2?"])
    with pytest.raises(ConfigError, match="not in the catalog: aime24"):
        decontaminate(catalog, against=["aime24"])  # dedup does not ingest: the CLI / ensure_benchmarks do
    from redstar_data.ingest.benchmarks import ensure_benchmarks

    ensure_benchmarks(catalog, ["aime24"])
    rep = decontaminate(catalog, against=["aime24"])
    assert rep.n_benchmark_problems == 30 and rep.n_checked == 2
    flagged = {r[0] for r in catalog.rows("SELECT problem_id FROM contamination")}
    assert flagged == {train[0]}


SHORT_SPECIFIC = "Find the units digit of $18^6$."  # 8 normalised tokens: below the 13-gram, above min_tokens


def test_short_benchmark_problem_embedded_in_training_problem_is_flagged(catalog, add):
    (bench,) = add(catalog, "math500", [SHORT_SPECIFIC], benchmark=True)
    train = add(
        catalog,
        "train",
        [
            # the short benchmark problem inside a longer one, reformatted
            "Warm-up from the club sheet: find the units digit of 18^{6}. Then explain why it repeats.",
            # the same words with other numbers: containment is on whole tokens, so 60 is not 6
            "Find the units digit of 18^7.",
            "Find the units digit of $18^{60}$ and of $7^7$.",
        ],
    )
    rep = decontaminate(catalog, against=["math500"])
    rows = catalog.arrow("SELECT * FROM contamination").to_pylist()
    assert [(r["problem_id"], r["method"]) for r in rows] == [(train[0], "contain")]
    (row,) = rows
    assert row["benchmark"] == "math500" and row["benchmark_problem_id"] == bench
    assert row["overlap"] == "find the units digit of 18 ^ 6"
    assert row["ngram"] == 8 and row["matched_ngrams"] == 1  # the whole problem is one 8-gram
    assert rep.n_short_checked == 1 and rep.per_benchmark == {"math500": 1}
    again = decontaminate(catalog, against=["math500"])
    assert again.n_rows_written == 0  # idempotent like the other methods


def test_very_short_generic_benchmark_problem_does_not_over_flag(catalog, add):
    add(catalog, "math500", ["Compute $2+2$."], benchmark=True)  # 4 tokens: "compute 2 + 2"
    train = add(
        catalog,
        "train",
        [
            "Compute 2 + 2.",  # the same problem: the exact check still applies
            "First compute 2+2 and then multiply the result by 11. What do you get?",
            "Compute 2 + 2 ^ 3 and write the answer in binary.",
            "A square has side 4. Compute 2 + 2 times its area.",
        ],
    )
    rep = decontaminate(catalog, against=["math500"])
    flagged = catalog.rows("SELECT problem_id, method FROM contamination")
    assert flagged == [(train[0], "exact")]  # below min_tokens (6): no containment flags
    assert rep.n_short_checked == 0
    # the threshold is what keeps them out: lowered to 4, every training problem above contains it
    catalog.execute("DELETE FROM contamination")
    decontaminate(catalog, against=["math500"], min_tokens=4)
    n = catalog.scalar("SELECT count(DISTINCT problem_id) FROM contamination WHERE method = 'contain'")
    assert n == 4
    with pytest.raises(ConfigError, match="min_tokens"):
        decontaminate(catalog, against=["math500"], min_tokens=0)


def test_window_hashes_depend_only_on_the_window():
    import random

    from redstar_data.dedup.decontam import NgramHasher

    rng = random.Random(0)
    docs = [[rng.choice("abcdef") for _ in range(rng.randint(0, 25))] for _ in range(200)]
    hasher = NgramHasher(13)
    enc = hasher.encode(docs)
    for length in (1, 4, 12):
        hashes, doc, start = (a.tolist() for a in hasher.window_hashes(enc, length))
        assert len(hashes) == sum(max(0, len(t) - length + 1) for t in docs)  # every window, none across docs
        seen: dict[tuple[str, ...], set[int]] = {}
        for h, d, st in zip(hashes, doc, start, strict=True):
            seen.setdefault(tuple(docs[d][st : st + length]), set()).add(h)
        assert all(len(v) == 1 for v in seen.values())  # same window, same hash, wherever it sits
        assert len({next(iter(v)) for v in seen.values()}) == len(seen)  # no collisions here
        window, (h,) = next(iter(seen.items()))
        assert hasher.window_hashes(hasher.encode([list(window)]), length)[0].tolist() == [h]


# Issue 15, finding 9: AIME/AMC-style answer instructions shared by many benchmark problems.
TAIL_MN = "The answer can be written as $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$."
SETUPS = [
    "A bag holds 5 red and 7 blue marbles and two are drawn without replacement; let p be the chance both are red.",
    "Triangle ABC has sides 13, 14 and 15, and the circle through its vertices has a radius we call R here.",
    "A fair coin is tossed ten times in a row and q is the chance of never seeing two heads in a row at all.",
    "Points are chosen on a unit square's perimeter at random and s is the expected squared distance between them.",
    "A frog jumps on lattice points starting at the origin and t is the chance it reaches x = 4 before y = 4 too.",
]
# a long context several sub-questions share (as in OlympiadBench): copying it is contamination
PUZZLE = (
    "Elizabeth is in an escape room puzzle. She is in a room with one door which is locked at the start of the "
    "puzzle. The room contains n light switches, each of which is initially off. Each minute, she must flip "
    "exactly k different light switches. At the end of each minute, if all of the switches are on, then the "
    "door unlocks and Elizabeth escapes from the room. Let E(n, k) be the minimum number of minutes required "
    "for Elizabeth to escape, for positive integers n, k with k <= n."
)


def test_boilerplate_ngrams_are_not_evidence_and_the_matched_text_is(catalog, add):
    """An n-gram that many benchmark problems share ("... relatively prime positive integers. Find m+n") flags
    an unrelated training problem on today's code; now it is boilerplate. A real copy is still flagged, with
    its own text (not the boilerplate) as the stored evidence, and a long passage several sub-questions share
    stays evidence however many problems hold it."""
    bench = [f"{s} {TAIL_MN}" for s in SETUPS]
    bench += [f"{PUZZLE} Compute E({n}, {k})." for n, k in ((6, 2), (9, 3), (11, 4), (14, 5), (20, 7))]
    # the same instruction after other words: its n-grams that straddle "probability is" occur once only
    bench.append("Two cards are drawn from a deck. The probability is $\\frac{m}{n}$, where $m$ and $n$ are "
                 "relatively prime positive integers. Find $m+n$.")  # fmt: skip
    ids = add(catalog, "aime24", bench, benchmark=True)
    train = add(
        catalog,
        "train",
        [
            # unrelated, with the same closing instruction: boilerplate only
            "Two dice are rolled and r is the probability that the product is a perfect square. " + TAIL_MN,
            # a copy of a benchmark problem (its setup) with the same instruction
            "Homework 3. " + SETUPS[1] + " " + TAIL_MN,
            # the shared puzzle with another sub-question
            PUZZLE + " Find E(30, 8).",
            # another unrelated problem ending like the last benchmark problem: a straddling n-gram only
            "A spinner has 7 equal sectors. After three spins the probability is $\\frac{m}{n}$, where $m$ and "
            "$n$ are relatively prime positive integers. Find $m+n$.",
        ],
    )
    rep = decontaminate(catalog, against=["aime24"], ngram=13)
    flagged = {
        r[0]: r[1:]
        for r in catalog.rows(
            "SELECT problem_id, benchmark_problem_id, overlap FROM contamination WHERE method = 'ngram' "
            "ORDER BY matched_ngrams"
        )
    }
    assert train[0] not in flagged and train[3] not in flagged
    assert train[1] in flagged and flagged[train[1]][0] == ids[1]
    assert "circle through its vertices" in flagged[train[1]][1]  # the copied setup is the evidence
    assert train[2] in flagged and "escape room" in flagged[train[2]][1]
    assert rep.n_boilerplate_ngrams > 0
    assert any("relatively prime positive integers" in e for e in rep.boilerplate_examples)
    # 0 turns it off: the unrelated problem is flagged again (today's behaviour)
    decontaminate(catalog, against=["aime24"], ngram=13, boilerplate_df=0)
    assert catalog.scalar("SELECT count(*) FROM contamination WHERE problem_id = ?", [train[0]]) > 0
