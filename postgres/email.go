package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// RecordSent records that SendGrid accepted an email with message id
// msgID. It moves the email to "sent" from "sending" or from "unknown" (an
// attempt that Temporal gave up on while it was still waiting for SendGrid
// may learn the answer after another attempt marked it unknown), and
// otherwise only fills in the message id: an Event Webhook event may have
// arrived before the answer and already made it "delivered". It reports
// whether the status moved, and from which status.
func (db *DB) RecordSent(ctx context.Context, id, msgID string) (from string, moved bool, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT status FROM outbox WHERE id = $1 FOR UPDATE`, id).Scan(&from); err != nil {
			return err
		}
		moved = from == ippo.EmailSending || from == ippo.EmailUnknown
		_, err := tx.Exec(ctx, `
			UPDATE outbox SET status = CASE WHEN $2 THEN 'sent' ELSE status END,
				provider_message_id = CASE WHEN provider_message_id = '' THEN $3 ELSE provider_message_id END,
				updated_at = $4
			WHERE id = $1`, id, moved, msgID, db.now())
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("record email %s sent: %w", id, err)
	}
	return from, moved, nil
}

// EmailEventInput is an Event Webhook event to record.
type EmailEventInput struct {
	// OutboxID is the ippo_outbox_id custom argument; MessageID the
	// X-Message-Id part of sg_message_id. Either finds the email.
	OutboxID  string
	MessageID string
	// EventID is SendGrid's sg_event_id (the event's identity across
	// repeated deliveries); empty means one is derived from the event.
	EventID string
	Event   string
	At      time.Time
	Reason  string
	Data    map[string]any
	// BounceTodo, when set, is the staff to-do a bounce or drop raises,
	// made from the email as the event leaves it: it is written in the
	// same transaction as the status change (once per key), so a bounced
	// email never lacks its to-do, even if the request fails half-way.
	BounceTodo func(ippo.OutboxEmail) ippo.StaffTodo `json:"-"`
}

// EmailEventResult says what recording an event did.
type EmailEventResult struct {
	// Found is false when no email matches the event (sent by another
	// system on the same SendGrid account, or deleted): nothing is stored.
	Found bool
	// New is false for an event already recorded (a repeated delivery).
	New bool
	// Moved is true when the event changed the email's status.
	Moved bool
	// Email is the email after the event.
	Email ippo.OutboxEmail
}

// RecordEmailEvent stores a delivery event once and moves the email's
// status as ippo.EmailEventStatus says; a delivery of an email staff were
// asked to check (unknown) closes that task, and a bounce or drop that
// leaves the email bounced writes ev.BounceTodo, in the same transaction.
// A repeated event changes nothing (its to-do, already written, is kept).
func (db *DB) RecordEmailEvent(ctx context.Context, ev EmailEventInput) (EmailEventResult, error) {
	var res EmailEventResult
	key := ev.EventID
	if key == "" {
		h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%s|%d|%s", ev.OutboxID, ev.MessageID, ev.Event, ev.At.Unix(), ev.Reason))
		key = "sha256:" + hex.EncodeToString(h[:])
	}
	data, err := json.Marshal(ev.Data)
	if err != nil || ev.Data == nil {
		data = []byte("{}")
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var id, before string
		err := pgx.ErrNoRows
		if _, perr := uuid.Parse(ev.OutboxID); perr == nil {
			err = tx.QueryRow(ctx, `SELECT id::text, status FROM outbox WHERE id = $1 FOR UPDATE`, ev.OutboxID).Scan(&id, &before)
		}
		if errors.Is(err, pgx.ErrNoRows) && ev.MessageID != "" {
			err = tx.QueryRow(ctx, `
				SELECT id::text, status FROM outbox WHERE provider_message_id = $1 ORDER BY created_at LIMIT 1 FOR UPDATE`,
				ev.MessageID).Scan(&id, &before)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		res.Found = true
		tag, err := tx.Exec(ctx, `
			INSERT INTO email_events (event_key, outbox_id, event, at, received_at, reason, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_key) DO NOTHING`,
			key, id, ev.Event, ev.At, db.now(), ev.Reason, data)
		if err != nil {
			return err
		}
		res.New = tag.RowsAffected() == 1
		if to, from, ok := ippo.EmailEventStatus(ev.Event); ok && res.New {
			reason := ""
			if to == ippo.EmailBounced {
				reason = ev.Event
				if ev.Reason != "" {
					reason += ": " + ev.Reason
				}
			}
			tag, err := tx.Exec(ctx, `
				UPDATE outbox SET status = $2,
					provider_message_id = CASE WHEN provider_message_id = '' THEN $3 ELSE provider_message_id END,
					last_error = CASE WHEN $4 = '' THEN last_error ELSE $4 END,
					updated_at = $5
				WHERE id = $1 AND status = ANY($6)`, id, to, ev.MessageID, reason, db.now(), from)
			if err != nil {
				return err
			}
			res.Moved = tag.RowsAffected() == 1
			if res.Moved && before == ippo.EmailUnknown && to == ippo.EmailDelivered {
				// The email staff were asked to check did arrive.
				if _, err := tx.Exec(ctx, `UPDATE staff_tasks SET done_at = $2, done_by = 'sendgrid' WHERE key = $1 AND done_at IS NULL`,
					OutboxTaskKey(id, ippo.EmailUnknown), db.now()); err != nil {
					return err
				}
			}
		}
		rows, err := tx.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if res.Email, err = pgx.CollectExactlyOneRow(rows, scanOutbox); err != nil {
			return err
		}
		if to, _, ok := ippo.EmailEventStatus(ev.Event); ok && to == ippo.EmailBounced &&
			res.Email.Status == ippo.EmailBounced && ev.BounceTodo != nil {
			return createStaffTodo(ctx, tx, ev.BounceTodo(res.Email), db.now())
		}
		return nil
	})
	if err != nil {
		return EmailEventResult{}, fmt.Errorf("record email event %s: %w", ev.Event, err)
	}
	return res, nil
}

// EmailEvents returns what SendGrid said about an email, oldest first.
func (db *DB) EmailEvents(ctx context.Context, outboxID string) ([]ippo.EmailEvent, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT outbox_id::text, event, at, reason, data FROM email_events WHERE outbox_id = $1 ORDER BY at, id`, outboxID)
	if err != nil {
		return nil, fmt.Errorf("email events %s: %w", outboxID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.EmailEvent, error) {
		var (
			e    ippo.EmailEvent
			data []byte
		)
		if err := row.Scan(&e.OutboxID, &e.Event, &e.At, &e.Reason, &data); err != nil {
			return e, err
		}
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return e, err
		}
		if len(e.Data) == 0 {
			e.Data = nil
		}
		return e, nil
	})
}

