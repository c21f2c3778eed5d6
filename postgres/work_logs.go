package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// WorkLogRecord is a work log as recorded, with its task for display.
type WorkLogRecord struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	ippo.WorkLog
	TaskType   string    `json:"task_type"`
	TaskClient string    `json:"task_client"`
	LoggedAt   time.Time `json:"logged_at"`
	LoggedBy   string    `json:"logged_by"`
	// SettledIn is, for late work, the month whose statement paid it.
	SettledIn *ippo.YearMonth `json:"settled_in,omitempty"`
}

// closeGate is the advisory lock (with the month as second key) that
// orders work logs and the start of a month's close: a log either commits
// before the close reads the month, or finds the month closed.
const closeGate = 7_240_005

func monthKey(m ippo.YearMonth) int32 { return int32(m.Year*100 + int(m.Month)) }

// RecordWorkLog records work done by the worker. Besides
// ippo.ValidateWorkLog (not in the future; the day's total, with the logs
// already there, within the policy's max_daily_hours; a known task) it
// requires a task assigned to the worker and a date within the contract.
// A worker without a contract is an ECONFLICT, and so is a date in a month
// that has been closed (its statements are issued and fixed), unless the log
// is marked late: then it is paid with the worker's next statement. Late is
// only for closed months. A refused log changes nothing.
func (db *DB) RecordWorkLog(ctx context.Context, workerID string, w ippo.WorkLog, today ippo.Date, by string) (WorkLogRecord, error) {
	r, _, err := db.RecordWorkLogOnce(ctx, uuid.NewString(), workerID, w, today, by)
	return r, err
}

