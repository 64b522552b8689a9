-- Dedup per method: problems, clusters, canonical members.
SELECT method, count(*) AS problems, count(DISTINCT cluster_id) AS clusters,
       count(*) FILTER (WHERE is_canonical) AS canonical
FROM dedup GROUP BY ALL ORDER BY ALL;
