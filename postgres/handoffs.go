package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const handoffColumns = `h.id::text, h.worker_id::text, h.agency_id::text, coalesce(nullif(h.agency_name, ''), a.name),
	h.consent_id::text, h.destination, h.graduated_on, h.status, h.reason, h.items, h.wording_version, h.provided_at,
	h.provided_on, h.keep_until, h.ack_by, h.acknowledged_at, coalesce(t.name, h.acknowledged_by, ''), h.escalated_at,
	h.created_by, h.updated_at, coalesce(h.note_id::text, ''), h.email_key`

const handoffFrom = ` FROM handoffs h JOIN agencies a ON a.id = h.agency_id
	LEFT JOIN staff_tokens t ON h.acknowledged_by = 'staff:' || t.id::text`

func scanHandoff(row pgx.CollectableRow) (ippo.Handoff, error) {
	var (
		h                       ippo.Handoff
		dest                    string
		items                   []string
		grad, prov, keep, ackBy pgtype.Date
	)
	err := row.Scan(&h.ID, &h.WorkerID, &h.AgencyID, &h.AgencyName, &h.ConsentID, &dest, &grad, &h.Status, &h.Reason,
		&items, &h.WordingVersion, &h.ProvidedAt, &prov, &keep, &ackBy, &h.AcknowledgedAt, &h.AcknowledgedBy,
		&h.EscalatedAt, &h.CreatedBy, &h.UpdatedAt, &h.NoteID, &h.EmailKey)
	if err != nil {
		return h, err
	}
	h.Destination, h.Items = ippo.Destination(dest), shareItems(items)
	h.GraduatedOn, h.ProvidedOn, h.KeepUntil, h.AckBy = fromDate(grad), fromDate(prov), fromDate(keep), fromDate(ackBy)
	return h, nil
}

// HandoffProvision asks for one handoff to be provided to its agency.
type HandoffProvision struct {
	ID          string
	WorkerID    string
	AgencyID    string
	ConsentID   string
	Destination ippo.Destination
	GraduatedOn ippo.Date
	NoteID      string
	CreatedBy   string
	// On is the program date of the provision; AckBy and KeepUntil follow from it.
	On        ippo.Date
	AckBy     ippo.Date
	KeepUntil ippo.Date
	// EmailKey is the outbox key of the handoff email, blanked at deletion.
	EmailKey string
	Seq      int64
}

// ProvideHandoff decides, at the moment of sending, whether the handoff
// may go: only with the consent in force for the agency and the graduation
// handoff purpose. It then records the provision (what: the consent's
// items; to whom; when) with status sent, or the handoff as cancelled,
// and returns it. A retry returns the first answer, so a handoff that was
// provided stays provided even if the consent is withdrawn just after.
// The consent row is locked against a concurrent withdrawal.
func (db *DB) ProvideHandoff(ctx context.Context, p HandoffProvision) (ippo.Handoff, error) {
	now := db.now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM handoffs WHERE id = $1)`, p.ID).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT `+consentColumns+` FROM consents c JOIN agencies a ON a.id = c.agency_id
			WHERE c.id = $1 FOR SHARE OF c`, p.ConsentID)
		if err != nil {
			return err
		}
		c, err := pgx.CollectExactlyOneRow(rows, scanConsent)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		reason := ""
		switch {
		case errors.Is(err, pgx.ErrNoRows), c.WorkerID != p.WorkerID, c.AgencyID != p.AgencyID, c.Purpose != ippo.PurposeGraduationHandoff:
			reason = "no_consent"
		case !c.WithdrawnOn.IsZero():
			reason = "consent_withdrawn"
		case !c.InForce(p.On):
			reason = "no_consent"
		}
		if reason != "" {
			_, err = tx.Exec(ctx, `
				INSERT INTO handoffs (id, worker_id, agency_id, consent_id, destination, graduated_on, note_id, created_by,
					status, reason, state_seq, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'cancelled', $9, $10, $11, $11)`,
				p.ID, p.WorkerID, p.AgencyID, p.ConsentID, string(p.Destination), date(p.GraduatedOn), nullUUID(p.NoteID),
				p.CreatedBy, reason, p.Seq, now)
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO handoffs (id, worker_id, agency_id, consent_id, destination, graduated_on, note_id, created_by,
				status, items, agency_name, wording_version, provided_at, provided_on, keep_until, email_key, ack_by,
				state_seq, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sent', $9, $10, $11, $12, $13, $14, $15, $16, $17, $12, $12)`,
			p.ID, p.WorkerID, p.AgencyID, p.ConsentID, string(p.Destination), date(p.GraduatedOn), nullUUID(p.NoteID),
			p.CreatedBy, itemStrings(c.Items), c.AgencyName, c.WordingVersion, now, date(p.On), date(p.KeepUntil),
			p.EmailKey, date(p.AckBy), p.Seq)
		return err
	})
	if isForeignKeyViolation(err) {
		return ippo.Handoff{}, ippo.Errorf(ippo.ENOTFOUND, "handoff %s: no such worker, agency or consent", p.ID)
	}
	if err != nil {
		return ippo.Handoff{}, fmt.Errorf("provide handoff %s: %w", p.ID, err)
	}
	return db.Handoff(ctx, p.ID)
}

