-- +goose Up
-- Emails of a lifecycle's steps are written in the step's own transaction
-- and delivered by the worker process's dispatcher (activities.Dispatcher),
-- never by the lifecycle: dispatch_at is when the dispatcher may next try a
-- queued email (NULL: the email is sent by the activity that wrote it).
-- deliver_by is when the email stops being timely (an extension reminder:
-- the extension); sent after it, late_note is put first so the email says so.
ALTER TABLE outbox ADD COLUMN dispatch_at timestamptz,
                   ADD COLUMN deliver_by  timestamptz,
                   ADD COLUMN late_note   text NOT NULL DEFAULT '',
                   ADD COLUMN sent_late   boolean NOT NULL DEFAULT false,
                   -- the order emails were written in: a worker's emails go out in it
                   ADD COLUMN dispatch_seq bigserial;
CREATE INDEX outbox_dispatch ON outbox (dispatch_at) WHERE status = 'queued' AND dispatch_at IS NOT NULL;
CREATE INDEX outbox_dispatch_order ON outbox (worker_id, dispatch_seq)
    WHERE status IN ('queued', 'sending') AND dispatch_at IS NOT NULL;
CREATE INDEX outbox_dispatch_sending ON outbox (updated_at) WHERE status = 'sending' AND dispatch_at IS NOT NULL;

-- +goose Down
DROP INDEX outbox_dispatch_sending;
DROP INDEX outbox_dispatch_order;
DROP INDEX outbox_dispatch;
ALTER TABLE outbox DROP COLUMN dispatch_seq, DROP COLUMN sent_late, DROP COLUMN late_note, DROP COLUMN deliver_by, DROP COLUMN dispatch_at;
