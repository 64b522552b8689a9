-- Code problems: per source and run, traces labelled by the code verifier, pass rate (unverifiable
-- labels left out: a special-judge problem is not a failure) and where the rest failed.
SELECT p.source_id, t.run_id,
       count(*) AS n_traces,
       count(*) FILTER (WHERE l.label = 'correct') AS n_correct,
       round((count(*) FILTER (WHERE l.label = 'correct'))::DOUBLE
             / nullif(count(*) FILTER (WHERE l.label <> 'unverifiable'), 0), 4) AS pass_rate,
       count(*) FILTER (WHERE l.label = 'incorrect') AS n_incorrect,
       count(*) FILTER (WHERE l.label = 'timeout') AS n_timeout,
       count(*) FILTER (WHERE l.label = 'error') AS n_error,
       count(*) FILTER (WHERE l.label = 'no_answer') AS n_no_answer,
       count(*) FILTER (WHERE l.label = 'unverifiable') AS n_unverifiable
FROM traces t
JOIN problems p USING (problem_id)
JOIN (SELECT * FROM latest_labels WHERE verifier = 'code') l USING (trace_id)
WHERE p.domain = 'code'
GROUP BY ALL ORDER BY ALL;
