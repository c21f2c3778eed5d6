-- +goose Up
-- When a link's answer first reached Ippo. A claim taken over after an
-- attempt that could not finish keeps it, so an answer given before its
-- deadline counts as given then, however late it is applied.
ALTER TABLE link_uses ADD COLUMN submitted_at timestamptz;
UPDATE link_uses SET submitted_at = claimed_at;
ALTER TABLE link_uses ALTER COLUMN submitted_at SET NOT NULL;

-- +goose Down
ALTER TABLE link_uses DROP COLUMN submitted_at;
