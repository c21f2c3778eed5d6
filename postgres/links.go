package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Link use states.
const (
	LinkActing = "acting" // the link's action is running
	LinkDone   = "done"   // the action took effect; the link is spent
)

// LinkUse is a signed link that has acted, or is acting.
type LinkUse struct {
	LinkID  string
	Action  string
	State   string
	Outcome string
	At      time.Time // when it was claimed, or done
	// SubmittedAt is when the answer first reached Ippo: the first claim,
	// kept when a stale claim is taken over.
	SubmittedAt time.Time
}

// ClaimLink marks a signed link as acting, so that only one request acts
// on it. It returns the existing use, with claimed false, when the link
// has already acted or another request is acting on it. A claim older
// than stale is taken over: the process that made it stopped before it
// could finish or release it (link actions are idempotent by link ID, so
// acting again is safe).
func (db *DB) ClaimLink(ctx context.Context, linkID, action, workerID string, stale time.Duration) (use LinkUse, claimed bool, err error) {
	now := db.now()
	var submitted time.Time
	err = db.pool.QueryRow(ctx, `
		INSERT INTO link_uses (link_id, action, worker_id, state, claimed_at, submitted_at) VALUES ($1, $2, $3, 'acting', $4, $4)
		ON CONFLICT (link_id) DO UPDATE SET claimed_at = excluded.claimed_at
		 WHERE link_uses.state = 'acting' AND link_uses.claimed_at < $5
		RETURNING submitted_at`, linkID, action, workerID, now, now.Add(-stale)).Scan(&submitted)
	if err == nil {
		return LinkUse{LinkID: linkID, Action: action, State: LinkActing, At: now, SubmittedAt: submitted}, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return LinkUse{}, false, fmt.Errorf("claim link %s: %w", linkID, err)
	}
	use, err = db.LinkUse(ctx, linkID)
	if errors.Is(err, pgx.ErrNoRows) {
		// Released between the insert and the read: the caller may try again.
		return LinkUse{}, false, fmt.Errorf("claim link %s: released meanwhile, try again", linkID)
	}
	return use, false, err
}

// LinkUse returns a link's use, or pgx.ErrNoRows if it has not acted.
func (db *DB) LinkUse(ctx context.Context, linkID string) (LinkUse, error) {
	var u LinkUse
	err := db.pool.QueryRow(ctx, `
		SELECT link_id, action, state, outcome, coalesce(done_at, claimed_at), submitted_at FROM link_uses WHERE link_id = $1`, linkID).
		Scan(&u.LinkID, &u.Action, &u.State, &u.Outcome, &u.At, &u.SubmittedAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return u, fmt.Errorf("link use %s: %w", linkID, err)
	}
	return u, err
}

// FinishLink records that the link's action took effect, with a short
// outcome shown if the link is opened again.
func (db *DB) FinishLink(ctx context.Context, linkID, outcome string) error {
	_, err := db.pool.Exec(ctx, `UPDATE link_uses SET state = 'done', outcome = $2, done_at = $3 WHERE link_id = $1`,
		linkID, outcome, db.now())
	if err != nil {
		return fmt.Errorf("finish link %s: %w", linkID, err)
	}
	return nil
}

// ReleaseLink forgets an acting link whose action changed nothing
// (refused, or failed), so it can be used again.
func (db *DB) ReleaseLink(ctx context.Context, linkID string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM link_uses WHERE link_id = $1 AND state = 'acting'`, linkID)
	if err != nil {
		return fmt.Errorf("release link %s: %w", linkID, err)
	}
	return nil
}
