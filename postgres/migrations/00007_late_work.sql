-- +goose Up
-- Work logged late for a closed month: kept apart (late) and paid with the
-- next statement of the worker, which records the month it settled in.
ALTER TABLE work_logs ADD COLUMN late boolean NOT NULL DEFAULT false,
                      ADD COLUMN settled_month date;
CREATE INDEX work_logs_unsettled ON work_logs (worker_id, on_date) WHERE late AND settled_month IS NULL;
ALTER TABLE statements ADD COLUMN late_lines jsonb NOT NULL DEFAULT '[]',
                       ADD COLUMN late_minutes integer NOT NULL DEFAULT 0,
                       ADD COLUMN late_yen integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE statements DROP COLUMN late_lines, DROP COLUMN late_minutes, DROP COLUMN late_yen;
DROP INDEX work_logs_unsettled;
ALTER TABLE work_logs DROP COLUMN late, DROP COLUMN settled_month;
