-- redstar catalog, schema version 1: every table of the data flow.
-- Big tables (problems, traces, verifications, ...) carry no PRIMARY KEY: DuckDB's ART index makes
-- bulk loads several times slower. Uniqueness is kept by redstar_data.catalog.store.insert_new
-- (anti-join on the key columns, inside one transaction), and tested.

CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,   -- short name, e.g. "math500" or the file stem
    kind        VARCHAR NOT NULL,      -- jsonl | json | parquet | csv | hf_disk | hub | synthetic | benchmark
    uri         VARCHAR NOT NULL,
    revision    VARCHAR,
    license     VARCHAR,
    is_benchmark BOOLEAN NOT NULL DEFAULT FALSE,
    mapping     JSON,                  -- field mapping / preset used at ingest
    ingested_at TIMESTAMP,
    n_rows      BIGINT,                -- rows read in the last ingest
    n_new       BIGINT,
    n_rejected  BIGINT,
    meta        JSON
);

CREATE TABLE problems (
    problem_id  VARCHAR NOT NULL,      -- md5 of normalised problem text (+ images), see redstar_data.ids
    source_id   VARCHAR NOT NULL,
    source_key  VARCHAR,               -- the id the source gave the row, if any
    row_number  BIGINT,                -- 1-based row in the source file
    domain      VARCHAR NOT NULL,      -- math | code | geo | science | ...
    problem     VARCHAR NOT NULL,
    answer      VARCHAR,
    solution    VARCHAR,
    tests       JSON,                  -- code problems: test cases
    images      JSON,                  -- multimodal problems: list of image refs / hashes
    level       VARCHAR,               -- difficulty label carried by the source (MATH level, TACO difficulty)
    meta        JSON,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Every (problem, source) membership. A problem's content hash is global: the same text from two sources is
-- one problem row (attributed to the first source ingested) and two memberships here. Benchmark sets are
-- sources with is_benchmark = TRUE; eval and decontamination read their members from this table.
CREATE TABLE problem_sources (
    problem_id  VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    source_key  VARCHAR,
    row_number  BIGINT,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE rejects (
    source_id   VARCHAR NOT NULL,
    file        VARCHAR,
    row_number  BIGINT,                -- 1-based row (line for JSONL) in the file
    field       VARCHAR,
    reason      VARCHAR NOT NULL,
    raw         VARCHAR,               -- the raw row (truncated to 64 KiB)
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,  -- teacher | judge | eval | import
    backend         VARCHAR,
    model           VARCHAR,
    prompt_template VARCHAR,           -- exact template text used
    system_prompt   VARCHAR,
    sampling_params JSON,              -- full effective sampling parameters
    n_samples       INTEGER,
    status          VARCHAR,           -- running | finished | failed
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP,
    stats           JSON,
    meta            JSON
);

CREATE TABLE traces (
    trace_id      VARCHAR NOT NULL,    -- md5(problem_id:run_id:sample_index), see redstar_data.ids
    problem_id    VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    sample_index  INTEGER NOT NULL,
    text          VARCHAR,
    finish_reason VARCHAR,             -- stop | length | error | import
    n_tokens      INTEGER,             -- completion tokens
    prompt_tokens INTEGER,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    meta          JSON
);

CREATE TABLE verifications (
    trace_id         VARCHAR NOT NULL,
    verifier         VARCHAR NOT NULL, -- e.g. math
    verifier_version VARCHAR NOT NULL,
    label            VARCHAR NOT NULL, -- correct | incorrect | no_answer | timeout | error
    extracted        VARCHAR,
    details          JSON,
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE dedup (
    problem_id   VARCHAR NOT NULL,
    exact_hash   VARCHAR NOT NULL,
    cluster_id   VARCHAR NOT NULL,     -- problem_id of the cluster's canonical member
    is_canonical BOOLEAN NOT NULL,
    method       VARCHAR,              -- exact | minhash
    params       JSON,
    updated_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE contamination (
    problem_id           VARCHAR NOT NULL,
    benchmark            VARCHAR NOT NULL,
    benchmark_problem_id VARCHAR,
    method               VARCHAR NOT NULL,  -- exact | ngram
    ngram                INTEGER,
    matched_ngrams       INTEGER,
    overlap              VARCHAR,           -- the overlapping span
    created_at           TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE difficulty (
    problem_id VARCHAR NOT NULL,
    method     VARCHAR NOT NULL,       -- judge | pass_rate | label
    model      VARCHAR,                -- judge model, or run id for pass_rate, or source for label
    score      DOUBLE,                 -- NULL when unparseable (see details)
    details    JSON,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE exports (
    export_id           VARCHAR PRIMARY KEY,
    name                VARCHAR,
    recipe              VARCHAR,           -- the recipe text (resolved YAML)
    recipe_path         VARCHAR,
    recipe_hash         VARCHAR,
    catalog_fingerprint VARCHAR,
    verifier_versions   JSON,
    counts              JSON,
    n_rows              BIGINT,
    path                VARCHAR,
    hub_repo            VARCHAR,
    created_at          TIMESTAMP NOT NULL DEFAULT current_timestamp
);
