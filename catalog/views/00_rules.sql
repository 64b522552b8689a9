-- The curation rules every stage shares, defined once (recipes, difficulty, eval, the CLI, the views below).
-- version_key: a verifier version as numbers, so '1.10.0' > '1.9.0' (a string order would put it below).
CREATE OR REPLACE MACRO version_key(ver) AS TRY_CAST(regexp_extract_all(ver, '[0-9]+') AS BIGINT[]);
-- pass_rate: correct / verified over a group's (latest) labels; NULL when nothing in the group is verified.
-- 'unverifiable' (a code problem with several valid outputs and no checker) is not a failure: left out.
CREATE OR REPLACE MACRO pass_rate(lbl) AS
    (count(lbl) FILTER (WHERE lbl = 'correct'))::DOUBLE
    / nullif(count(lbl) FILTER (WHERE lbl <> 'unverifiable'), 0);
-- level_score: the numeric difficulty of a source's level label (ingest and `difficulty --method label`):
-- 'Level 3' -> 3, '4' -> 4, TACO 'MEDIUM_HARD' / 'very hard' -> 3 / 5, APPS 'interview' -> 3 (1..5 scale;
-- spaces and hyphens read as '_'); NULL when it cannot be read (callers keep the raw label in details).
CREATE OR REPLACE MACRO level_score(lvl) AS coalesce(
    TRY_CAST(lvl AS DOUBLE),
    CASE regexp_replace(lower(trim(lvl)), '[\s-]+', '_', 'g')
        WHEN 'easy' THEN 1 WHEN 'medium' THEN 2 WHEN 'medium_hard' THEN 3 WHEN 'hard' THEN 4
        WHEN 'very_hard' THEN 5 WHEN 'introductory' THEN 1 WHEN 'interview' THEN 3 WHEN 'competition' THEN 5
    END,
    TRY_CAST(regexp_extract(lvl, '(-?[0-9]+(\.[0-9]+)?)', 1) AS DOUBLE));
