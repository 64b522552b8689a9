-- schema version 3: rejects keep a machine-readable `reason` code (counted per reason) and, separately, the
-- precise human-readable detail (e.g. the JSON parser's message with its column), so grouping stays clean.
ALTER TABLE rejects ADD COLUMN detail VARCHAR;
