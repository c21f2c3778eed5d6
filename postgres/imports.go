package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// ImportedWorker is a worker the center already has under contract, as
// `ippo import` stores them before their lifecycle starts.
type ImportedWorker struct {
	ID        string
	Applicant ippo.Applicant
	SignedOn  ippo.Date
	TermEnd   ippo.Date
	// Extensions so far.
	Extensions int
	Schedule   ippo.Schedule
}

// ImportWorker stores an imported worker in one transaction: the worker
// row (active, under contract, in the current term), the place they hold,
// and their weekly schedule. It reports created=false, changing nothing,
// when a worker with this id is already stored (an earlier import of the
// same row). A worker whose open lifecycle already uses the email is
// ippo.EmailInUse. The lifecycle's first step overwrites the read model;
// if it cannot start, DeleteApplicant removes all of it (the cascade).
func (db *DB) ImportWorker(ctx context.Context, w ImportedWorker, by string) (created bool, err error) {
	a := w.Applicant
	types := make([]string, len(a.DisabilityTypes))
	for i, t := range a.DisabilityTypes {
		types[i] = string(t)
	}
	slots, err := json.Marshal(w.Schedule.Slots)
	if err != nil {
		return false, err
	}
	now := db.now()
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO workers (id, name, name_kana, email, municipality_code, category,
				recognized_by_doctor, disability_types, withdrawn_since, supporting_body,
				intractable_disease, wants_general_employment, consent_given_on, consent_wording_version,
				applied_at, updated_at, phase, status, contract_start, contract_end, extensions)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15,
				'active', 'under_contract', $16, $17, $18)
			ON CONFLICT (id) DO NOTHING`,
			w.ID, a.Name, a.NameKana, a.Email, a.MunicipalityCode, string(a.Category),
			a.RecognizedByDoctor, types, date(a.WithdrawnSince), a.SupportingBody,
			a.IntractableDisease, a.WantsGeneralEmployment, date(a.Consent.GivenOn), a.Consent.WordingVersion,
			now, date(w.SignedOn), date(w.TermEnd), w.Extensions)
		if err != nil {
			return err
		}
		if created = tag.RowsAffected() == 1; !created {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO places (worker_id, state, priority, requested_at, granted_at)
			VALUES ($1, 'holding', $2, $3, $3)`, w.ID, a.WantsGeneralEmployment, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO schedules (worker_id, effective_from, slots, weekly_minutes, declared_at, declared_by)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			w.ID, date(w.Schedule.EffectiveFrom), slots, w.Schedule.WeeklyMinutes(), now, by)
		return err
	})
	if violates(err, "workers_open_email") {
		other, _ := db.OpenWorkerByEmail(ctx, a.Email)
		return false, ippo.EmailInUse(other)
	}
	if err != nil {
		return false, fmt.Errorf("import worker %s: %w", w.ID, err)
	}
	return created, nil
}

// ExistingWorkers returns which of ids are stored workers.
func (db *DB) ExistingWorkers(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id::text FROM workers WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("existing workers: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("existing workers: %w", err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
