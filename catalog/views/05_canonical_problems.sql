-- Problems that are canonical (or not yet deduplicated), with their contamination status.
CREATE OR REPLACE VIEW canonical_problems AS
SELECT p.*,
       d.cluster_id,
       coalesce(d.is_canonical, TRUE) AS is_canonical,
       EXISTS (SELECT 1 FROM contamination c WHERE c.problem_id = p.problem_id) AS is_contaminated
FROM problems p
LEFT JOIN dedup d USING (problem_id);
