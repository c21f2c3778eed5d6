-- Idempotency records keep no readable answers and expire after a day
-- (postgres.IdempotencyTTL). Keys are now stored as digests and answers
-- sealed with the client's key, so the records written before cannot be
-- matched or read: they are dropped (a retry in flight across the upgrade
-- runs again and gets its step's ordinary answer or a 409).
-- +goose Up
DELETE FROM idempotency_keys;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP INDEX idempotency_keys_created_at;
