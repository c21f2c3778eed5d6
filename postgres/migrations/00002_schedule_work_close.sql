-- +goose Up

-- Schedules: every weekly schedule a worker declared (the worker's own
-- declaration, not an order). A declaration supersedes the versions that
-- had not yet come into force on its date; those keep their row (the
-- timeline shows them) with superseded_at set. Versions in force are never
-- changed, so closed months keep their figures.
CREATE TABLE schedules (
    id             bigserial PRIMARY KEY,
    worker_id      uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    effective_from date NOT NULL,
    slots          jsonb NOT NULL,
    weekly_minutes integer NOT NULL,
    declared_at    timestamptz NOT NULL,
    declared_by    text NOT NULL,
    superseded_at  timestamptz
);
CREATE INDEX schedules_worker ON schedules (worker_id, effective_from, id);

-- Other services a worker uses on some weekdays (就労継続支援B型, 就労移行支援):
-- every declaration; the latest per worker is in force. A schedule slot on
-- one of those weekdays is refused.
CREATE TABLE other_services (
    id          bigserial PRIMARY KEY,
    worker_id   uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    services    jsonb NOT NULL,
    declared_at timestamptz NOT NULL,
    declared_by text NOT NULL
);
CREATE INDEX other_services_worker ON other_services (worker_id, id);

-- Absences, late starts and early leaves (一報). Resting is good practice:
-- these explain missing hours and never reduce the declared ones.
CREATE TABLE absences (
    id          uuid PRIMARY KEY,
    worker_id   uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    on_date     date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('absent', 'late', 'early_leave')),
    from_minute integer,
    until_minute integer,
    reason      text NOT NULL DEFAULT '',
    reported_at timestamptz NOT NULL,
    reported_by text NOT NULL
);
CREATE INDEX absences_worker ON absences (worker_id, on_date);

-- The clients' tasks (案件); not staff_tasks, which are the staff's to-dos.
CREATE TABLE client_tasks (
    id          uuid PRIMARY KEY,
    type        text NOT NULL,
    client      text NOT NULL,
    description text NOT NULL DEFAULT '',
    output_unit text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);

CREATE TABLE task_assignments (
    worker_id   uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    task_id     uuid NOT NULL REFERENCES client_tasks (id),
    assigned_at timestamptz NOT NULL,
    assigned_by text NOT NULL,
    PRIMARY KEY (worker_id, task_id)
);

-- Work logs: minutes on one day on one task. Time is whole minutes so sums
-- and fees are exact.
CREATE TABLE work_logs (
    id        uuid PRIMARY KEY,
    worker_id uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    on_date   date NOT NULL,
    minutes   integer NOT NULL CHECK (minutes > 0),
    task_id   uuid NOT NULL REFERENCES client_tasks (id),
    output    integer NOT NULL DEFAULT 0 CHECK (output >= 0),
    quality   text NOT NULL DEFAULT '',
    logged_at timestamptz NOT NULL,
    logged_by text NOT NULL
);
CREATE INDEX work_logs_worker_date ON work_logs (worker_id, on_date);

-- Monthly closes: one row per calendar month (its first day), however often
-- it runs. A month with a row takes no more work logs.
CREATE TABLE month_closes (
    month       date PRIMARY KEY,
    status      text NOT NULL CHECK (status IN ('running', 'done')),
    runs        integer NOT NULL DEFAULT 1,
    workflow_id text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL,
    finished_at timestamptz
);

-- Statements: a worker's closed month, written once (a rerun finds it and
-- changes nothing). lines holds the fee split by rate.
CREATE TABLE statements (
    month                date NOT NULL,
    worker_id            uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    active_from          date NOT NULL,
    active_until         date,
    theoretical_minutes  integer NOT NULL,
    actual_minutes       integer NOT NULL,
    utilization_permille integer NOT NULL,
    target_percent       integer NOT NULL,
    below_target         boolean NOT NULL,
    review_suggested     boolean NOT NULL,
    lines                jsonb NOT NULL,
    total_minutes        integer NOT NULL,
    total_yen            integer NOT NULL,
    closed_at            timestamptz NOT NULL,
    PRIMARY KEY (month, worker_id)
);
CREATE INDEX statements_worker ON statements (worker_id, month);

-- +goose Down
DROP TABLE statements, month_closes, work_logs, task_assignments, client_tasks, absences,
    other_services, schedules;
