-- Label counts per verifier and version (the latest label of each trace).
SELECT verifier, verifier_version, label, count(*) AS n FROM latest_labels GROUP BY ALL ORDER BY ALL;
