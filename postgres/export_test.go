package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// SetClockForTest replaces the clock of the timestamps the store sets
// itself, for tests of what expires.
func (db *DB) SetClockForTest(now func() time.Time) { db.now = now }

// ExplainSearchForTest returns the plan of the worker search for q, as the
// API's list runs it (a first page in application order).
func (db *DB) ExplainSearchForTest(ctx context.Context, q string) (string, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	rows, err := db.pool.Query(ctx, `EXPLAIN SELECT w.id FROM workers w WHERE `+searchCondition(q, arg)+
		` ORDER BY w.applied_at, w.id LIMIT 50`, args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}

// ExplainMatchCandidatesForTest returns EXPLAIN (ANALYZE, BUFFERS) of the
// ranking's read for t, as MatchCandidates runs it.
func (db *DB) ExplainMatchCandidatesForTest(ctx context.Context, t ippo.MatchTask, since time.Time) (string, error) {
	rows, err := db.pool.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+matchCandidatesSQL, t.Type, date(t.Start), date(t.Due), since)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}
