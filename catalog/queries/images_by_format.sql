-- Images stored in the catalog (one row per distinct sha256 of the bytes), per format: count, bytes, sizes.
SELECT format, count(*) AS n_images, sum(n_bytes) AS total_bytes, max(n_bytes) AS max_bytes,
       round(median(width))::INTEGER AS median_width, round(median(height))::INTEGER AS median_height
FROM images GROUP BY format ORDER BY n_images DESC, format;
