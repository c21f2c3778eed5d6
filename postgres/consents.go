package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

const consentColumns = `c.id::text, c.worker_id::text, c.agency_id::text, a.name, c.purpose, c.items, c.given_on,
	c.wording_version, c.given_recorded_by, c.created_at, c.withdrawn_on, coalesce(c.withdrawal_wording_version, ''),
	coalesce(c.withdrawn_recorded_by, ''), c.withdrawn_at`

func scanConsent(row pgx.CollectableRow) (ippo.Consent, error) {
	var (
		c              ippo.Consent
		purpose        string
		items          []string
		given, withdrn pgtype.Date
	)
	err := row.Scan(&c.ID, &c.WorkerID, &c.AgencyID, &c.AgencyName, &purpose, &items, &given,
		&c.WordingVersion, &c.GivenBy, &c.CreatedAt, &withdrn, &c.WithdrawalWordingVersion, &c.WithdrawnBy, &c.WithdrawnAt)
	if err != nil {
		return c, err
	}
	c.Purpose, c.GivenOn, c.WithdrawnOn = ippo.ConsentPurpose(purpose), fromDate(given), fromDate(withdrn)
	c.Items = shareItems(items)
	return c, nil
}

func shareItems(s []string) []ippo.ShareItem {
	out := make([]ippo.ShareItem, len(s))
	for i, x := range s {
		out[i] = ippo.ShareItem(x)
	}
	return out
}

func itemStrings(items []ippo.ShareItem) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = string(x)
	}
	return out
}

// GiveConsent records a consent and its timeline entry. A second consent
// for the same agency and purpose while one is in force is an ECONFLICT:
// to change what is shared, the first is withdrawn and a new one given,
// so every provision refers to exactly what the worker agreed to then.
// programAt is the program instant, for the timeline.
func (db *DB) GiveConsent(ctx context.Context, c ippo.Consent, programAt time.Time) (ippo.Consent, error) {
	now := db.now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO consents (id, worker_id, agency_id, purpose, items, given_on, wording_version, given_recorded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			c.ID, c.WorkerID, c.AgencyID, string(c.Purpose), itemStrings(c.Items), date(c.GivenOn), c.WordingVersion, c.GivenBy, now)
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, "consent/"+c.ID+"/given", c.WorkerID, now, programAt, "consent_given", c.GivenBy, map[string]any{
			"consent_id": c.ID, "agency_id": c.AgencyID, "purpose": string(c.Purpose), "items": itemStrings(c.Items),
			"given_on": c.GivenOn.String(), "wording_version": c.WordingVersion,
		})
	})
	switch {
	case isUniqueViolation(err):
		in, ferr := db.consentInForce(ctx, db.pool, c.WorkerID, c.AgencyID, c.Purpose, false)
		msg := "a consent for this agency and purpose is already in force; to change what is shared, withdraw it and record the new consent"
		if ferr == nil {
			msg = fmt.Sprintf("a consent for %s and %s is already in force (given on %s, items %v); to change what is shared, withdraw it and record the new consent",
				in.AgencyName, c.Purpose, in.GivenOn, in.Items)
		}
		return c, &ippo.Error{Code: ippo.ECONFLICT, Message: msg}
	case isForeignKeyViolation(err, "consents_agency_id_fkey"):
		return c, ippo.Invalid([]ippo.FieldError{{Field: "agency_id", Message: "no such agency (GET /agencies lists them)"}})
	case isForeignKeyViolation(err):
		return c, ippo.Errorf(ippo.ENOTFOUND, "no worker %s", c.WorkerID)
	case err != nil:
		return c, fmt.Errorf("give consent: %w", err)
	}
	return db.Consent(ctx, c.ID)
}

// WithdrawConsent records the withdrawal, on the date the worker withdrew
// and with the wording they were shown, of the consent in force for the
// agency and purpose, and its timeline entry. Without one in force it is
// an ECONFLICT. The row is locked, so a handoff being provided at the same
// moment either sees the withdrawal or is recorded before it.
func (db *DB) WithdrawConsent(ctx context.Context, workerID, agencyID string, purpose ippo.ConsentPurpose, on ippo.Date,
	wording, by string, programAt time.Time) (ippo.Consent, error) {
	var id string
	now := db.now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		c, err := db.consentInForce(ctx, tx, workerID, agencyID, purpose, true)
		if err != nil {
			return err
		}
		if on.Before(c.GivenOn) {
			return ippo.Invalid([]ippo.FieldError{{Field: "on", Message: fmt.Sprintf("cannot be before the consent was given (%s)", c.GivenOn)}})
		}
		id = c.ID
		if _, err := tx.Exec(ctx, `UPDATE consents SET withdrawn_on = $2, withdrawal_wording_version = $3,
			withdrawn_recorded_by = $4, withdrawn_at = $5 WHERE id = $1`, id, date(on), wording, by, now); err != nil {
			return err
		}
		return insertEvent(ctx, tx, "consent/"+id+"/withdrawn", workerID, now, programAt, "consent_withdrawn", by, map[string]any{
			"consent_id": id, "agency_id": agencyID, "purpose": string(purpose), "withdrawn_on": on.String(), "wording_version": wording,
		})
	})
	if err != nil {
		if ippo.ErrorCode(err) != ippo.EINTERNAL {
			return ippo.Consent{}, err
		}
		return ippo.Consent{}, fmt.Errorf("withdraw consent: %w", err)
	}
	return db.Consent(ctx, id)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (db *DB) consentInForce(ctx context.Context, q querier, workerID, agencyID string, purpose ippo.ConsentPurpose, lock bool) (ippo.Consent, error) {
	sql := `SELECT ` + consentColumns + ` FROM consents c JOIN agencies a ON a.id = c.agency_id
		WHERE c.worker_id = $1 AND c.agency_id = $2 AND c.purpose = $3 AND c.withdrawn_on IS NULL`
	if lock {
		sql += ` FOR UPDATE OF c`
	}
	rows, err := q.Query(ctx, sql, workerID, agencyID, string(purpose))
	if err != nil {
		return ippo.Consent{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanConsent)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, &ippo.Error{Code: ippo.ECONFLICT, Message: fmt.Sprintf("the worker has no consent in force for agency %s and purpose %s", agencyID, purpose)}
	}
	return c, err
}

// Consent returns one consent, or ENOTFOUND.
func (db *DB) Consent(ctx context.Context, id string) (ippo.Consent, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+consentColumns+` FROM consents c JOIN agencies a ON a.id = c.agency_id WHERE c.id = $1`, id)
	if err != nil {
		return ippo.Consent{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanConsent)
	return c, notFound(err, "no consent %s", id)
}

// Consents lists a worker's consents, withdrawn ones included, oldest
// first. An unknown worker is ENOTFOUND.
func (db *DB) Consents(ctx context.Context, workerID string) ([]ippo.Consent, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+consentColumns+` FROM consents c JOIN agencies a ON a.id = c.agency_id
		WHERE c.worker_id = $1 ORDER BY c.created_at, c.id`, workerID)
	if err != nil {
		return nil, fmt.Errorf("consents of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, scanConsent)
}

// isForeignKeyViolation reports a foreign key violation, of the named
// constraint if one is given.
func isForeignKeyViolation(err error, constraint ...string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		return false
	}
	return len(constraint) == 0 || pgErr.ConstraintName == constraint[0]
}
