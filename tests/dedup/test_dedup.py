"""Dedup on a real catalog file: planted near-duplicates found, distinct problems kept apart, incremental."""

from __future__ import annotations

import numpy as np
import pytest

from redstar_data.dedup import engine, normalize
from redstar_data.dedup.minhash import Sketcher, resolve_params
from redstar_data.dedup.run import dedup
from redstar_data.errors import ConfigError
from redstar_data.progress import RecordingProgress

BASE = [
    "A farmer has 17 cows and 23 sheep in a field. Each cow eats 4 bales of hay per week and each sheep "
    "eats 2 bales of hay per week. How many bales of hay does the farmer need for 6 weeks?",
    "Let $f(x) = 3x^2 - 5x + 7$. Find the value of $f(4)$ and then compute the remainder when $f(4)$ is "
    "divided by $9$. Express your answer as a nonnegative integer.",
    "A rectangle has a perimeter of 56 centimeters and its length is 4 centimeters more than three times its "
    "width. What is the area of the rectangle in square centimeters?",
    "Triangle $ABC$ has sides $AB = 13$, $BC = 14$ and $CA = 15$. The altitude from $A$ meets $BC$ at $D$. "
    "Find the length of the segment $BD$, giving your answer as a common fraction.",
]

# (base index, variant): copies that differ only in formatting, number spelling, order or one word
VARIANTS = [
    # numbers respelled: words, decimals, LaTeX-wrapped
    (
        0,
        "A farmer has seventeen cows and 23 sheep in a field. Each cow eats four bales of hay per week and "
        "each sheep eats two bales of hay per week. How many bales of hay does the farmer need for six weeks?",
    ),
    (
        0,
        "A farmer has $17$ cows and $23.0$ sheep in a field. Each cow eats $4$ bales of hay per week and each "
        "sheep eats $2$ bales of hay per week. How many bales of hay does the farmer need for $6$ weeks?",
    ),
    # LaTeX and whitespace reformatting
    (
        1,
        "Let \\( f(x)=3x^{2}-5x+7 \\).\n\nFind the value of \\(f(4)\\) and then compute the remainder when "
        "\\(f(4)\\) is divided by 9.   Express your answer as a nonnegative integer.",
    ),
    # sentence order
    (
        2,
        "What is the area of the rectangle in square centimeters? A rectangle has a perimeter of 56 "
        "centimeters and its length is 4 centimeters more than three times its width.",
    ),
    # one word changed + LaTeX dropped
    (
        3,
        "Triangle ABC has sides AB = 13, BC = 14 and CA = 15. The altitude from A meets BC at D. Determine "
        "the length of the segment BD, giving your answer as a common fraction.",
    ),
]

# same templates, other numbers: different problems that must stay apart
DISTINCT = [
    BASE[0].replace("17 cows", "18 cows"),
    BASE[0].replace("6 weeks", "9 weeks"),
    BASE[2].replace("56", "64"),
    # the same numbers in other places: a plain set of numbers would call this the same problem
    BASE[3].replace("$AB = 13$, $BC = 14$", "$AB = 14$, $BC = 13$"),
]


def clusters_of(cat) -> dict[str, tuple[str, bool, str]]:
    rows = cat.arrow("SELECT problem_id, cluster_id, is_canonical, method FROM dedup").to_pylist()
    return {r["problem_id"]: (r["cluster_id"], r["is_canonical"], r["method"]) for r in rows}


