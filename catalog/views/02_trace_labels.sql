-- Traces with the latest label of their problem's domain verifier (math traces: 'math', code traces:
-- 'code'; a trace without a problem row: 'math', as before; NULL when not verified yet) and their quality flags.
CREATE OR REPLACE VIEW trace_labels AS
SELECT t.*, l.verifier, l.verifier_version, l.label, l.extracted,
       coalesce(f.flags, []::VARCHAR[]) AS flags
FROM traces t
LEFT JOIN problems dp ON dp.problem_id = t.problem_id
LEFT JOIN labels_of(NULL, NULL) l ON l.trace_id = t.trace_id AND l.verifier = coalesce(dp.domain, 'math')
LEFT JOIN (SELECT trace_id, list(DISTINCT flag ORDER BY flag) AS flags FROM trace_flags GROUP BY trace_id) f
    ON f.trace_id = t.trace_id;
