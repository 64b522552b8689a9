-- Traces with their latest math label (NULL when not verified yet) and their quality flags.
CREATE OR REPLACE VIEW trace_labels AS
SELECT t.*, l.verifier, l.verifier_version, l.label, l.extracted,
       coalesce(f.flags, []::VARCHAR[]) AS flags
FROM traces t
LEFT JOIN labels_of('math', NULL) l USING (trace_id)
LEFT JOIN (SELECT trace_id, list(DISTINCT flag ORDER BY flag) AS flags FROM trace_flags GROUP BY trace_id) f
    USING (trace_id);
