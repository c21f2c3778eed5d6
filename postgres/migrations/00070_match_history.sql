-- Matching (issue 14): the history the ranking reads (task_type_history)
-- also counts work logged on tasks assigned the old way, before tasks had
-- their own workflow: a catalog task assigned by POST /workers/{id}/tasks,
-- never requested of the worker and never delivered. Each such task is one
-- job of its type, dated on its last logged day, its time and output the
-- sums of its logs, its estimate the task's expected time (if any); work
-- logs carry no 1–5 quality, so it adds none.
--
-- A worker's row for a type is recomputed from these raw jobs (deliveries
-- and old-way tasks) in the same transaction as each delivery and each work
-- log, by ippo_refresh_type_history: a few dozen rows at most, read through
-- the indexes below, and one definition of the sums for every path.
-- +goose Up
CREATE INDEX task_deliveries_worker_type ON task_deliveries (worker_id, type);
CREATE INDEX work_logs_task_worker ON work_logs (task_id, worker_id);

-- +goose StatementBegin
CREATE FUNCTION ippo_refresh_type_history(p_worker uuid, p_type text) RETURNS void LANGUAGE sql AS $$
    DELETE FROM task_type_history WHERE worker_id = p_worker AND type = p_type;
    WITH jobs AS (
        SELECT delivered_on AS on_date, minutes, estimate_minutes, output, quality
          FROM task_deliveries WHERE worker_id = p_worker AND type = p_type
        UNION ALL
        SELECT max(l.on_date), sum(l.minutes)::int, coalesce(t.expected_minutes, 0), sum(l.output)::int, 0
          FROM work_logs l JOIN client_tasks t ON t.id = l.task_id
         WHERE l.worker_id = p_worker AND t.type = p_type
           AND NOT EXISTS (SELECT 1 FROM task_requests r WHERE r.task_id = l.task_id AND r.worker_id = p_worker)
           AND NOT EXISTS (SELECT 1 FROM task_deliveries d WHERE d.task_id = l.task_id)
         GROUP BY l.task_id, t.expected_minutes
    )
    INSERT INTO task_type_history (type, worker_id, jobs, recency_weight, last_on, output, output_minutes,
        estimated_minutes, taken_minutes, quality_sum, quality_n)
    SELECT p_type, p_worker, count(*), sum(power(2::float8, (on_date - date '2020-01-01') / 180.0::float8)), max(on_date),
           coalesce(sum(output) FILTER (WHERE output > 0 AND minutes > 0), 0),
           coalesce(sum(minutes) FILTER (WHERE output > 0 AND minutes > 0), 0),
           coalesce(sum(estimate_minutes) FILTER (WHERE estimate_minutes > 0 AND minutes > 0), 0),
           coalesce(sum(minutes) FILTER (WHERE estimate_minutes > 0 AND minutes > 0), 0),
           coalesce(sum(quality) FILTER (WHERE quality BETWEEN 1 AND 5), 0),
           count(*) FILTER (WHERE quality BETWEEN 1 AND 5)
      FROM jobs HAVING count(*) > 0;
$$;
-- +goose StatementEnd

-- Work already logged on old-way tasks joins the history now.
SELECT ippo_refresh_type_history(worker_id, type)
  FROM (SELECT DISTINCT l.worker_id, t.type FROM work_logs l JOIN client_tasks t ON t.id = l.task_id
        UNION SELECT worker_id, type FROM task_deliveries) x;

-- +goose Down
DROP FUNCTION ippo_refresh_type_history(uuid, text);
DROP INDEX work_logs_task_worker;
DROP INDEX task_deliveries_worker_type;
