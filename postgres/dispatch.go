package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// StepEmail is an email written with a step, for the dispatcher to deliver.
type StepEmail struct {
	ippo.OutboxEmail
	// Held keeps the email in the outbox (no SendGrid key): nothing sends it.
	Held bool
	// DeliverBy is when the email stops being timely (zero: never); sent
	// after it, LateNote is put first in its text and HTML.
	DeliverBy time.Time
	LateNote  string
}

// RecordEffects writes what one decision of a lifecycle records, in one
// transaction: its steps (timeline and read model, as RecordStep) and the
// emails they ask for (once per key, queued for the dispatcher). A retry,
// or a replay that runs it again, changes nothing more.
func (db *DB) RecordEffects(ctx context.Context, steps []ippo.Step, emails []StepEmail) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		for _, s := range steps {
			if err := db.recordStep(ctx, tx, s); err != nil {
				return err
			}
		}
		return db.enqueueEmails(ctx, tx, emails)
	})
}

// enqueueEmails writes emails to the outbox once per key, queued for the
// dispatcher (or held).
func (db *DB) enqueueEmails(ctx context.Context, tx pgx.Tx, emails []StepEmail) error {
	now := db.now()
	for i, e := range emails {
		// A microsecond apart, so the outbox lists a step's emails in
		// the order they were asked for.
		at := now.Add(time.Duration(i) * time.Microsecond)
		status, dispatchAt := ippo.EmailQueued, any(at)
		if e.Held {
			status, dispatchAt = ippo.EmailHeld, nil
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO outbox (id, key, template, worker_id, agency_id, recipient, recipient_name, subject, text_body, html_body,
				status, created_at, updated_at, dispatch_at, deliver_by, late_note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)
			ON CONFLICT (key) DO NOTHING`,
			e.ID, e.Key, e.Template, nullUUID(e.WorkerID), nullUUID(e.AgencyID), e.Recipient, e.RecipientName,
			e.Subject, e.Text, e.HTML, status, at, dispatchAt, nullTime(e.DeliverBy), e.LateNote); err != nil {
			return fmt.Errorf("enqueue email %s: %w", e.Key, err)
		}
	}
	return nil
}

// ClaimDueEmails moves up to limit queued emails that are due for the
// dispatcher to sending (counting the attempt) and returns them as they
// are to be sent. A worker's emails go out one at a time in the order they
// were written (the center's welcome before its approval, a reminder
// before the terms that follow it), even while SendGrid makes one wait. Claiming is one statement over rows locked with SKIP
// LOCKED, so two dispatchers never claim the same email. An email claimed
// after its DeliverBy gets its late note first, once, in what is stored:
// what staff read in the outbox is what went out.
func (db *DB) ClaimDueEmails(ctx context.Context, limit int) ([]ippo.OutboxEmail, error) {
	rows, err := db.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM outbox o
			 WHERE status = 'queued' AND dispatch_at IS NOT NULL AND dispatch_at <= $1
			   AND NOT EXISTS (SELECT 1 FROM outbox e
			                    WHERE e.worker_id = o.worker_id AND e.dispatch_seq < o.dispatch_seq
			                      AND e.status IN ('queued', 'sending') AND e.dispatch_at IS NOT NULL)
			 ORDER BY dispatch_seq LIMIT $2 FOR UPDATE SKIP LOCKED
		), claimed AS (
			UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, updated_at = $1,
				sent_late = o.sent_late OR (o.deliver_by IS NOT NULL AND o.deliver_by < $1),
				text_body = CASE WHEN NOT o.sent_late AND o.deliver_by < $1 AND o.late_note <> ''
					THEN o.late_note || E'\n\n' || o.text_body ELSE o.text_body END,
				html_body = CASE WHEN NOT o.sent_late AND o.deliver_by < $1 AND o.late_note <> ''
					THEN regexp_replace(o.html_body, '(<body[^>]*>)',
						'\1<p style="margin:16px;padding:12px;background-color:#fff8e1;">' ||
						replace(replace(replace(o.late_note, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</p>')
					ELSE o.html_body END
			  FROM due WHERE o.id = due.id
			RETURNING o.*
		)
		SELECT `+outboxColumns+` FROM claimed ORDER BY updated_at`, db.now(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim due emails: %w", err)
	}
	return pgx.CollectRows(rows, scanOutbox)
}

// RequeueEmail puts an email the provider did not take (429, 5xx, no
// connection) back in the queue, to be tried again at at.
func (db *DB) RequeueEmail(ctx context.Context, id string, at time.Time, reason string) error {
	_, err := db.pool.Exec(ctx, `
		UPDATE outbox SET status = 'queued', dispatch_at = $2, last_error = $3, updated_at = $4
		 WHERE id = $1 AND status = 'sending'`, id, at, reason, db.now())
	if err != nil {
		return fmt.Errorf("requeue email %s: %w", id, err)
	}
	return nil
}

// StaleDispatches returns the dispatcher's emails still "sending" since
// before: the attempt that claimed them stopped (the process was killed)
// between the claim and recording SendGrid's answer.
func (db *DB) StaleDispatches(ctx context.Context, before time.Time) ([]ippo.OutboxEmail, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+outboxColumns+` FROM outbox
		WHERE status = 'sending' AND dispatch_at IS NOT NULL AND updated_at < $1 LIMIT 100`, before)
	if err != nil {
		return nil, fmt.Errorf("stale dispatches: %w", err)
	}
	return pgx.CollectRows(rows, scanOutbox)
}
