package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Schedules, other services, absences, tasks and work logs are records, not
// lifecycle steps: they are written here, not through the workflow, after
// checking the worker's phase in the read model. Each write locks the
// worker's row first, so two requests for one worker are checked one after
// the other and a refused request changes nothing.

// workerState is what the record checks need from the read model.
type workerState struct {
	Phase         ippo.Phase
	ContractStart ippo.Date
	// ContractUntil is the last contract day, zero while it goes on.
	ContractUntil ippo.Date
}

// contractUntilSQL is the last day of worker w's contract, NULL while it
// goes on: the end named by a notice or opt-out (ends_on), or, once the
// worker has left the active phase another way (withdrawn, graduated), the
// program date they entered that phase, whichever comes first. The day a
// worker withdraws still counts as a contract day.
const contractUntilSQL = `LEAST(w.ends_on, CASE WHEN w.phase IN ('screening', 'onboarding', 'active') THEN NULL ELSE
	(SELECT min((e.program_at AT TIME ZONE 'Asia/Tokyo')::date) FROM worker_events e
	  WHERE e.worker_id = w.id AND e.phase = w.phase) END)`

// lockWorker locks the worker's row for the rest of tx and returns its
// state, or ENOTFOUND.
func lockWorker(ctx context.Context, tx pgx.Tx, workerID string) (workerState, error) {
	var (
		st           workerState
		start, until pgtype.Date
	)
	err := tx.QueryRow(ctx, `SELECT w.phase, w.contract_start, `+contractUntilSQL+`
		FROM workers w WHERE w.id = $1 FOR NO KEY UPDATE OF w`, workerID).Scan(&st.Phase, &start, &until)
	if err != nil {
		return st, notFound(err, "no worker %s", workerID)
	}
	st.ContractStart, st.ContractUntil = fromDate(start), fromDate(until)
	return st, nil
}

// recordPhases are the phases in which a worker's schedule, other
// services, absences and tasks may be recorded.
var recordPhases = []ippo.Phase{ippo.PhaseOnboarding, ippo.PhaseActive}

// requirePhase refuses step (a phrase such as "declaring a schedule") with
// ECONFLICT unless the worker is onboarding or active.
func requirePhase(st workerState, step string) error {
	if slices.Contains(recordPhases, st.Phase) {
		return nil
	}
	e := ippo.WrongPhase(step, st.Phase)
	e.Message += "; it is possible while the worker is onboarding or active"
	return e
}

// ScheduleVersion is one declared schedule as stored.
type ScheduleVersion struct {
	ID int64 `json:"id"`
	ippo.Schedule
	DeclaredAt time.Time `json:"declared_at"`
	DeclaredBy string    `json:"declared_by"`
}

// DeclareSchedule records the worker's weekly schedule from s.EffectiveFrom
// after checking it (ippo.ValidateSchedule: the weekly cap in force on that
// date, overlaps, the worker's other-service days, not in the past). It
// supersedes the versions that would start on or after that date; versions
// already in force stay, so the past is unchanged. Allowed while the worker
// is onboarding or active.
func (db *DB) DeclareSchedule(ctx context.Context, workerID string, s ippo.Schedule, today ippo.Date, by string) (ScheduleVersion, error) {
	v := ScheduleVersion{Schedule: s, DeclaredAt: db.now(), DeclaredBy: by}
	versions, err := db.PolicyVersions(ctx)
	if err != nil {
		return v, err
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		st, err := lockWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if err := requirePhase(st, "declaring a schedule"); err != nil {
			return err
		}
		services, err := otherServices(ctx, tx, workerID)
		if err != nil {
			return err
		}
		p := ippo.PolicyAt(versions, s.EffectiveFrom)
		if err := ippo.ValidateSchedule(s, ippo.OtherServiceDays(services), p.WeeklyCapHours, today); err != nil {
			return err
		}
		slots, err := json.Marshal(s.Slots)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE schedules SET superseded_at = $3
			WHERE worker_id = $1 AND superseded_at IS NULL AND effective_from >= $2`,
			workerID, date(s.EffectiveFrom), v.DeclaredAt); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO schedules (worker_id, effective_from, slots, weekly_minutes, declared_at, declared_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			workerID, date(s.EffectiveFrom), slots, s.WeeklyMinutes(), v.DeclaredAt, by).Scan(&v.ID)
	})
	if err != nil {
		return v, fmt.Errorf("declare schedule of %s: %w", workerID, err)
	}
	return v, nil
}

// Schedules returns the worker's schedule versions that are or will be in
// force (superseded declarations left out), oldest first, or ENOTFOUND.
func (db *DB) Schedules(ctx context.Context, workerID string) ([]ScheduleVersion, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT id, effective_from, slots, declared_at, declared_by
		FROM schedules WHERE worker_id = $1 AND superseded_at IS NULL ORDER BY effective_from, id`, workerID)
	if err != nil {
		return nil, fmt.Errorf("schedules of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ScheduleVersion, error) {
		var (
			v     ScheduleVersion
			from  pgtype.Date
			slots []byte
		)
		if err := row.Scan(&v.ID, &from, &slots, &v.DeclaredAt, &v.DeclaredBy); err != nil {
			return v, err
		}
		v.EffectiveFrom = fromDate(from)
		return v, json.Unmarshal(slots, &v.Slots)
	})
}

