-- +goose Up
-- Matching work to people (issue 14). A client task may carry the terms a
-- request states (expected time, window, due date) and, once matched, has
-- its own workflow (task/<id>) whose status is mirrored here.
ALTER TABLE client_tasks
    ADD COLUMN expected_minutes integer CHECK (expected_minutes > 0),
    ADD COLUMN starts_on        date,
    ADD COLUMN due_on           date,
    ADD COLUMN status           text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'requested', 'assigned', 'delivered', 'closed', 'cancelled')),
    ADD COLUMN assignee         uuid REFERENCES workers (id) ON DELETE SET NULL;
CREATE INDEX client_tasks_assigned ON client_tasks (assignee) WHERE status = 'assigned';

-- The task types a worker likes or would rather avoid: their own wish,
-- editable by staff on their behalf; it moves them up or down, never out.
CREATE TABLE task_preferences (
    worker_id  uuid PRIMARY KEY REFERENCES workers (id) ON DELETE CASCADE,
    likes      text[] NOT NULL DEFAULT '{}',
    avoids     text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);

-- Requests (依頼), never orders: who was asked, when, and their answer. A
-- decline's reason is optional and kept as a note (it may be personal).
CREATE TABLE task_requests (
    task_id      uuid NOT NULL REFERENCES client_tasks (id) ON DELETE CASCADE,
    worker_id    uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL,
    requested_by text NOT NULL,
    answer       text NOT NULL DEFAULT 'waiting'
        CHECK (answer IN ('waiting', 'accepted', 'declined', 'taken', 'unanswered', 'withdrawn')),
    answered_at  timestamptz,
    reason_note  uuid REFERENCES notes (id) ON DELETE SET NULL,
    PRIMARY KEY (task_id, worker_id)
);
-- The fairness term counts each worker's recent requests.
CREATE INDEX task_requests_recent ON task_requests (requested_at, worker_id);

-- Deliveries: what the ranking learns from. One per task (its assignee),
-- with the type copied so the ranking reads one index range per type.
CREATE TABLE task_deliveries (
    task_id          uuid PRIMARY KEY REFERENCES client_tasks (id) ON DELETE CASCADE,
    worker_id        uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    type             text NOT NULL,
    delivered_on     date NOT NULL,
    minutes          integer NOT NULL CHECK (minutes >= 0),
    estimate_minutes integer NOT NULL DEFAULT 0,
    output           integer NOT NULL CHECK (output >= 0),
    quality          integer NOT NULL CHECK (quality BETWEEN 1 AND 5),
    recorded_at      timestamptz NOT NULL,
    recorded_by      text NOT NULL
);

-- The deliveries summed per worker and type, kept as each delivery is
-- recorded, so ranking over years of history reads one row per worker.
-- recency_weight sums 2^(days from 2020-01-01 to the delivery / 180)
-- (ippo.RecencyWeight); the ranking ages it to today (ippo.RecencyOf).
-- The other sums are ippo.TypeHistory's.
CREATE TABLE task_type_history (
    type              text NOT NULL,
    worker_id         uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    jobs              integer NOT NULL,
    recency_weight    double precision NOT NULL,
    last_on           date NOT NULL,
    output            integer NOT NULL,
    output_minutes    integer NOT NULL,
    estimated_minutes integer NOT NULL,
    taken_minutes     integer NOT NULL,
    quality_sum       integer NOT NULL,
    quality_n         integer NOT NULL,
    PRIMARY KEY (type, worker_id)
);

-- Each schedule's declared minutes per weekday (Sunday first), computed by
-- PostgreSQL from the slots as ippo.WeekdayMinutes does, so the ranking
-- reads seven numbers per worker instead of decoding every schedule.
-- +goose StatementBegin
CREATE FUNCTION ippo_weekday_minutes(slots jsonb) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(x.m, 0) ORDER BY d)
      FROM generate_series(0, 6) d
      LEFT JOIN (SELECT (s->>'weekday')::int AS wd,
                        sum(greatest(0, (split_part(s->>'end', ':', 1)::int * 60 + split_part(s->>'end', ':', 2)::int)
                                      - (split_part(s->>'start', ':', 1)::int * 60 + split_part(s->>'start', ':', 2)::int)))::int AS m
                   FROM jsonb_array_elements(slots) s GROUP BY 1) x ON x.wd = d
$$;
-- +goose StatementEnd
ALTER TABLE schedules ADD COLUMN weekday_minutes integer[] GENERATED ALWAYS AS (ippo_weekday_minutes(slots)) STORED;

-- A task's own timeline (every step, with who and when); steps that concern
-- a worker also go on the worker's timeline (worker_events).
CREATE TABLE task_events (
    id         bigserial PRIMARY KEY,
    key        text NOT NULL UNIQUE,
    task_id    uuid NOT NULL REFERENCES client_tasks (id) ON DELETE CASCADE,
    worker_id  uuid REFERENCES workers (id) ON DELETE SET NULL,
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    actor      text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- The ranking reads every active worker's rests in the task's window.
CREATE INDEX absences_date ON absences (on_date, worker_id);

-- +goose Down
DROP INDEX absences_date;
ALTER TABLE schedules DROP COLUMN weekday_minutes;
DROP FUNCTION ippo_weekday_minutes(jsonb);
DROP TABLE task_events, task_type_history, task_deliveries, task_requests, task_preferences;
DROP INDEX client_tasks_assigned;
ALTER TABLE client_tasks DROP COLUMN expected_minutes, DROP COLUMN starts_on, DROP COLUMN due_on,
    DROP COLUMN status, DROP COLUMN assignee;
