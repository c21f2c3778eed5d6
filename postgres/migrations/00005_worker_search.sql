-- +goose Up
-- Staff search workers by part of a name, kana or email (GET /workers?q=).
-- A trigram index keeps that fast for thousands of workers; pg_trgm is a
-- trusted extension (PostgreSQL 13+), so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX workers_search ON workers USING gin ((name || ' ' || name_kana || ' ' || email) gin_trgm_ops);

-- +goose Down
DROP INDEX workers_search;
