-- schema version 7: problems.solution and problems.meta are stored with zstd.
-- Both are long, written once and read rarely (export, the scripted teacher). DuckDB's default for text
-- (dictionary + FSST) spent about a third of the problems insert on them: zstd writes them ~20% faster
-- (the whole insert) and smaller, and reads them ~25% slower (measured in docs/ingest.md). problem, answer,
-- ids and the short label columns keep the default, which filters and joins read fastest.
-- DuckDB cannot change a column's compression in place, so the table is rebuilt (same columns, same order).
CREATE TABLE problems_v7 (
    problem_id  VARCHAR NOT NULL,      -- md5 of normalised problem text (+ images), see redstar_data.ids
    source_id   VARCHAR NOT NULL,
    source_key  VARCHAR,               -- the id the source gave the row, if any
    row_number  BIGINT,                -- 1-based row in the source file
    domain      VARCHAR NOT NULL,      -- math | code | geo | science | ...
    problem     VARCHAR NOT NULL,
    answer      VARCHAR,
    solution    VARCHAR USING COMPRESSION zstd,
    tests       JSON,                  -- code problems: test cases
    images      JSON,                  -- multimodal problems: list of image refs / hashes
    level       VARCHAR,               -- difficulty label carried by the source (MATH level, TACO difficulty)
    meta        JSON USING COMPRESSION zstd,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO problems_v7 SELECT * FROM problems;
DROP TABLE problems;
ALTER TABLE problems_v7 RENAME TO problems;
