-- +goose Up
-- Who promoted whom, and by which move: a place claim (an approval that
-- found room) or a release. A retried claim or release returns the same
-- promotions, so every promoted worker gets the signal.
ALTER TABLE places ADD COLUMN promoted_in text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE places DROP COLUMN promoted_in;