def test_normaliser_ignores_formatting_keeps_values():
    a = "Find $\\dfrac{3}{4}$ of 1,000 apples.  What is three times 3.50?"
    b = "What is 3 times 3.5? Find \\(\\frac34\\) of 1000 apples."
    assert sorted(map(tuple, normalize.sentences(a))) == sorted(map(tuple, normalize.sentences(b)))
    assert normalize.numbers_key(normalize.sentences(a)) == normalize.numbers_key(normalize.sentences(b))
    assert normalize.tokens("\\text{Area} = \\left( x^2 \\right)") == ["area", "=", "x", "^", "2"]
    # a digit right after the command is no word boundary: \dfrac32 is \frac32 is \frac{3}{2}
    assert normalize.tokens("\\dfrac32") == normalize.tokens("\\frac32") == normalize.tokens("\\frac{3}{2}")
    assert normalize.tokens("\\tfrac12 \\dbinom{5}{2}") == ["\\frac", "1", "2", "\\binom", "5", "2"]
    # values survive: 3 and 7 are different problems
    assert normalize.numbers_key(normalize.sentences("Take 3 apples.")) != normalize.numbers_key(
        normalize.sentences("Take 7 apples.")
    )
    sk = Sketcher(resolve_params()).sketch(["Take  $3$ apples", "take 3.0 apples", "take 4 apples", ""])
    assert sk.exact_hash[0] == sk.exact_hash[1] != sk.exact_hash[2]
    assert sk.numbers[0] == sk.numbers[1] != sk.numbers[2]


def test_batch_tokeniser_equals_per_text_normaliser():
    texts = (
        BASE + [v for _, v in VARIANTS] + DISTINCT + ["", "   ", "$$", "Is 5! = 120? Yes; 3.5. End", "x.y"]
    )
    raw = normalize.raw_batch_tokens(texts)
    got: list[list[list[str]]] = [[[]]]
    for t in raw:
        if t == normalize.DOC_SEP:
            got.append([[]])
        elif normalize.is_sentence_end(t):
            got[-1].append([])
        else:
            got[-1][-1].append(normalize.canonical(t))
    assert [[s for s in doc if s] for doc in got] == [normalize.sentences(t) for t in texts]


def test_numbers_key_is_per_sentence_sequence_set():
    sk = Sketcher(resolve_params())
    a, b, c, d = sk.sketch(
        [
            "A ratio of 3 to 5. Then 7 more.",
            "Then 7 more. A ratio of 3 to 5.",
            "A ratio of 5 to 3. Then 7 more.",
            "A ratio of 3 to 5. Then 7 more. Then 7 more.",
        ]
    ).numbers.tolist()
    assert a == b == d != c


def test_planted_near_duplicates_found_and_distinct_kept_apart(catalog, add):
    base = add(catalog, "train", BASE, answers=["192", "8", "171", "33/5"])
    var = add(catalog, "web", [v for _, v in VARIANTS])
    dist = add(catalog, "web", DISTINCT)
    rep = dedup(catalog)
    assert rep.n_problems == rep.n_processed == len(BASE) + len(VARIANTS) + len(DISTINCT)
    c = clusters_of(catalog)
    assert len(c) == rep.n_problems  # every problem has a row, singletons included
    for (bi, _), vid in zip(VARIANTS, var, strict=True):
        assert c[vid][0] == c[base[bi]][0], f"variant of base {bi} not clustered"
        assert c[base[bi]][1] and not c[vid][1]  # the base has a reference answer: canonical
    for did in dist:
        assert c[did][0] == did and c[did][1], "distinct problem merged"
    assert len({c[b][0] for b in base}) == len(BASE)
    assert rep.n_duplicates == len(VARIANTS)
    assert {c[v][2] for v in var} == {"exact", "minhash"}  # respelled numbers normalise to the same text


def test_canonical_rule_source_priority_then_answer_then_id(catalog, add):
    a = add(catalog, "low", [BASE[0]], answers=["192"])
    b = add(catalog, "high", [VARIANTS[0][1]])
    c = add(catalog, "high", [VARIANTS[1][1]], answers=["192"])
    dedup(catalog)
    cl = clusters_of(catalog)
    assert cl[b[0]][0] == cl[a[0]][0] == cl[c[0]][0]
    assert cl[a[0]][0] == min(a[0], c[0])  # no priority: has an answer (a, c), then the smallest id
    rep = dedup(catalog, source_priority=["high"])
    assert rep.rebuilt  # another priority means other canonicals: recomputed
    cl = clusters_of(catalog)
    assert cl[a[0]][0] == c[0] and cl[c[0]][1]  # high source + answer beats high source without answer
    assert not cl[b[0]][1]


