package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// Token is a staff bearer token (never its secret).
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// DisplayName is the person who holds the token, as emails name them
	// (the center's contact in a handoff); empty for a token that is not a
	// person's, such as the bootstrap admin token.
	DisplayName string     `json:"display_name,omitempty"`
	Role        string     `json:"role"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
}

// HashToken is how a token's secret is stored: SHA-256. Tokens are 256
// random bits, so a fast hash is enough; nothing stored can be replayed.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

const tokenColumns = `id::text, name, display_name, role, created_at, created_by, revoked_at, last_used_at`

func scanToken(row pgx.CollectableRow) (Token, error) {
	var t Token
	err := row.Scan(&t.ID, &t.Name, &t.DisplayName, &t.Role, &t.CreatedAt, &t.CreatedBy, &t.RevokedAt, &t.LastUsedAt)
	return t, err
}

// CreateToken stores a token under the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, t Token, secret string) (Token, error) {
	rows, err := db.pool.Query(ctx, `
		INSERT INTO staff_tokens (id, name, display_name, role, token_hash, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+tokenColumns,
		t.ID, t.Name, t.DisplayName, t.Role, HashToken(secret), db.now(), t.CreatedBy)
	if err != nil {
		return t, fmt.Errorf("create token: %w", err)
	}
	return pgx.CollectExactlyOneRow(rows, scanToken)
}

// EnsureToken stores a token for secret unless one with its hash exists
// (the bootstrap admin token, stored once however often Ippo starts).
func (db *DB) EnsureToken(ctx context.Context, t Token, secret string) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO staff_tokens (id, name, display_name, role, token_hash, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO UPDATE SET display_name = EXCLUDED.display_name`,
		t.ID, t.Name, t.DisplayName, t.Role, HashToken(secret), db.now(), t.CreatedBy)
	if err != nil {
		return fmt.Errorf("ensure token: %w", err)
	}
	return nil
}

// TokenBySecret returns the live token for a secret, or ENOTFOUND. It
// notes the use at most once a minute.
func (db *DB) TokenBySecret(ctx context.Context, secret string) (Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM staff_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, HashToken(secret))
	if err != nil {
		return Token{}, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if err != nil {
		return t, notFound(err, "unknown or revoked token")
	}
	now := db.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_, _ = db.pool.Exec(ctx, `UPDATE staff_tokens SET last_used_at = $2 WHERE id = $1`, t.ID, now)
	}
	return t, nil
}

// Tokens lists every token, newest first.
func (db *DB) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM staff_tokens ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanToken)
}

// RevokeToken revokes a token; revoking twice is harmless.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE staff_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, db.now())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ippo.Errorf(ippo.ENOTFOUND, "no token %s", id)
	}
	return nil
}

// AuditEntry is one audited request.
type AuditEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actor_id,omitempty"`
	Actor     string    `json:"actor"`
	Method    string    `json:"method"`
	Route     string    `json:"route"`
	Path      string    `json:"path"`
	WorkerID  string    `json:"worker_id,omitempty"`
	RequestID string    `json:"request_id"`
	Status    int       `json:"status"`
	Outcome   string    `json:"outcome"`
}

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO audit_log (at, actor_id, actor, method, route, path, worker_id, request_id, status, outcome)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		db.now(), nullUUID(e.ActorID), e.Actor, e.Method, e.Route, e.Path, nullUUID(e.WorkerID), e.RequestID, e.Status, e.Outcome)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditLog lists entries newest first, before the entry with id beforeID (0: from the newest).
func (db *DB) AuditLog(ctx context.Context, workerID string, beforeID int64, limit int) ([]AuditEntry, error) {
	var (
		where = []string{"true"}
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if workerID != "" {
		where = append(where, "worker_id = "+arg(workerID))
	}
	if beforeID > 0 {
		where = append(where, "id < "+arg(beforeID))
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := db.pool.Query(ctx, `
		SELECT id, at, coalesce(actor_id::text, ''), actor, method, route, path, coalesce(worker_id::text, ''), request_id, status, outcome
		  FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := row.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Method, &e.Route, &e.Path, &e.WorkerID, &e.RequestID, &e.Status, &e.Outcome)
		return e, err
	})
}

// IdempotentResponse is a stored answer to a request with an Idempotency-Key.
type IdempotentResponse struct {
	RequestHash []byte
	Status      int // 0 while the first request is still running
	Body        []byte
}

// IdempotencyTTL is how long an answer to a request with an
// Idempotency-Key is kept for retries: a day, then the record is gone.
const IdempotencyTTL = 24 * time.Hour

// BeginIdempotent reserves (actor, key) for a request. If the key was seen
// before, less than IdempotencyTTL ago, it returns the stored record and
// false. Expired records are deleted on the way (a few at a time, so no
// request pays for a backlog).
func (db *DB) BeginIdempotent(ctx context.Context, actorID, key, method, path string, hash []byte) (IdempotentResponse, bool, error) {
	// A reservation with no answer after idempotencyStale was left by a
	// request that never finished (the process was killed, or PostgreSQL
	// was out of reach when it ended): the same request takes it over and
	// runs again (a lifecycle step is deduplicated by its Update ID).
	now := db.now()
	cutoff := now.Add(-IdempotencyTTL)
	if _, err := db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE (actor_id, key) IN (
		SELECT actor_id, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT 100)
		OR (actor_id = $2 AND key = $3 AND created_at < $1)`, cutoff, actorID, key); err != nil {
		return IdempotentResponse{}, false, fmt.Errorf("expire idempotency records: %w", err)
	}
	tag, err := db.pool.Exec(ctx, `
		INSERT INTO idempotency_keys (actor_id, key, method, path, request_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (actor_id, key) DO UPDATE SET created_at = excluded.created_at
		 WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < $7
		   AND idempotency_keys.request_hash = excluded.request_hash`, actorID, key, method, path, hash, now, now.Add(-idempotencyStale))
	if err != nil {
		return IdempotentResponse{}, false, err
	}
	if tag.RowsAffected() == 1 {
		return IdempotentResponse{}, true, nil
	}
	var (
		r      IdempotentResponse
		status *int
	)
	err = db.pool.QueryRow(ctx, `SELECT request_hash, status, coalesce(body, '') FROM idempotency_keys WHERE actor_id = $1 AND key = $2`,
		actorID, key).Scan(&r.RequestHash, &status, &r.Body)
	if status != nil {
		r.Status = *status
	}
	return r, false, err
}

// idempotencyStale is how long a request may hold its Idempotency-Key
// without an answer: well past the longest a request runs (a lifecycle
// step's 10-second Update time-out).
const idempotencyStale = time.Minute

// FinishIdempotent stores the answer to a reserved key.
func (db *DB) FinishIdempotent(ctx context.Context, actorID, key string, status int, body []byte) error {
	_, err := db.pool.Exec(ctx, `UPDATE idempotency_keys SET status = $3, body = $4 WHERE actor_id = $1 AND key = $2`,
		actorID, key, status, body)
	return err
}

// ForgetIdempotent drops a reserved key whose request failed on our side,
// so a retry runs again.
func (db *DB) ForgetIdempotent(ctx context.Context, actorID, key string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE actor_id = $1 AND key = $2`, actorID, key)
	return err
}
