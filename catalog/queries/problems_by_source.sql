-- Problems per source and domain: is the source a benchmark, how many problems carry a reference answer.
SELECT s.source_id, p.domain, any_value(src.is_benchmark) AS benchmark, count(*) AS n_problems,
       count(p.answer) AS with_answer
FROM problem_sources s JOIN problems p USING (problem_id) LEFT JOIN sources src ON src.source_id = s.source_id
GROUP BY ALL ORDER BY ALL;
