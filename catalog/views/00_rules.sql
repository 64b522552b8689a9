-- The curation rules every stage shares, defined once (recipes, difficulty, eval, the CLI, the views below).
-- version_key: a verifier version as numbers, so '1.10.0' > '1.9.0' (a string order would put it below).
CREATE OR REPLACE MACRO version_key(ver) AS TRY_CAST(regexp_extract_all(ver, '[0-9]+') AS BIGINT[]);
-- pass_rate: correct / verified over a group's (latest) labels; NULL when nothing in the group is verified.
CREATE OR REPLACE MACRO pass_rate(lbl) AS
    (count(lbl) FILTER (WHERE lbl = 'correct'))::DOUBLE / nullif(count(lbl), 0);