// HandoffChange is a later step of a handoff.
type HandoffChange struct {
	ID     string
	Status string
	// Actor acknowledged the handoff (acknowledged only).
	Actor string
	Seq   int64
}

// ChangeHandoff records a handoff's new status, unless a later step has
// already been applied. Acknowledgement and escalation times are kept once.
func (db *DB) ChangeHandoff(ctx context.Context, c HandoffChange) error {
	now := db.now()
	_, err := db.pool.Exec(ctx, `
		UPDATE handoffs SET status = $2, state_seq = $3, updated_at = $4,
			acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN coalesce(acknowledged_at, $4) ELSE acknowledged_at END,
			acknowledged_by = CASE WHEN $2 = 'acknowledged' THEN coalesce(acknowledged_by, $5) ELSE acknowledged_by END,
			escalated_at = CASE WHEN $2 = 'unacknowledged' THEN coalesce(escalated_at, $4) ELSE escalated_at END
		WHERE id = $1 AND state_seq < $3`, c.ID, c.Status, c.Seq, now, c.Actor)
	if err != nil {
		return fmt.Errorf("change handoff %s: %w", c.ID, err)
	}
	return nil
}

// Handoff returns one handoff, or ENOTFOUND (also once its record is deleted).
func (db *DB) Handoff(ctx context.Context, id string) (ippo.Handoff, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+handoffColumns+handoffFrom+` WHERE h.id = $1`, id)
	if err != nil {
		return ippo.Handoff{}, err
	}
	h, err := pgx.CollectExactlyOneRow(rows, scanHandoff)
	return h, notFound(err, "no handoff %s", id)
}

// Handoffs lists a worker's handoffs in the order they were made. An
// unknown worker is ENOTFOUND.
func (db *DB) Handoffs(ctx context.Context, workerID string) ([]ippo.Handoff, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+handoffColumns+handoffFrom+` WHERE h.worker_id = $1 ORDER BY h.created_at, h.id`, workerID)
	if err != nil {
		return nil, fmt.Errorf("handoffs of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, scanHandoff)
}

// RedactedHandoffBody replaces the body of a handoff email in the outbox
// once the record of its provision is deleted.
const RedactedHandoffBody = "この引き継ぎ情報は、提供の記録の保存期間を過ぎたため、本文を削除しました。"

// DeleteProvision deletes the record of a provision once its retention
// has passed: the handoff row, and the body of the handoff email in the
// outbox (the subject and recipient stay, so the outbox still shows that
// an email went). A timeline entry says it was done. Deleting again
// changes nothing; it reports whether there was anything to delete.
func (db *DB) DeleteProvision(ctx context.Context, id string, programAt time.Time) (bool, error) {
	deleted := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var workerID, agencyID, emailKey string
		err := tx.QueryRow(ctx, `DELETE FROM handoffs WHERE id = $1 RETURNING worker_id::text, agency_id::text, email_key`, id).
			Scan(&workerID, &agencyID, &emailKey)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		deleted = true
		now := db.now()
		if emailKey != "" {
			if _, err := tx.Exec(ctx, `UPDATE outbox SET text_body = $2, html_body = $3, updated_at = $4 WHERE key = $1`,
				emailKey, RedactedHandoffBody, "<p>"+RedactedHandoffBody+"</p>", now); err != nil {
				return err
			}
		}
		return insertEvent(ctx, tx, "handoff/"+id+"/deleted", workerID, now, programAt, "provision_record_deleted", ippo.ActorSystem,
			map[string]any{"handoff_id": id, "agency_id": agencyID})
	})
	if err != nil {
		return false, fmt.Errorf("delete provision %s: %w", id, err)
	}
	return deleted, nil
}
