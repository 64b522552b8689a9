-- Rejected rows per source and reason.
SELECT source_id, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY n DESC, source_id, reason;
