-- Pass rate of verified traces per problem source (first ingested) and run; per teacher: pass_rate_by_model.
SELECT p.source_id, t.run_id, count(*) AS n_traces,
       count(*) FILTER (WHERE t.label = 'correct') AS n_correct,
       round(pass_rate(t.label), 4) AS pass_rate
FROM trace_labels t JOIN problems p USING (problem_id)
WHERE t.label IS NOT NULL
GROUP BY ALL ORDER BY ALL;
