package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// AbsenceRecord is an absence, late start or early leave as recorded.
type AbsenceRecord struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	ippo.Absence
	ReportedAt time.Time `json:"reported_at"`
	// ReportedBy is "staff:<token id>" or "worker" (a signed link).
	ReportedBy string `json:"reported_by"`
}

// RecordAbsence records a notice of a day off, a late start or an early
// leave (一報), sent any time before or after the day, with an optional
// reason. It is the one way to record one: the staff API calls it, and so
// does the worker's signed-link page (through RecordAbsenceOnce), with
// actor ippo.ActorWorker. It checks ippo.ValidateAbsence and that the
// worker is onboarding or active; a refused notice changes nothing.
// Absences never reduce the declared hours: resting when unwell is good
// practice.
func (db *DB) RecordAbsence(ctx context.Context, workerID string, a ippo.Absence, actor string) (AbsenceRecord, error) {
	r, _, err := db.RecordAbsenceOnce(ctx, uuid.NewString(), workerID, a, actor)
	return r, err
}

// RecordAbsenceOnce is RecordAbsence under an ID the caller derives from
// its request, for a caller that may repeat itself: the signed-link page
// acts again when a process stopped between recording and marking the
// link's use. If the worker already has an absence with id, it returns
// that one with existed true and records nothing (the worker's phase is
// not checked again: the notice was accepted when it was sent). An id
// taken by another worker's absence is ECONFLICT.
func (db *DB) RecordAbsenceOnce(ctx context.Context, id, workerID string, a ippo.Absence, actor string) (r AbsenceRecord, existed bool, err error) {
	a.Reason = strings.TrimSpace(a.Reason)
	r = AbsenceRecord{ID: id, WorkerID: workerID, Absence: a, ReportedAt: db.now(), ReportedBy: actor}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		st, err := lockWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+absenceColumns+` FROM absences WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if prev, err := pgx.CollectRows(rows, scanAbsence); err != nil {
			return err
		} else if len(prev) == 1 {
			if prev[0].WorkerID != workerID {
				return ippo.Errorf(ippo.ECONFLICT, "absence %s belongs to another worker", id)
			}
			r, existed = prev[0], true
			return nil
		}
		if err := requirePhase(st, "recording an absence"); err != nil {
			return err
		}
		if err := ippo.ValidateAbsence(a); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO absences (id, worker_id, on_date, kind, from_minute, until_minute, reason, reported_at, reported_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, workerID, date(a.Date), string(a.Kind), minuteOf(a.From), minuteOf(a.Until), a.Reason, r.ReportedAt, actor)
		return err
	})
	if err != nil {
		return r, false, fmt.Errorf("record absence of %s: %w", workerID, err)
	}
	return r, existed, nil
}

func minuteOf(t *ippo.TimeOfDay) any {
	if t == nil {
		return nil
	}
	return int(*t)
}

// Absences lists the worker's notices for the days of month (all days when
// month is nil), by day, or ENOTFOUND.
func (db *DB) Absences(ctx context.Context, workerID string, month *ippo.YearMonth) ([]AbsenceRecord, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	from, to := daysOf(month)
	rows, err := db.pool.Query(ctx, `
		SELECT `+absenceColumns+`
		  FROM absences WHERE worker_id = $1 AND on_date BETWEEN $2 AND $3
		 ORDER BY on_date, reported_at, id`, workerID, date(from), date(to))
	if err != nil {
		return nil, fmt.Errorf("absences of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, scanAbsence)
}

const absenceColumns = `id::text, worker_id::text, on_date, kind, from_minute, until_minute, reason, reported_at, reported_by`

func scanAbsence(row pgx.CollectableRow) (AbsenceRecord, error) {
	var (
		r          AbsenceRecord
		on         pgtype.Date
		kind       string
		fromM, toM *int
	)
	if err := row.Scan(&r.ID, &r.WorkerID, &on, &kind, &fromM, &toM, &r.Reason, &r.ReportedAt, &r.ReportedBy); err != nil {
		return r, err
	}
	r.Date, r.Kind = fromDate(on), ippo.AbsenceKind(kind)
	if fromM != nil {
		t := ippo.TimeOfDay(*fromM)
		r.From = &t
	}
	if toM != nil {
		t := ippo.TimeOfDay(*toM)
		r.Until = &t
	}
	return r, nil
}
