-- Duplicate clusters with more than one member: size, canonical member, how they were found, the members.
CREATE OR REPLACE VIEW dedup_clusters AS
SELECT cluster_id,
       count(*) AS n_members,
       bool_or(method = 'minhash') AS has_near_duplicates,
       list(problem_id ORDER BY is_canonical DESC, problem_id) AS members
FROM dedup
GROUP BY cluster_id
HAVING count(*) > 1;
