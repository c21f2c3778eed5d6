package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// ConsoleSession is a signed-in console session and the staff token behind it.
type ConsoleSession struct {
	Token      Token
	CSRF       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func hashSessionID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// CreateConsoleSession stores a new session for a token; id is the random
// value the cookie carries (only its hash is stored).
func (db *DB) CreateConsoleSession(ctx context.Context, id, tokenID, csrf string, absolute time.Duration) error {
	now := db.now()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO console_sessions (id_hash, token_id, csrf, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $4, $5)`, hashSessionID(id), tokenID, csrf, now, now.Add(absolute))
	if err != nil {
		return fmt.Errorf("create console session: %w", err)
	}
	// Forget sessions that can no longer be used, so the table stays small.
	if _, err := db.pool.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at < $1`, now); err != nil {
		return fmt.Errorf("forget expired console sessions: %w", err)
	}
	return nil
}

// ConsoleSession returns the live session for id and notes its use, or
// ENOTFOUND when there is none: unknown, idle for longer than idle, past
// its absolute expiry, or its token revoked.
func (db *DB) ConsoleSession(ctx context.Context, id string, idle time.Duration) (ConsoleSession, error) {
	now := db.now()
	var s ConsoleSession
	t := &s.Token
	err := db.pool.QueryRow(ctx, `
		UPDATE console_sessions s SET last_seen_at = $2
		  FROM staff_tokens t
		 WHERE s.id_hash = $1 AND t.id = s.token_id AND t.revoked_at IS NULL
		   AND s.expires_at > $2 AND s.last_seen_at > $3
		RETURNING t.id::text, t.name, t.role, t.created_at, t.created_by, s.csrf, s.created_at, s.last_seen_at, s.expires_at`,
		hashSessionID(id), now, now.Add(-idle)).Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.CreatedBy, &s.CSRF, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, ippo.Errorf(ippo.ENOTFOUND, "no live console session")
	}
	if err != nil {
		return s, fmt.Errorf("console session: %w", err)
	}
	return s, nil
}

// DeleteConsoleSession ends a session (sign-out); ending it twice is harmless.
func (db *DB) DeleteConsoleSession(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM console_sessions WHERE id_hash = $1`, hashSessionID(id)); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// WorkerListFilter selects a page of the console's worker list.
type WorkerListFilter struct {
	Phase  ippo.Phase
	Status string
	Query  string // part of the name, kana or email
	// EndsFrom and EndsBefore bound the current term's end (zero: unbounded).
	EndsFrom, EndsBefore ippo.Date
	// ByDeadline sorts by the next deadline (soonest first, none last);
	// otherwise the oldest application comes first.
	ByDeadline bool
	Offset     int
	Limit      int
}

// WorkerList returns a page of workers matching f and how many match in all.
func (db *DB) WorkerList(ctx context.Context, f WorkerListFilter) ([]ippo.Worker, int, error) {
	var (
		where = []string{"true"}
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Phase != "" {
		where = append(where, "w.phase = "+arg(string(f.Phase)))
	}
	if f.Status != "" {
		where = append(where, "w.status = "+arg(f.Status))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, searchCondition(q, arg))
	}
	if !f.EndsFrom.IsZero() {
		where = append(where, "w.contract_end >= "+arg(date(f.EndsFrom)))
	}
	if !f.EndsBefore.IsZero() {
		where = append(where, "w.contract_end < "+arg(date(f.EndsBefore)))
	}
	cond := strings.Join(where, " AND ")
	filterArgs := slices.Clone(args)
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	order := "w.applied_at, w.id"
	if f.ByDeadline {
		order = "w.next_deadline NULLS LAST, w.id"
	}
	// The page's ids first, then their columns: the waiting-list position
	// in workerColumns is computed for the page only, not for every row an
	// offset skips.
	rows, err := db.pool.Query(ctx, `SELECT `+workerColumns+` FROM (SELECT w.id FROM workers w WHERE `+cond+
		` ORDER BY `+order+` LIMIT `+arg(limit)+` OFFSET `+arg(max(f.Offset, 0))+`) page JOIN workers w USING (id) ORDER BY `+order, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list workers: %w", err)
	}
	defer rows.Close()
	var out []ippo.Worker
	for rows.Next() {
		w, err := scanWorker(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list workers: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list workers: %w", err)
	}
	// A first page that is not full is the whole list: no count needed
	// (a search usually ends here).
	if f.Offset <= 0 && len(out) < limit {
		return out, len(out), nil
	}
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM workers w WHERE `+cond, filterArgs...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count workers: %w", err)
	}
	return out, total, nil
}
