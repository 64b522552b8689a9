-- Pass rate of verified traces per teacher model and the trace's own source (an imported response's file,
-- else the problem's source): the per-teacher twin of pass_rate_by_source.
SELECT coalesce(r.model, 'unknown') AS model,
       coalesce(json_extract_string(t.meta, '$.source_id'), p.source_id) AS source_id,
       count(*) AS n_traces,
       count(*) FILTER (WHERE t.label = 'correct') AS n_correct,
       round(pass_rate(t.label), 4) AS pass_rate
FROM trace_labels t JOIN problems p USING (problem_id) LEFT JOIN runs r USING (run_id)
WHERE t.label IS NOT NULL
GROUP BY ALL ORDER BY ALL;