// RecordWorkLogOnce is RecordWorkLog under an ID the caller derives from
// its request, for a caller that may repeat itself (a console form sent
// twice). If the worker already has a work log with id, it returns that
// one with existed true and records nothing (nothing is checked again:
// the log was accepted when it was first sent). An id taken by another
// worker's log is ECONFLICT.
func (db *DB) RecordWorkLogOnce(ctx context.Context, id, workerID string, w ippo.WorkLog, today ippo.Date, by string) (r WorkLogRecord, existed bool, err error) {
	w.Quality = strings.TrimSpace(w.Quality)
	if id, ok := canonicalUUID(w.TaskID); ok {
		w.TaskID = id
	}
	r = WorkLogRecord{ID: id, WorkerID: workerID, WorkLog: w, LoggedAt: db.now(), LoggedBy: by}
	versions, err := db.PolicyVersions(ctx)
	if err != nil {
		return r, false, err
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		st, err := lockWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, workLogSelect+` WHERE l.id = $1`, id)
		if err != nil {
			return err
		}
		if prev, err := pgx.CollectRows(rows, scanWorkLog); err != nil {
			return err
		} else if len(prev) == 1 {
			if prev[0].WorkerID != workerID {
				return ippo.Errorf(ippo.ECONFLICT, "work log %s belongs to another worker", id)
			}
			r, existed = prev[0], true
			return nil
		}
		if st.ContractStart.IsZero() {
			return &ippo.Error{Code: ippo.ECONFLICT, Phase: st.Phase,
				Message: fmt.Sprintf("logging work is not possible while the worker is %s: work is logged from the day the contract starts", st.Phase)}
		}
		on := w.Date
		if on.IsZero() {
			on = today
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, closeGate, monthKey(on.YearMonth())); err != nil {
			return err
		}
		var already int
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(minutes), 0) FROM work_logs WHERE worker_id = $1 AND on_date = $2`,
			workerID, date(on)).Scan(&already); err != nil {
			return err
		}
		var known, assigned bool
		if id, ok := canonicalUUID(w.TaskID); ok {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM client_tasks WHERE id = $1),
				EXISTS (SELECT 1 FROM task_assignments WHERE task_id = $1 AND worker_id = $2)`, id, workerID).Scan(&known, &assigned); err != nil {
				return err
			}
		}
		var fields ippo.Fields
		if err := ippo.ValidateWorkLog(w, already, today, ippo.PolicyAt(versions, on).MaxDailyHours, known); err != nil {
			var e *ippo.Error
			if !errors.As(err, &e) {
				return err
			}
			fields = append(fields, e.Fields...)
		}
		switch {
		case w.Date.IsZero():
		case w.Date.Before(st.ContractStart):
			fields.Add("date", "is before the contract started (%s); work is logged from that day on", st.ContractStart)
		case !st.ContractUntil.IsZero() && w.Date.After(st.ContractUntil):
			fields.Add("date", "is after the contract ended (%s)", st.ContractUntil)
		}
		if known && !assigned {
			fields.Add("task_id", "is not assigned to this worker; assign it first (POST /workers/{id}/tasks)")
		}
		if err := fields.Err(); err != nil {
			return err
		}
		var closedAt time.Time
		err = tx.QueryRow(ctx, `SELECT started_at FROM month_closes WHERE month = $1`, date(w.Date.YearMonth().First())).Scan(&closedAt)
		switch {
		case err == nil && !w.Late:
			return &ippo.Error{Code: ippo.ECONFLICT, Phase: st.Phase, Details: map[string]string{"closed_month": w.Date.YearMonth().String()},
				Message: fmt.Sprintf("%s is closed: its statements were issued (close started %s), so work on %s is not in them; "+
					"send the log again with \"late\": true to have it paid with the worker's next statement",
					w.Date.YearMonth(), closedAt.In(ippo.Tokyo).Format("2006-01-02 15:04"), w.Date)}
		case err == pgx.ErrNoRows && w.Late:
			var f ippo.Fields
			f.Add("late", "is only for work on a day of a closed month; %s is open, so log it without \"late\"", w.Date.YearMonth())
			return f.Err()
		case err != nil && err != pgx.ErrNoRows:
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT type, client FROM client_tasks WHERE id = $1`, w.TaskID).Scan(&r.TaskType, &r.TaskClient); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO work_logs (id, worker_id, on_date, minutes, task_id, output, quality, logged_at, logged_by, late)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			r.ID, workerID, date(w.Date), w.Minutes, w.TaskID, w.Output, w.Quality, r.LoggedAt, by, w.Late)
		if err != nil {
			return err
		}
		// Work on a task assigned the old way (no request, no delivery) is
		// history the ranking reads: the worker's sums for the task's type
		// are recomputed with the log (migration 00070).
		_, err = tx.Exec(ctx, `SELECT ippo_refresh_type_history($1, $2)`, workerID, r.TaskType)
		return err
	})
	if err != nil {
		return r, false, fmt.Errorf("log work of %s: %w", workerID, err)
	}
	return r, existed, nil
}

// WorkLogs lists the worker's work logs dated in month (all when nil), by
// day, or ENOTFOUND.
func (db *DB) WorkLogs(ctx context.Context, workerID string, month *ippo.YearMonth) ([]WorkLogRecord, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	from, to := daysOf(month)
	rows, err := db.pool.Query(ctx, workLogSelect+`
		 WHERE l.worker_id = $1 AND l.on_date BETWEEN $2 AND $3
		 ORDER BY l.on_date, l.logged_at, l.id`, workerID, date(from), date(to))
	if err != nil {
		return nil, fmt.Errorf("work logs of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, scanWorkLog)
}

// workLogSelect reads work logs with their task, for scanWorkLog.
const workLogSelect = `
		SELECT l.id::text, l.worker_id::text, l.on_date, l.minutes, l.task_id::text, l.output, l.quality, t.type, t.client,
		       l.logged_at, l.logged_by, l.late, l.settled_month
		  FROM work_logs l JOIN client_tasks t ON t.id = l.task_id`

func scanWorkLog(row pgx.CollectableRow) (WorkLogRecord, error) {
	var (
		r           WorkLogRecord
		on, settled pgtype.Date
	)
	err := row.Scan(&r.ID, &r.WorkerID, &on, &r.Minutes, &r.TaskID, &r.Output, &r.Quality, &r.TaskType, &r.TaskClient, &r.LoggedAt, &r.LoggedBy,
		&r.Late, &settled)
	r.Date = fromDate(on)
	if d := fromDate(settled); !d.IsZero() {
		m := d.YearMonth()
		r.SettledIn = &m
	}
	return r, err
}
