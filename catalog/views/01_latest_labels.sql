-- The newest label of each trace per verifier (older versions stay in `verifications`).
CREATE OR REPLACE VIEW latest_labels AS
SELECT * EXCLUDE (rn) FROM (
    SELECT v.*, row_number() OVER (
        PARTITION BY trace_id, verifier ORDER BY created_at DESC, verifier_version DESC) AS rn
    FROM verifications v
) WHERE rn = 1;
