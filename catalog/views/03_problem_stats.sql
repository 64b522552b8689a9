-- Per problem: traces, verified traces, correct traces, pass rate, shortest correct trace.
CREATE OR REPLACE VIEW problem_stats AS
SELECT p.problem_id,
       count(t.trace_id) AS n_traces,
       count(t.label) AS n_verified,
       count(t.trace_id) FILTER (WHERE t.label = 'correct') AS n_correct,
       pass_rate(t.label) AS pass_rate,
       arg_min(t.trace_id, t.n_tokens) FILTER (WHERE t.label = 'correct') AS shortest_correct_trace_id,
       min(t.n_tokens) FILTER (WHERE t.label = 'correct') AS shortest_correct_tokens
FROM problems p
LEFT JOIN trace_labels t USING (problem_id)
GROUP BY p.problem_id;