def test_benchmark_only_problems_are_not_deduplicated(catalog, add):
    add(catalog, "train", BASE[:2])
    bench = add(catalog, "math500", [BASE[2]], benchmark=True)
    both = add(catalog, "math500", [BASE[0]], benchmark=True)  # also in train: deduplicated
    rep = dedup(catalog)
    c = clusters_of(catalog)
    assert bench[0] not in c and both[0] in c
    assert rep.n_problems == 2


def test_incremental_rerun_processes_only_new_rows(catalog, add):
    first = add(catalog, "train", BASE + DISTINCT)
    rep1 = dedup(catalog)
    assert rep1.n_processed == len(first) and not rep1.incremental
    fp = catalog.fingerprint()
    again = dedup(catalog)
    assert again.n_processed == 0 and catalog.fingerprint() == fp  # idempotent

    new_texts = [VARIANTS[2][1], VARIANTS[4][1], "A brand new problem about 11 pirates sharing 1001 coins."]
    new = add(catalog, "web", new_texts, answers=["8", None, "91"])
    prog = RecordingProgress()
    rep2 = dedup(catalog, progress=prog)
    assert rep2.incremental and rep2.n_processed == len(new_texts)
    assert rep2.stats["n"] == len(new_texts)
    sketch_events = [e for e in prog.events if e.stage == "dedup: sketch"]
    assert sketch_events[-1].total == len(new_texts)
    c = clusters_of(catalog)
    assert c[new[0]][0] == c[first[1]][0]
    assert c[new[1]][0] == c[first[3]][0]
    assert c[new[2]] == (new[2], True, "exact")
    # the variant of BASE[1] has an answer and the original has none: the canonical moved to the new row
    assert c[first[1]] == (new[0], False, "exact")  # LaTeX/whitespace only: same normalised text
    assert c[new[1]][2] == "minhash"
    assert catalog.count("dedup") == catalog.count("dedup_index") == len(first) + len(new)


def test_incremental_matches_full_run(catalog_path, tmp_path, add):
    from redstar_data.catalog import Catalog

    texts = BASE + [v for _, v in VARIANTS] + DISTINCT
    with Catalog.open(catalog_path) as inc:
        add(inc, "train", texts[:5])
        dedup(inc)
        add(inc, "train", texts[5:])
        dedup(inc)
        got = clusters_of(inc)
    with Catalog.open(tmp_path / "full.duckdb") as full:
        add(full, "train", texts)
        dedup(full)
        want = clusters_of(full)
    assert {k: v[:2] for k, v in got.items()} == {k: v[:2] for k, v in want.items()}


def test_parallel_sketch_equals_in_process(monkeypatch):
    texts = (BASE + [v for _, v in VARIANTS] + DISTINCT) * 5
    params = resolve_params()
    one = engine.sketch_all(texts, params, workers=1)
    monkeypatch.setattr(engine, "BATCH", 8)
    two = engine.sketch_all(texts, params, workers=2)
    assert np.array_equal(one.sig, two.sig) and one.exact_hash == two.exact_hash


def test_bad_options_are_config_errors(catalog):
    with pytest.raises(ConfigError, match="threshold"):
        dedup(catalog, threshold=1.5)
    with pytest.raises(ConfigError, match="bands x rows"):
        dedup(catalog, bands=20, rows=8)


