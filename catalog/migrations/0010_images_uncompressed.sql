-- schema version 10: images.bytes is stored uncompressed.
-- Image files are compressed already (PNG, JPEG, WebP): DuckDB's default for a BLOB column analyses every
-- value for dictionary + FSST compression when it writes it, which was the larger part of storing an image
-- (benchmarks/images.py: 100k diagrams, ~1.0 s of ~1.7 s in DuckDB) and made the file no smaller.
-- DuckDB cannot change a column's compression in place, so the table is rebuilt (same columns, same order,
-- same primary key). A catalog with many images copies them once, here.
CREATE TABLE images_v10 (
    image_id   VARCHAR PRIMARY KEY,  -- lowercase hex sha256 of the exact bytes
    bytes      BLOB NOT NULL USING COMPRESSION uncompressed,
    format     VARCHAR NOT NULL,     -- Pillow format, lowercase: 'png', 'jpeg', 'webp', 'gif', ...
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    n_bytes    BIGINT NOT NULL
);
INSERT INTO images_v10 SELECT * FROM images;
DROP TABLE images;
ALTER TABLE images_v10 RENAME TO images;
