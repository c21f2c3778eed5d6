-- A staff token names the person who holds it as people should read it
-- (shown as the center's contact in agency handoff emails). Tokens that
-- are not a person's (the bootstrap admin token, a script's) leave it
-- empty, and emails name the center instead.
-- +goose Up
ALTER TABLE staff_tokens ADD COLUMN display_name text NOT NULL DEFAULT '';
UPDATE staff_tokens SET display_name = name WHERE created_by <> 'IPPO_BOOTSTRAP_ADMIN_TOKEN';

-- +goose Down
ALTER TABLE staff_tokens DROP COLUMN display_name;
