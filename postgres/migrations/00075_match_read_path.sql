-- Matching (issue 14), the ranking's read path: each worker's schedule in
-- force is read through this index, one short descent per worker (the
-- newest declaration on or before the task's start, not superseded), with
-- its weekday minutes in the index, instead of sorting every schedule of
-- every worker on each ranking.
-- +goose Up
CREATE INDEX schedules_in_force ON schedules (worker_id, effective_from DESC, id DESC)
    INCLUDE (weekday_minutes) WHERE superseded_at IS NULL;

-- +goose Down
DROP INDEX schedules_in_force;
