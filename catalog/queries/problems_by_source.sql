-- Problems per source and domain, with how many carry a reference answer.
SELECT s.source_id, p.domain, count(*) AS n_problems, count(p.answer) AS with_answer
FROM problem_sources s JOIN problems p USING (problem_id)
GROUP BY ALL ORDER BY ALL;
