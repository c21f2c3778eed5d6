-- +goose Up

-- Workers: the applicant's facts (personal, some sensitive) and the read
-- model of their lifecycle. Only activities of the lifecycle workflow write
-- the read-model columns, in the order of the workflow's steps (state_seq).
CREATE TABLE workers (
    id                       uuid PRIMARY KEY,
    name                     text NOT NULL,
    name_kana                text NOT NULL DEFAULT '',
    email                    text NOT NULL,
    municipality_code        text NOT NULL,
    category                 text NOT NULL CHECK (category IN ('disability', 'hikikomori')),
    recognized_by_doctor     boolean NOT NULL DEFAULT false,
    disability_types         text[] NOT NULL DEFAULT '{}',
    withdrawn_since          date,
    supporting_body          text NOT NULL DEFAULT '',
    intractable_disease      boolean NOT NULL DEFAULT false,
    wants_general_employment boolean NOT NULL DEFAULT false,
    consent_given_on         date NOT NULL,
    consent_wording_version  text NOT NULL,
    applied_at               timestamptz NOT NULL DEFAULT now(),

    phase                    text NOT NULL DEFAULT 'screening',
    status                   text NOT NULL DEFAULT 'awaiting_decision',
    contract_start           date,
    contract_end             date,
    extensions               integer NOT NULL DEFAULT 0,
    ends_on                  date,
    next_deadline            timestamptz,
    next_deadline_kind       text NOT NULL DEFAULT '',
    state_seq                bigint NOT NULL DEFAULT 0,
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workers_phase_end ON workers (phase, contract_end, id);
CREATE INDEX workers_applied ON workers (applied_at, id);

-- Every step of a worker's lifecycle, written once per workflow step (key).
CREATE TABLE worker_events (
    id         bigserial PRIMARY KEY,
    key        text NOT NULL UNIQUE,
    worker_id  uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    program_at timestamptz NOT NULL,
    kind       text NOT NULL,
    actor      text NOT NULL,
    phase      text NOT NULL,
    note_id    uuid,
    data       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX worker_events_worker ON worker_events (worker_id, id);

-- Free text staff write about a worker (reasons). It may hold sensitive
-- facts, so workflows carry only its id.
CREATE TABLE notes (
    id         uuid PRIMARY KEY,
    worker_id  uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    body       text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Places (定員): who holds one and who waits, in order.
CREATE TABLE places (
    worker_id    uuid PRIMARY KEY REFERENCES workers (id) ON DELETE CASCADE,
    state        text NOT NULL CHECK (state IN ('waiting', 'holding', 'released')),
    priority     boolean NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    seq          bigserial,
    granted_at   timestamptz,
    released_at  timestamptz,
    -- the worker whose release granted this place, so a retried release
    -- returns the same promotions
    promoted_by  uuid
);
CREATE INDEX places_queue ON places (state, priority DESC, seq);

-- Policy versions, each in force from its date.
CREATE TABLE policy_versions (
    effective_from date PRIMARY KEY,
    body           jsonb NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Partner agencies (関係機関).
CREATE TABLE agencies (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL,
    email       text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every email, written before it is sent, once per workflow step (key).
CREATE TABLE outbox (
    id                  uuid PRIMARY KEY,
    key                 text NOT NULL UNIQUE,
    template            text NOT NULL,
    worker_id           uuid REFERENCES workers (id) ON DELETE SET NULL,
    agency_id           uuid REFERENCES agencies (id) ON DELETE SET NULL,
    recipient           text NOT NULL,
    subject             text NOT NULL,
    text_body           text NOT NULL,
    html_body           text NOT NULL,
    status              text NOT NULL DEFAULT 'queued',
    provider_message_id text NOT NULL DEFAULT '',
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_worker ON outbox (worker_id, created_at);
CREATE INDEX outbox_status ON outbox (status, created_at);

-- Tasks for staff (escalations, failed emails, suggestions to follow up).
CREATE TABLE staff_tasks (
    id         uuid PRIMARY KEY,
    key        text NOT NULL UNIQUE,
    kind       text NOT NULL,
    worker_id  uuid REFERENCES workers (id) ON DELETE CASCADE,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    done_at    timestamptz,
    done_by    text
);
CREATE INDEX staff_tasks_open ON staff_tasks (done_at, created_at);

-- Staff bearer tokens, stored as SHA-256 of the token.
CREATE TABLE staff_tokens (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- Every mutating API request: who, what, when, outcome.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   uuid,
    actor      text NOT NULL,
    method     text NOT NULL,
    route      text NOT NULL,
    path       text NOT NULL,
    worker_id  uuid,
    request_id text NOT NULL,
    status     integer NOT NULL,
    outcome    text NOT NULL
);
CREATE INDEX audit_log_worker ON audit_log (worker_id, id);

-- Responses to POST requests sent with an Idempotency-Key.
CREATE TABLE idempotency_keys (
    actor_id     uuid NOT NULL,
    key          text NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash bytea NOT NULL,
    status       integer,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, key)
);

-- Installation settings (the compressed clock's anchor).
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value jsonb NOT NULL
);

-- +goose Down
DROP TABLE settings, idempotency_keys, audit_log, staff_tokens, staff_tasks, outbox,
    agencies, policy_versions, places, notes, worker_events, workers;
