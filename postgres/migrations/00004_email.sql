-- +goose Up

-- Email (issue 4): the outbox keeps the recipient's display name (so a
-- resend addresses them as the first send did), and a resend staff asked
-- for names the email it repeats and who asked (a staff reference).
ALTER TABLE outbox
    ADD COLUMN recipient_name text NOT NULL DEFAULT '',
    ADD COLUMN resend_of      uuid REFERENCES outbox (id) ON DELETE SET NULL,
    ADD COLUMN requested_by   text NOT NULL DEFAULT '';
-- Event Webhook events without Ippo's custom argument are matched by the
-- message id SendGrid answered the send with.
CREATE INDEX outbox_provider_message ON outbox (provider_message_id) WHERE provider_message_id <> '';

-- What SendGrid's Event Webhook said about each email, once per event
-- (SendGrid delivers events at least once).
CREATE TABLE email_events (
    id          bigserial PRIMARY KEY,
    -- sg_event_id, or a hash of the event when SendGrid sent none
    event_key   text NOT NULL UNIQUE,
    outbox_id   uuid NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    event       text NOT NULL,
    -- when it happened, by SendGrid's clock
    at          timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    reason      text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX email_events_outbox ON email_events (outbox_id, at);

-- Signed links (links.Claims.ID) that have acted, so each acts once. A
-- link is "acting" while its action runs and "done" once it took effect;
-- an action that was refused or failed removes its row (nothing changed).
CREATE TABLE link_uses (
    link_id    text PRIMARY KEY,
    action     text NOT NULL,
    worker_id  text NOT NULL,
    state      text NOT NULL CHECK (state IN ('acting', 'done')),
    outcome    text NOT NULL DEFAULT '',
    claimed_at timestamptz NOT NULL,
    done_at    timestamptz
);

-- +goose Down
DROP TABLE link_uses, email_events;
DROP INDEX outbox_provider_message;
ALTER TABLE outbox DROP COLUMN requested_by, DROP COLUMN resend_of, DROP COLUMN recipient_name;
