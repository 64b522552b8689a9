-- The shortest correct trace of each problem (ties broken by trace_id, so the choice is stable).
CREATE OR REPLACE VIEW shortest_correct AS
SELECT * EXCLUDE (rn) FROM (
    SELECT t.*, row_number() OVER (PARTITION BY problem_id ORDER BY n_tokens, trace_id) AS rn
    FROM trace_labels t WHERE label = 'correct'
) WHERE rn = 1;
