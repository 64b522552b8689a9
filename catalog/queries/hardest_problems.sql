-- Problems with the lowest pass rate among those with at least 4 verified traces.
SELECT p.problem_id, p.source_id, s.n_verified, s.pass_rate, left(p.problem, 80) AS problem
FROM problem_stats s JOIN problems p USING (problem_id)
WHERE s.n_verified >= 4 ORDER BY s.pass_rate, p.problem_id LIMIT 50;