// ResendKey is the outbox key of the resend of email id: one per email, so
// a repeated request finds the first resend instead of sending again.
func ResendKey(id string) string { return "resend/" + id }

// CreateResend writes a copy of email id, queued for the dispatcher to
// send again at by's request, and closes the staff tasks about the
// original. Only a failed, unknown or bounced email can be sent again
// (ECONFLICT otherwise), once: a second call returns the first copy with
// created false (a copy still queued from before the dispatcher sent
// resends, waiting for an Email workflow, is handed to the dispatcher).
func (db *DB) CreateResend(ctx context.Context, id, by string) (resend ippo.OutboxEmail, created bool, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		orig, err := pgx.CollectExactlyOneRow(rows, scanOutbox)
		if err != nil {
			return notFound(err, "no email %s", id)
		}
		key := ResendKey(id)
		rows, err = tx.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE key = $1`, key)
		if err != nil {
			return err
		}
		if resend, err = pgx.CollectExactlyOneRow(rows, scanOutbox); err == nil {
			_, err := tx.Exec(ctx, `UPDATE outbox SET dispatch_at = $2 WHERE id = $1 AND status = 'queued' AND dispatch_at IS NULL`,
				resend.ID, db.now())
			return err
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if !ippo.Resendable(orig.Status) {
			return ippo.Errorf(ippo.ECONFLICT,
				"email %s is %s: only a failed, unknown or bounced email can be sent again, so nobody gets it twice", id, orig.Status)
		}
		now := db.now()
		newID := uuid.NewSHA1(resendNamespace, []byte(key)).String()
		if _, err := tx.Exec(ctx, `
			INSERT INTO outbox (id, key, template, worker_id, agency_id, recipient, recipient_name, subject, text_body, html_body,
				status, resend_of, requested_by, created_at, updated_at, dispatch_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12, $13, $13, $13)`,
			newID, key, orig.Template, nullUUID(orig.WorkerID), nullUUID(orig.AgencyID), orig.Recipient, orig.RecipientName,
			orig.Subject, orig.Text, orig.HTML, id, by, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE staff_tasks SET done_at = $2, done_by = $3
			 WHERE done_at IS NULL AND key = ANY($1)`, outboxTaskKeys(id), now, by); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, newID)
		if err != nil {
			return err
		}
		resend, err = pgx.CollectExactlyOneRow(rows, scanOutbox)
		created = err == nil
		return err
	})
	if err != nil {
		return ippo.OutboxEmail{}, false, fmt.Errorf("resend email %s: %w", id, err)
	}
	return resend, created, nil
}

var resendNamespace = uuid.MustParse("5a0e3c1b-7f7e-4b8e-9a55-3f0f2b6d8c12")

// OutboxTaskKey is the key of the staff task about email id in status
// (failed, unknown, bounced).
func OutboxTaskKey(id, status string) string { return "outbox/" + id + "/" + status }

func outboxTaskKeys(id string) []string {
	return []string{
		OutboxTaskKey(id, ippo.EmailFailed), OutboxTaskKey(id, ippo.EmailUnknown), OutboxTaskKey(id, ippo.EmailBounced),
	}
}

// CompleteTaskByKey marks the task with key done, if it is open; it
// reports whether it was.
func (db *DB) CompleteTaskByKey(ctx context.Context, key, by string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE staff_tasks SET done_at = $2, done_by = $3 WHERE key = $1 AND done_at IS NULL`,
		key, db.now(), by)
	if err != nil {
		return false, fmt.Errorf("complete task %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}
