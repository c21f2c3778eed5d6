-- +goose Up

-- Assessments on four dimensions, by staff or by the worker (self). The
-- API writes a row before it asks the lifecycle to record the assessment;
-- the lifecycle sets accepted_at when it does. Only accepted rows are
-- listed, so an assessment the lifecycle refused (wrong phase) never shows.
CREATE TABLE assessments (
    id            uuid PRIMARY KEY,
    worker_id     uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    assessor      text NOT NULL CHECK (assessor IN ('staff', 'self')),
    assessed_on   date NOT NULL,
    stability     smallint NOT NULL CHECK (stability BETWEEN 1 AND 5),
    execution     smallint NOT NULL CHECK (execution BETWEEN 1 AND 5),
    habits        smallint NOT NULL CHECK (habits BETWEEN 1 AND 5),
    interpersonal smallint NOT NULL CHECK (interpersonal BETWEEN 1 AND 5),
    -- free text: per-dimension comments and an overall comment
    comments      jsonb NOT NULL DEFAULT '{}',
    comment       text NOT NULL DEFAULT '',
    recorded_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    accepted_at   timestamptz
);
CREATE INDEX assessments_worker ON assessments (worker_id, assessed_on, created_at);

-- Consents to share information with a partner agency for a purpose
-- (APPI art. 27(1): 要配慮個人情報 is shared only with prior consent). A
-- withdrawal is recorded on the same row; at most one consent per worker,
-- agency and purpose is in force at a time.
CREATE TABLE consents (
    id                         uuid PRIMARY KEY,
    worker_id                  uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    agency_id                  uuid NOT NULL REFERENCES agencies (id),
    purpose                    text NOT NULL,
    items                      text[] NOT NULL CHECK (cardinality(items) > 0),
    given_on                   date NOT NULL,
    wording_version            text NOT NULL,
    given_recorded_by          text NOT NULL,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    withdrawn_on               date,
    withdrawal_wording_version text,
    withdrawn_recorded_by      text,
    withdrawn_at               timestamptz
);
CREATE UNIQUE INDEX consents_in_force ON consents (worker_id, agency_id, purpose) WHERE withdrawn_on IS NULL;

-- Handoffs at graduation, one per agency. Once provided, a row is also the
-- record of the third-party provision (APPI art. 29: what, to whom, when),
-- kept until keep_until and then deleted by the ProvisionRetention
-- workflow, which also blanks the handoff email's body in the outbox.
-- Only the lifecycle's activities write here, in step order (state_seq).
CREATE TABLE handoffs (
    id              uuid PRIMARY KEY,
    worker_id       uuid NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    agency_id       uuid NOT NULL REFERENCES agencies (id),
    consent_id      uuid NOT NULL REFERENCES consents (id),
    destination     text NOT NULL,
    graduated_on    date NOT NULL,
    note_id         uuid,
    created_by      text NOT NULL,
    status          text NOT NULL CHECK (status IN ('sent', 'acknowledged', 'unacknowledged', 'consent_withdrawn', 'cancelled')),
    reason          text NOT NULL DEFAULT '',
    -- the provision: set once, when the handoff is sent
    items           text[] NOT NULL DEFAULT '{}',
    agency_name     text NOT NULL DEFAULT '',
    wording_version text NOT NULL DEFAULT '',
    provided_at     timestamptz,
    provided_on     date,
    keep_until      date,
    email_key       text NOT NULL DEFAULT '',
    ack_by          date,
    acknowledged_at timestamptz,
    acknowledged_by text,
    escalated_at    timestamptz,
    state_seq       bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoffs_worker ON handoffs (worker_id, created_at);
CREATE INDEX handoffs_consent ON handoffs (consent_id);

-- +goose Down
DROP TABLE handoffs, consents, assessments;
