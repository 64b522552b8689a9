-- The latest label of each trace per verifier: the highest verifier_version (numeric order, version_key),
-- then the newest row of that version, then the label (a stable tiebreak). Older labels stay in
-- `verifications`. labels_of(verifier, version): one verifier (NULL: all), optionally pinned to one version.
CREATE OR REPLACE MACRO labels_of(of_verifier, pinned_version) AS TABLE
SELECT * EXCLUDE (rn) FROM (
    SELECT v.*, row_number() OVER (
        PARTITION BY trace_id, verifier
        ORDER BY version_key(verifier_version) DESC, verifier_version DESC, created_at DESC, label) AS rn
    FROM verifications v
    WHERE (of_verifier IS NULL OR v.verifier = of_verifier)
      AND (pinned_version IS NULL OR v.verifier_version = pinned_version)
) WHERE rn = 1;

CREATE OR REPLACE VIEW latest_labels AS SELECT * FROM labels_of(NULL, NULL);
