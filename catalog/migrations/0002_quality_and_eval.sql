-- schema version 2: rule-based quality flags on traces and per-benchmark evaluation results.

CREATE TABLE trace_flags (
    trace_id       VARCHAR NOT NULL,
    flag           VARCHAR NOT NULL,  -- truncated | no_final_answer | repetition | language_mixing | too_short | too_long
    detail         VARCHAR,
    filter_version VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE eval_results (
    run_id      VARCHAR NOT NULL,
    benchmark   VARCHAR NOT NULL,
    n_problems  INTEGER,
    n_samples   INTEGER,
    pass_at_1   DOUBLE,   -- mean over samples of the fraction correct
    maj_at_n    DOUBLE,
    pass_at_n   DOUBLE,
    verifier_version VARCHAR,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
