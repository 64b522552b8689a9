-- schema version 9: ART indexes for the point lookups of one problem (`redstar browse`, issue 17).
-- Without them the viewer's problem page scanned every trace, label and flag of the catalog to show one
-- problem's (1.8 s on 1M problems / 4M traces; under 300 ms with them, benchmarks/report.py). DuckDB uses an
-- ART index for `col = ?`, `col IN (...)`, `list_contains(?, col)` and the probe side of a join on `col`.
-- Only tables the bulk ingest of problems never writes are indexed: an index on problems / problem_sources /
-- difficulty would cost the million-row ingest its maintenance (docs/browse.md, "Lookups"). traces,
-- verifications and trace_flags grow one generated or verified batch at a time, where the upkeep is small
-- next to the model and the verifier; dedup is rewritten as a whole by `redstar dedup`.
-- A later migration that rebuilds or renames one of these tables must drop its index first (DuckDB refuses
-- to alter a table an index depends on; ADD COLUMN is allowed).
CREATE INDEX traces_problem_id ON traces (problem_id);
CREATE INDEX verifications_trace_id ON verifications (trace_id);
CREATE INDEX trace_flags_trace_id ON trace_flags (trace_id);
CREATE INDEX dedup_problem_id ON dedup (problem_id);
CREATE INDEX dedup_cluster_id ON dedup (cluster_id);
