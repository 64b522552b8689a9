-- Difficulty scores per method and model: how many, and their mean.
SELECT method, model, count(*) AS scores, round(avg(score), 3) AS mean_score
FROM difficulty GROUP BY ALL ORDER BY ALL;
