-- schema version 8: images in the catalog (issue 16, docs/images.md).
-- The bytes live IN the catalog file, in a content-addressed blob table: one file to move or copy (no folder
-- beside it that can be lost or go stale), exports with images are one SQL join, and the primary key is the
-- dedup (the same bytes under two file names are one row). DuckDB keeps BLOBs out of line in its blocks, so
-- the narrow columns read without touching the bytes. image_id is the lowercase hex sha256 of the exact bytes.
-- problems.images (JSON, since 0001) holds the list of image_ids a problem shows, in order; never paths.
CREATE TABLE images (
    image_id   VARCHAR PRIMARY KEY,  -- lowercase hex sha256 of the exact bytes
    bytes      BLOB NOT NULL,
    format     VARCHAR NOT NULL,     -- Pillow format, lowercase: 'png', 'jpeg', 'webp', 'gif', ...
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    n_bytes    BIGINT NOT NULL
);
ALTER TABLE problems ADD COLUMN choices JSON;           -- JSON list of option strings, in order, or NULL
ALTER TABLE problems ADD COLUMN answer_letter VARCHAR;  -- 'A'..'Z' when the answer is a choice, else NULL