// latestSchedule is the worker's latest declaration still standing (the
// one with the latest effective date), or nil.
func latestSchedule(ctx context.Context, tx pgx.Tx, workerID string) (*ippo.Schedule, error) {
	var (
		s     ippo.Schedule
		from  pgtype.Date
		slots []byte
	)
	err := tx.QueryRow(ctx, `SELECT effective_from, slots FROM schedules
		WHERE worker_id = $1 AND superseded_at IS NULL ORDER BY effective_from DESC, id DESC LIMIT 1`, workerID).Scan(&from, &slots)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.EffectiveFrom = fromDate(from)
	return &s, json.Unmarshal(slots, &s.Slots)
}

// PutOtherServices records the other services the worker uses and on which
// weekdays (an empty list: none), after ippo.ValidateOtherServices against
// the worker's latest declared schedule. Allowed while the worker is
// onboarding or active.
func (db *DB) PutOtherServices(ctx context.Context, workerID string, services []ippo.OtherService, by string) error {
	services = normalizeServices(services)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		st, err := lockWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if err := requirePhase(st, "recording other services"); err != nil {
			return err
		}
		latest, err := latestSchedule(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if err := ippo.ValidateOtherServices(services, latest); err != nil {
			return err
		}
		b, err := json.Marshal(services)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO other_services (worker_id, services, declared_at, declared_by) VALUES ($1, $2, $3, $4)`,
			workerID, b, db.now(), by)
		return err
	})
	if err != nil {
		return fmt.Errorf("record other services of %s: %w", workerID, err)
	}
	return nil
}

// normalizeServices keeps the order of the services and sorts each one's
// weekdays, so the record reads the same however they were sent.
func normalizeServices(services []ippo.OtherService) []ippo.OtherService {
	out := make([]ippo.OtherService, len(services))
	for i, s := range services {
		out[i] = ippo.OtherService{Kind: s.Kind, Weekdays: slices.Sorted(slices.Values(s.Weekdays))}
	}
	return out
}

// OtherServices returns the other services the worker uses (empty when none
// are recorded), or ENOTFOUND.
func (db *DB) OtherServices(ctx context.Context, workerID string) ([]ippo.OtherService, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	var out []ippo.OtherService
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = otherServices(ctx, tx, workerID)
		return err
	})
	return out, err
}

func otherServices(ctx context.Context, tx pgx.Tx, workerID string) ([]ippo.OtherService, error) {
	var raw []byte
	err := tx.QueryRow(ctx, `SELECT services FROM other_services WHERE worker_id = $1 ORDER BY id DESC LIMIT 1`, workerID).Scan(&raw)
	if err == pgx.ErrNoRows {
		return []ippo.OtherService{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("other services of %s: %w", workerID, err)
	}
	out := []ippo.OtherService{}
	return out, json.Unmarshal(raw, &out)
}
