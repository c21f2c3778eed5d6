-- +goose Up
-- One open lifecycle per email: a person who applies again while their
-- lifecycle is open is pointed to it (409), even when two intakes race. A
-- closed lifecycle (withdrawn, ineligible, ended, or graduated with its
-- follow-ups done) does not count, so a graduate may come back.
CREATE UNIQUE INDEX workers_open_email ON workers (lower(email)) WHERE status <> 'closed';

-- +goose Down
DROP INDEX workers_open_email;
