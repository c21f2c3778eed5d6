package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

const outboxColumns = `id::text, key, template, coalesce(worker_id::text, ''), coalesce(agency_id::text, ''),
	recipient, recipient_name, subject, text_body, html_body, status, provider_message_id, attempts, last_error,
	coalesce(resend_of::text, ''), requested_by, created_at, updated_at`

func scanOutbox(row pgx.CollectableRow) (ippo.OutboxEmail, error) {
	var e ippo.OutboxEmail
	err := row.Scan(&e.ID, &e.Key, &e.Template, &e.WorkerID, &e.AgencyID, &e.Recipient, &e.RecipientName, &e.Subject,
		&e.Text, &e.HTML, &e.Status, &e.ProviderMessageID, &e.Attempts, &e.LastError,
		&e.ResendOf, &e.RequestedBy, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

func nullUUID(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EnqueueEmail writes an email once per key and returns the stored row: a
// second call with the same key returns the first email as it now stands.
func (db *DB) EnqueueEmail(ctx context.Context, e ippo.OutboxEmail) (ippo.OutboxEmail, error) {
	now := db.now()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO outbox (id, key, template, worker_id, agency_id, recipient, recipient_name, subject, text_body, html_body,
			status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $11)
		ON CONFLICT (key) DO NOTHING`,
		e.ID, e.Key, e.Template, nullUUID(e.WorkerID), nullUUID(e.AgencyID), e.Recipient, e.RecipientName, e.Subject, e.Text, e.HTML, now)
	if err != nil {
		return e, fmt.Errorf("enqueue email %s: %w", e.Key, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE key = $1`, e.Key)
	if err != nil {
		return e, err
	}
	return pgx.CollectExactlyOneRow(rows, scanOutbox)
}

// OutboxEmail returns one email, or ENOTFOUND.
func (db *DB) OutboxEmail(ctx context.Context, id string) (ippo.OutboxEmail, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id)
	if err != nil {
		return ippo.OutboxEmail{}, err
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanOutbox)
	return e, notFound(err, "no email %s", id)
}

// ClaimSend moves a queued email to sending and counts the attempt. It
// returns the status the email had: only "queued" means the caller may send.
func (db *DB) ClaimSend(ctx context.Context, id string) (string, error) {
	var before string
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT status FROM outbox WHERE id = $1 FOR UPDATE`, id).Scan(&before); err != nil {
			return err
		}
		if before != ippo.EmailQueued {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, id, db.now())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("claim email %s: %w", id, err)
	}
	return before, nil
}

// SetEmailStatus records what became of a send. From lists the statuses
// the email may move from; it returns false if it was in none of them.
func (db *DB) SetEmailStatus(ctx context.Context, id, status, messageID, reason string, from ...string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `
		UPDATE outbox SET status = $2,
			provider_message_id = CASE WHEN $3 = '' THEN provider_message_id ELSE $3 END,
			last_error = CASE WHEN $4 = '' THEN last_error ELSE $4 END,
			updated_at = $5
		WHERE id = $1 AND status = ANY($6)`, id, status, messageID, reason, db.now(), from)
	if err != nil {
		return false, fmt.Errorf("set email %s %s: %w", id, status, err)
	}
	return tag.RowsAffected() == 1, nil
}

// OutboxFilter selects emails for a list, newest first.
type OutboxFilter struct {
	WorkerID string
	Status   string
	Before   time.Time
	BeforeID string
	Limit    int
}

// Outbox lists emails matching f.
func (db *DB) Outbox(ctx context.Context, f OutboxFilter) ([]ippo.OutboxEmail, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.WorkerID != "" {
		where = append(where, "worker_id = "+arg(f.WorkerID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.BeforeID != "" {
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", arg(f.Before), arg(f.BeforeID)))
	}
	sql := `SELECT ` + outboxColumns + ` FROM outbox`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	sql += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit)
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return pgx.CollectRows(rows, scanOutbox)
}

// SetEmailStatusWithTodo records what became of a send (as SetEmailStatus)
// and, if the email moved, the staff to-do it raises, in one transaction:
// an email marked failed or unknown always has its to-do.
func (db *DB) SetEmailStatusWithTodo(ctx context.Context, id, status, reason string, from []string, t ippo.StaffTodo) (bool, error) {
	var moved bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		now := db.now()
		tag, err := tx.Exec(ctx, `
			UPDATE outbox SET status = $2, last_error = CASE WHEN $3 = '' THEN last_error ELSE $3 END, updated_at = $4
			WHERE id = $1 AND status = ANY($5)`, id, status, reason, now, from)
		if err != nil {
			return err
		}
		if moved = tag.RowsAffected() == 1; !moved {
			return nil
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO staff_tasks (id, key, kind, worker_id, title, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
			t.ID, t.Key, t.Kind, nullUUID(t.WorkerID), t.Title, t.Body, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("set email %s %s with its to-do: %w", id, status, err)
	}
	return moved, nil
}

// CreateStaffTodo records a staff to-do once per key.
func (db *DB) CreateStaffTodo(ctx context.Context, t ippo.StaffTodo) error {
	_, err := db.pool.Exec(ctx, createStaffTodoSQL, t.ID, t.Key, t.Kind, nullUUID(t.WorkerID), t.Title, t.Body, db.now())
	if err != nil {
		return fmt.Errorf("create task %s: %w", t.Key, err)
	}
	return nil
}

const createStaffTodoSQL = `
	INSERT INTO staff_tasks (id, key, kind, worker_id, title, body, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`

// StaffTodos lists staff to-dos, open ones first, newest first.
func (db *DB) StaffTodos(ctx context.Context, openOnly bool, limit int) ([]ippo.StaffTodo, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.pool.Query(ctx, `
		SELECT t.id::text, t.key, t.kind, coalesce(t.worker_id::text, ''), coalesce(w.name, ''), t.title, t.body, t.created_at, t.done_at, coalesce(t.done_by, '')
		  FROM staff_tasks t LEFT JOIN workers w ON w.id = t.worker_id
		 WHERE NOT $1 OR t.done_at IS NULL
		 ORDER BY t.done_at IS NOT NULL, t.created_at DESC LIMIT $2`, openOnly, limit)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.StaffTodo, error) {
		var t ippo.StaffTodo
		err := row.Scan(&t.ID, &t.Key, &t.Kind, &t.WorkerID, &t.WorkerName, &t.Title, &t.Body, &t.CreatedAt, &t.DoneAt, &t.DoneBy)
		return t, err
	})
}

// CompleteStaffTodo marks a staff to-do done.
func (db *DB) CompleteStaffTodo(ctx context.Context, id, by string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE staff_tasks SET done_at = coalesce(done_at, $2), done_by = coalesce(done_by, $3) WHERE id = $1`, id, db.now(), by)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ippo.Errorf(ippo.ENOTFOUND, "no task %s", id)
	}
	return nil
}
