-- +goose Up
-- The staff console's sessions. A staff member signs in with their token
-- once; the browser then holds only a random session id in an HttpOnly
-- cookie. Only the id's SHA-256 is stored, so a copy of this table cannot
-- be replayed. A session ends when idle too long, at its absolute expiry,
-- at sign-out, or when its token is revoked (the join checks revoked_at).
CREATE TABLE console_sessions (
    id_hash      bytea PRIMARY KEY,
    token_id     uuid NOT NULL REFERENCES staff_tokens (id) ON DELETE CASCADE,
    -- The synchronizer token every form of this session carries.
    csrf         text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- The console's worker list sorts by the next deadline.
CREATE INDEX workers_next_deadline ON workers (next_deadline, id);

-- +goose Down
DROP INDEX workers_next_deadline;
DROP TABLE console_sessions;
