-- Traces per generation run: its kind and model, how many traces and problems.
SELECT t.run_id, any_value(r.kind) AS kind, any_value(r.model) AS model, count(*) AS traces,
       count(DISTINCT t.problem_id) AS problems
FROM traces t LEFT JOIN runs r USING (run_id) GROUP BY ALL ORDER BY ALL;
