-- schema version 6: the stored MinHash index that makes `redstar dedup` incremental.
-- One row per deduplicated problem: its signature (num_perm little-endian uint32 values) and its LSH band
-- keys. A later run sketches only problems without a `dedup` row and joins their band keys against these,
-- instead of re-sketching everything. `params_key` identifies the hash family, n-gram size and banding;
-- rows with another key are stale and trigger a full rebuild.
CREATE TABLE dedup_index (
    problem_id   VARCHAR NOT NULL,
    params_key   VARCHAR NOT NULL,
    numbers_hash UBIGINT NOT NULL,     -- hash of the set of numbers the problem mentions
    signature    BLOB NOT NULL,
    band_keys    UBIGINT[] NOT NULL
);
