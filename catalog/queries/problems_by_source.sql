-- Problems per source and domain: is the source a benchmark, how many problems carry a reference answer, and
-- how many show at least one image (problems.images: a JSON list of image ids).
SELECT s.source_id, p.domain, any_value(src.is_benchmark) AS benchmark, count(*) AS n_problems,
       count(p.answer) AS with_answer, count(*) FILTER (WHERE json_array_length(p.images) > 0) AS with_images
FROM problem_sources s JOIN problems p USING (problem_id) LEFT JOIN sources src ON src.source_id = s.source_id
GROUP BY ALL ORDER BY ALL;
