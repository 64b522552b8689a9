-- Label counts per run and verifier version (newest label per trace).
SELECT t.run_id, l.verifier, l.verifier_version, l.label, count(*) AS n
FROM latest_labels l JOIN traces t USING (trace_id)
GROUP BY ALL ORDER BY ALL;