def test_stored_signatures_round_trip_through_duckdb(catalog):
    from redstar_data.dedup import index

    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(2500, 128), dtype=np.uint64).astype(np.uint32)
    keys = rng.integers(0, 2**63, size=(2500, 16), dtype=np.uint64)
    ids = [f"{i:05d}" for i in range(2500)]
    catalog.append("dedup_index", index.index_table(ids, "k", np.arange(2500, dtype=np.uint64), sig, keys))
    back = catalog.arrow("SELECT signature, band_keys FROM dedup_index ORDER BY problem_id")
    assert np.array_equal(index.signatures_from(back.column("signature"), 128), sig)  # bulk path
    assert np.array_equal(index.signatures_from(back.column("signature").slice(7, 20), 128), sig[7:27])
    assert back.column("band_keys")[3].as_py() == keys[3].tolist()


def test_dedup_clusters_view(catalog, add):
    base = add(catalog, "train", BASE, answers=["192", "8", "171", "33/5"])
    add(catalog, "web", [v for _, v in VARIANTS])
    dedup(catalog)
    rows = catalog.arrow("SELECT * FROM dedup_clusters ORDER BY n_members DESC, cluster_id").to_pylist()
    assert sum(r["n_members"] - 1 for r in rows) == len(VARIANTS)
    assert rows[0]["cluster_id"] == base[0] and rows[0]["n_members"] == 3 and rows[0]["members"][0] == base[0]


def test_source_priority_is_saved_and_reused(catalog, add):
    from redstar_data.dedup.run import saved_priority

    low = add(catalog, "low", [BASE[0]], answers=["192"])
    high = add(catalog, "high", [VARIANTS[0][1]])  # no answer: canonical only by priority
    rep = dedup(catalog, source_priority=["high"])
    assert rep.priority_source == "given" and rep.priority_changed and rep.previous_priority is None
    assert saved_priority(catalog) == ["high"]
    assert clusters_of(catalog)[low[0]][0] == high[0]

    # later runs without a priority reuse the saved one: nothing rebuilt, same canonical
    fp = catalog.fingerprint()
    again = dedup(catalog)
    assert again.priority_source == "saved" and again.source_priority == ["high"]
    assert not again.rebuilt and again.n_processed == 0 and catalog.fingerprint() == fp
    more = add(catalog, "low", [VARIANTS[1][1]], answers=["192"])
    inc = dedup(catalog)
    assert inc.incremental and not inc.rebuilt and inc.priority_source == "saved"
    c = clusters_of(catalog)
    assert c[more[0]][0] == c[low[0]][0] == high[0] and c[high[0]][1]

    # giving one again replaces it (and rebuilds); the new one is then the saved one
    rep = dedup(catalog, source_priority=["low"])
    assert rep.rebuilt and rep.priority_changed and rep.previous_priority == ["high"]
    c = clusters_of(catalog)
    assert c[high[0]][0] == min(low[0], more[0]) and not c[high[0]][1]
    assert dedup(catalog).source_priority == ["low"] and clusters_of(catalog) == c
    same = dedup(catalog, source_priority=["low"])
    assert not same.priority_changed and not same.rebuilt

    # an empty list clears it: answer, then smallest id
    cleared = dedup(catalog, source_priority=[])
    assert cleared.rebuilt and saved_priority(catalog) == [] and dedup(catalog).priority_source == "saved"
    assert clusters_of(catalog)[high[0]][0] == min(low[0], more[0])


def test_priority_of_catalogs_deduplicated_before_it_was_saved(catalog, add):
    from redstar_data.dedup.run import PRIORITY_KEY

    low = add(catalog, "low", [BASE[0]], answers=["192"])
    high = add(catalog, "high", [VARIANTS[0][1]])
    dedup(catalog, source_priority=["high"])
    catalog.execute("DELETE FROM catalog_meta WHERE key = ?", [PRIORITY_KEY])  # as an older version left it
    rep = dedup(catalog)
    assert rep.priority_source == "saved" and rep.source_priority == ["high"]  # read from dedup.params
    assert not rep.rebuilt and clusters_of(catalog)[low[0]][0] == high[0]
