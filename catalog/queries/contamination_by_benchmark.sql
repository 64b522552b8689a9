-- Contaminated training problems per benchmark and method.
SELECT benchmark, method, count(DISTINCT problem_id) AS problems FROM contamination GROUP BY ALL ORDER BY ALL;
