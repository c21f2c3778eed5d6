-- +goose Up
-- Search by part of a name, kana or email (GET /workers?q=, the console's
-- list) over a stored, lower-cased copy of the three, matched with LIKE on a
-- lower-cased pattern (postgres/search.go). Issue 13 measured the former
-- ILIKE over the concatenation at 8.6× /healthz p99 with 12,000 workers: the
-- planner scanned every row, folding each one's case per character; a plain
-- LIKE on the stored column lets the trigram index below answer a query of
-- three characters or more in well under a millisecond. pg_trgm indexes
-- kanji and kana (the cluster's C.UTF-8 ctype counts them as letters) and
-- is a trusted extension (PostgreSQL 13+): 00005 created it as the
-- database's owner.
DROP INDEX workers_search;
ALTER TABLE workers ADD COLUMN search text
    GENERATED ALWAYS AS (lower(name || ' ' || name_kana || ' ' || email)) STORED;
CREATE INDEX workers_search ON workers USING gin (search gin_trgm_ops);

-- +goose Down
DROP INDEX workers_search;
ALTER TABLE workers DROP COLUMN search;
CREATE INDEX workers_search ON workers USING gin ((name || ' ' || name_kana || ' ' || email) gin_trgm_ops);
