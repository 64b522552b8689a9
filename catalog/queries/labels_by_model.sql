-- Label counts per teacher model, run kind and verifier version (newest label per trace).
SELECT coalesce(r.model, 'unknown') AS model, r.kind AS run_kind, l.verifier, l.verifier_version, l.label,
       count(*) AS n
FROM latest_labels l JOIN traces t USING (trace_id) LEFT JOIN runs r USING (run_id)
GROUP BY ALL ORDER BY ALL;
