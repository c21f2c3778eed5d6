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

// ExplainMatchCandidatesForTest returns EXPLAIN (ANALYZE, BUFFERS) of each
// statement of the ranking's read for t, as MatchCandidates runs them.
func (db *DB) ExplainMatchCandidatesForTest(ctx context.Context, t ippo.MatchTask, since time.Time) (string, error) {
	var out []string
	for _, q := range matchStatementsForTest(t, since) {
		rows, err := db.pool.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+q.sql, q.args...)
		if err != nil {
			return "", err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return "", err
		}
		out = append(out, "-- "+q.name, strings.Join(lines, "\n"), "")
	}
	return strings.Join(out, "\n"), nil
}

// matchStatementsForTest are the statements of MatchCandidates with their
// arguments.
func matchStatementsForTest(t ippo.MatchTask, since time.Time) []struct {
	name, sql string
	args      []any
} {
	return []struct {
		name, sql string
		args      []any
	}{
		{"profiles", matchProfilesSQL, []any{date(t.Start), t.Type}},
		{"history", matchHistorySQL, []any{t.Type}},
		{"rests", matchRestsSQL, []any{date(t.Start), date(t.Due)}},
		{"requests", matchRequestsSQL, []any{since}},
	}
}
