"""The pass_rate method: 1 - pass rate over the latest labels of one run's traces.

The rules (latest label, pass rate) are the catalog's ``labels_of`` and ``pass_rate`` macros
(``catalog/views/``), so this score and the ``problem_stats`` view and recipes always agree.

A problem a small model solves in 8 of 8 samples scores 0 (easy), one it never solves scores 1. Problems
with no verified trace in the run get no row (unknown is not "easy").
"""

from __future__ import annotations

PASS_RATE_SQL = """
    SELECT t.problem_id,
           count(*) AS n_traces,
           count(l.label) AS n_verified,
           count(*) FILTER (WHERE l.label = 'correct') AS n_correct,
           pass_rate(l.label) AS pass_rate
    FROM traces t
    LEFT JOIN labels_of(?, NULL) l USING (trace_id)
    WHERE t.run_id = ?
    GROUP BY t.problem_id
    HAVING count(l.label) FILTER (WHERE l.label <> 'unverifiable') > 0
"""
