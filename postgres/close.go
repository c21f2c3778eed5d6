package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Which workers a month closes: those whose contract covered at least one
// day of it — signed on or before the month's last day (contract_start) and
// not over before its first day (contractUntilSQL). A worker who joined
// mid-month counts from the signing date; one who left mid-month (contract
// end, opt-out, withdrawal) up to their last contract day. Workers who never
// signed are never closed.

// Close statuses.
const (
	CloseRunning = "running"
	CloseDone    = "done"
)

// BeginClose records that a close of month m is running (a rerun counts
// as one more run when it comes from another workflow). From then on the
// month takes no more work logs: it takes the gate's lock, so logs still
// being written commit before it, and later ones find the month closed.
func (db *DB) BeginClose(ctx context.Context, m ippo.YearMonth, workflowID string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, closeGate, monthKey(m)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO month_closes (month, status, runs, workflow_id, started_at) VALUES ($1, 'running', 1, $2, $3)
			ON CONFLICT (month) DO UPDATE SET status = 'running', finished_at = NULL,
				runs = month_closes.runs + CASE WHEN month_closes.workflow_id = EXCLUDED.workflow_id THEN 0 ELSE 1 END,
				workflow_id = EXCLUDED.workflow_id`,
			date(m.First()), workflowID, db.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("begin close of %s: %w", m, err)
	}
	return nil
}

// FinishClose records that every worker of month m has been closed.
func (db *DB) FinishClose(ctx context.Context, m ippo.YearMonth) error {
	_, err := db.pool.Exec(ctx, `UPDATE month_closes SET status = 'done', finished_at = $2 WHERE month = $1`, date(m.First()), db.now())
	if err != nil {
		return fmt.Errorf("finish close of %s: %w", m, err)
	}
	return nil
}

// PendingCloseMonths returns the months up to upTo that still need a
// close, oldest first: every month from the first month ever closed (or
// upTo, on an installation that has closed none) that is not done, at most
// the last limit months. So a close that was missed (a server down over the
// first of the month, or a compressed clock whose interval skipped a short
// month) is caught up by the next one, and a new installation does not
// close the months before it existed.
func (db *DB) PendingCloseMonths(ctx context.Context, upTo ippo.YearMonth, limit int) ([]ippo.YearMonth, error) {
	var first pgtype.Date
	if err := db.pool.QueryRow(ctx, `SELECT min(month) FROM month_closes`).Scan(&first); err != nil {
		return nil, fmt.Errorf("pending closes: %w", err)
	}
	start := upTo
	if d := fromDate(first); !d.IsZero() && d.Before(upTo.First()) {
		start = d.YearMonth()
	}
	if earliest := upTo.AddMonths(1 - limit); limit > 0 && start.First().Before(earliest.First()) {
		start = earliest
	}
	done, err := db.ClosedMonths(ctx, start, upTo)
	if err != nil {
		return nil, fmt.Errorf("pending closes: %w", err)
	}
	isDone := map[ippo.YearMonth]bool{}
	for _, m := range done {
		isDone[m] = true
	}
	var out []ippo.YearMonth
	for m := start; !m.First().After(upTo.First()); m = m.Next() {
		if !isDone[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

// CloseCandidate is a worker a month closes, with what CloseMonth needs.
type CloseCandidate struct {
	WorkerID string
	// ActiveFrom is the contract start; ActiveUntil the last contract day
	// (zero while the contract goes on).
	ActiveFrom  ippo.Date
	ActiveUntil ippo.Date
	Schedules   ippo.Schedules
	// Logs are the worker's work logs dated in the month (late ones
	// excepted: those are paid by a later statement).
	Logs []ippo.WorkLog
	// Late is the late work the statement pays: logged late for an earlier
	// closed month and not paid yet (or paid by this month's statement).
	// The close fills in each day's rate.
	Late []ippo.LateWork
}

// CloseCandidates returns up to limit workers that month m closes, in id
// order after afterID ("" for the first page), with their schedules, the
// month's work logs and their late work: four queries for a whole page. A
// worker whose contract was over before the month is a candidate only
// with late work to pay.
func (db *DB) CloseCandidates(ctx context.Context, m ippo.YearMonth, afterID string, limit int) ([]CloseCandidate, error) {
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := db.pool.Query(ctx, `
		SELECT id::text, contract_start, until FROM (
			SELECT w.id, w.contract_start, `+contractUntilSQL+` AS until
			  FROM workers w
			 WHERE w.contract_start IS NOT NULL AND w.contract_start <= $2 AND w.id > $3
		) c
		 WHERE until IS NULL OR until >= $1
		    OR EXISTS (SELECT 1 FROM work_logs l WHERE l.worker_id = c.id AND l.late AND l.settled_month IS NULL AND l.on_date < $1)
		 ORDER BY id LIMIT $4`, date(m.First()), date(m.Last()), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("close candidates of %s: %w", m, err)
	}
	cands, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CloseCandidate, error) {
		var (
			c            CloseCandidate
			start, until pgtype.Date
		)
		err := row.Scan(&c.WorkerID, &start, &until)
		c.ActiveFrom, c.ActiveUntil = fromDate(start), fromDate(until)
		return c, err
	})
	if err != nil || len(cands) == 0 {
		return cands, err
	}
	ids := make([]string, len(cands))
	index := make(map[string]int, len(cands))
	for i, c := range cands {
		ids[i], index[c.WorkerID] = c.WorkerID, i
	}

	rows, err = db.pool.Query(ctx, `SELECT worker_id::text, effective_from, slots FROM schedules
		WHERE worker_id = ANY($1::uuid[]) AND superseded_at IS NULL AND effective_from <= $2
		ORDER BY worker_id, effective_from, id`, ids, date(m.Last()))
	if err != nil {
		return nil, fmt.Errorf("schedules for the close of %s: %w", m, err)
	}
	var (
		id    string
		from  pgtype.Date
		slots []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &from, &slots}, func() error {
		s := ippo.Schedule{EffectiveFrom: fromDate(from)}
		if err := json.Unmarshal(slots, &s.Slots); err != nil {
			return fmt.Errorf("schedule of %s from %s: %w", id, s.EffectiveFrom, err)
		}
		c := &cands[index[id]]
		c.Schedules = append(c.Schedules, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schedules for the close of %s: %w", m, err)
	}

	rows, err = db.pool.Query(ctx, `SELECT worker_id::text, on_date, minutes, task_id::text FROM work_logs
		WHERE worker_id = ANY($1::uuid[]) AND on_date BETWEEN $2 AND $3 AND NOT late ORDER BY worker_id, on_date, id`,
		ids, date(m.First()), date(m.Last()))
	if err != nil {
		return nil, fmt.Errorf("work logs for the close of %s: %w", m, err)
	}
	var (
		on      pgtype.Date
		minutes int
		task    string
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &on, &minutes, &task}, func() error {
		c := &cands[index[id]]
		c.Logs = append(c.Logs, ippo.WorkLog{Date: fromDate(on), Minutes: minutes, TaskID: task})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("work logs for the close of %s: %w", m, err)
	}

	rows, err = db.pool.Query(ctx, `SELECT worker_id::text, id::text, on_date, minutes FROM work_logs
		WHERE worker_id = ANY($1::uuid[]) AND late AND ((settled_month IS NULL AND on_date < $2) OR settled_month = $2)
		ORDER BY worker_id, on_date, id`, ids, date(m.First()))
	if err != nil {
		return nil, fmt.Errorf("late work for the close of %s: %w", m, err)
	}
	var logID string
	_, err = pgx.ForEachRow(rows, []any{&id, &logID, &on, &minutes}, func() error {
		c := &cands[index[id]]
		c.Late = append(c.Late, ippo.LateWork{LogID: logID, Date: fromDate(on), Minutes: minutes})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("late work for the close of %s: %w", m, err)
	}
	return cands, nil
}

// InsertStatements writes statements that do not exist yet; one that does
// is kept as it was (a rerun of the close changes nothing). A new
// statement marks the late work it pays as settled in its month, in the
// same statement, so late work is paid once: by the statement that was
// written, never by one that was kept. It returns how many were new.
func (db *DB) InsertStatements(ctx context.Context, ss []ippo.Statement) (int, error) {
	if len(ss) == 0 {
		return 0, nil
	}
	b := &pgx.Batch{}
	now := db.now()
	for _, s := range ss {
		lines, err := json.Marshal(nonNil(s.Lines))
		if err != nil {
			return 0, err
		}
		late, err := json.Marshal(nonNil(s.LateLines))
		if err != nil {
			return 0, err
		}
		logIDs := make([]string, len(s.LateLines))
		for i, l := range s.LateLines {
			logIDs[i] = l.LogID
		}
		b.Queue(`WITH written AS (
				INSERT INTO statements (month, worker_id, active_from, active_until, theoretical_minutes, actual_minutes,
					utilization_permille, target_percent, below_target, review_suggested, lines, total_minutes, total_yen, closed_at,
					late_lines, late_minutes, late_yen)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
				ON CONFLICT (month, worker_id) DO NOTHING RETURNING worker_id
			), settled AS (
				UPDATE work_logs SET settled_month = $1
				 WHERE id = ANY($18::uuid[]) AND settled_month IS NULL AND EXISTS (SELECT 1 FROM written)
			)
			SELECT count(*) FROM written`,
			date(s.Month.First()), s.WorkerID, date(s.ActiveFrom), date(s.ActiveUntil), s.TheoreticalMinutes, s.ActualMinutes,
			s.UtilizationPermille, s.TargetPercent, s.BelowTarget, s.ReviewSuggested, lines, s.TotalMinutes, s.TotalYen, now,
			late, s.LateMinutes, s.LateYen, logIDs)
	}
	created := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		br := tx.SendBatch(ctx, b)
		for range ss {
			var n int
			if err := br.QueryRow().Scan(&n); err != nil {
				br.Close()
				return err
			}
			created += n
		}
		return br.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("insert statements: %w", err)
	}
	return created, nil
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

const statementColumns = `s.month, s.worker_id::text, w.name, s.active_from, s.active_until, s.theoretical_minutes,
	s.actual_minutes, s.utilization_permille, s.target_percent, s.below_target, s.review_suggested, s.lines,
	s.total_minutes, s.total_yen, s.closed_at, s.late_lines, s.late_minutes, s.late_yen`

func scanStatement(row pgx.CollectableRow) (ippo.Statement, error) {
	var (
		s                  ippo.Statement
		month, from, until pgtype.Date
		lines, late        []byte
	)
	err := row.Scan(&month, &s.WorkerID, &s.WorkerName, &from, &until, &s.TheoreticalMinutes, &s.ActualMinutes,
		&s.UtilizationPermille, &s.TargetPercent, &s.BelowTarget, &s.ReviewSuggested, &lines,
		&s.TotalMinutes, &s.TotalYen, &s.ClosedAt, &late, &s.LateMinutes, &s.LateYen)
	if err != nil {
		return s, err
	}
	s.Month, s.ActiveFrom, s.ActiveUntil = fromDate(month).YearMonth(), fromDate(from), fromDate(until)
	if err := json.Unmarshal(lines, &s.Lines); err != nil {
		return s, fmt.Errorf("statement lines of %s %s: %w", s.WorkerID, s.Month, err)
	}
	if err := json.Unmarshal(late, &s.LateLines); err != nil {
		return s, fmt.Errorf("statement late lines of %s %s: %w", s.WorkerID, s.Month, err)
	}
	s.PayableYen = s.TotalYen + s.LateYen
	return s, nil
}

// StatementFilter selects statements.
type StatementFilter struct {
	Month     *ippo.YearMonth
	WorkerID  string
	WorkerIDs []string
	// AfterWorkerID pages a month's statements in worker id order.
	AfterWorkerID string
	// Limit is at most 500 (default 50); All lifts it for exports.
	Limit int
	All   bool
}

// Statements lists statements with the worker's name (for staff), by
// month then worker id; a worker's own list is newest month first.
func (db *DB) Statements(ctx context.Context, f StatementFilter) ([]ippo.Statement, error) {
	var (
		where = []string{"true"}
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	order := "s.month, s.worker_id"
	if f.Month != nil {
		where = append(where, "s.month = "+arg(date(f.Month.First())))
	}
	if f.WorkerID != "" {
		where = append(where, "s.worker_id = "+arg(f.WorkerID))
		order = "s.month DESC"
	}
	if f.WorkerIDs != nil {
		where = append(where, "s.worker_id = ANY("+arg(f.WorkerIDs)+"::uuid[])")
	}
	if f.AfterWorkerID != "" {
		where = append(where, "s.worker_id > "+arg(f.AfterWorkerID))
	}
	sql := `SELECT ` + statementColumns + ` FROM statements s JOIN workers w ON w.id = s.worker_id WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY ` + order
	if !f.All {
		limit := f.Limit
		if limit <= 0 || limit > 500 {
			limit = 50
		}
		sql += " LIMIT " + arg(limit)
	}
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list statements: %w", err)
	}
	return pgx.CollectRows(rows, scanStatement)
}

// EachStatement calls fn with each statement of month m in worker id order,
// reading them as it goes (for a CSV export of thousands of workers).
func (db *DB) EachStatement(ctx context.Context, m ippo.YearMonth, fn func(ippo.Statement) error) error {
	rows, err := db.pool.Query(ctx, `SELECT `+statementColumns+` FROM statements s JOIN workers w ON w.id = s.worker_id
		WHERE s.month = $1 ORDER BY s.worker_id`, date(m.First()))
	if err != nil {
		return fmt.Errorf("export statements of %s: %w", m, err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanStatement(rows)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Statement returns the worker's statement for month m, or ENOTFOUND.
func (db *DB) Statement(ctx context.Context, workerID string, m ippo.YearMonth) (ippo.Statement, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+statementColumns+` FROM statements s JOIN workers w ON w.id = s.worker_id
		WHERE s.worker_id = $1 AND s.month = $2`, workerID, date(m.First()))
	if err != nil {
		return ippo.Statement{}, err
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanStatement)
	return s, notFound(err, "no statement of %s for worker %s", m, workerID)
}

// MonthClose is a month's close as staff follow it: its status and what it
// has produced so far.
type MonthClose struct {
	Month      ippo.YearMonth `json:"month"`
	Status     string         `json:"status"`
	Runs       int            `json:"runs"`
	WorkflowID string         `json:"workflow_id"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	// Statements counts the workers closed so far; the sums are theirs.
	Statements     int `json:"statements"`
	TotalMinutes   int `json:"total_minutes"`
	TotalYen       int `json:"total_yen"`
	BelowTarget    int `json:"below_target"`
	ReviewsSuggest int `json:"review_suggestions"`
	// Emails counts the statement emails by outbox status.
	Emails map[string]int `json:"emails"`
}

// MonthCloses lists closes, newest month first (month set: that one only).
func (db *DB) MonthCloses(ctx context.Context, month *ippo.YearMonth, limit int) ([]MonthClose, error) {
	if limit <= 0 || limit > 120 {
		limit = 24
	}
	var only any
	if month != nil {
		only = date(month.First())
	}
	rows, err := db.pool.Query(ctx, `
		SELECT c.month, c.status, c.runs, c.workflow_id, c.started_at, c.finished_at,
		       count(s.worker_id), coalesce(sum(s.total_minutes), 0), coalesce(sum(s.total_yen), 0),
		       count(*) FILTER (WHERE s.below_target), count(*) FILTER (WHERE s.review_suggested),
		       coalesce((SELECT jsonb_object_agg(status, n) FROM (
		           SELECT o.status, count(*) AS n FROM statements s2
		             JOIN outbox o ON o.key = 'close/' || to_char(c.month, 'YYYY-MM') || '/' || s2.worker_id || '/statement'
		            WHERE s2.month = c.month GROUP BY o.status) e), '{}')
		  FROM month_closes c LEFT JOIN statements s ON s.month = c.month
		 WHERE $1::date IS NULL OR c.month = $1
		 GROUP BY c.month ORDER BY c.month DESC LIMIT $2`, only, limit)
	if err != nil {
		return nil, fmt.Errorf("list closes: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (MonthClose, error) {
		var (
			c      MonthClose
			m      pgtype.Date
			emails []byte
		)
		err := row.Scan(&m, &c.Status, &c.Runs, &c.WorkflowID, &c.StartedAt, &c.FinishedAt, &c.Statements,
			&c.TotalMinutes, &c.TotalYen, &c.BelowTarget, &c.ReviewsSuggest, &emails)
		if err != nil {
			return c, err
		}
		c.Month = fromDate(m).YearMonth()
		return c, json.Unmarshal(emails, &c.Emails)
	})
}

// StatementEmailKey is the outbox key of the worker's statement email for
// month m; ReviewEmailKey and BelowTargetTaskKey key the suggestion and the
// staff to-do. Keyed on the month and the worker, a rerun of the close
// finds them and sends nothing twice.
func StatementEmailKey(m ippo.YearMonth, workerID string) string {
	return "close/" + m.String() + "/" + workerID + "/statement"
}

func ReviewEmailKey(m ippo.YearMonth, workerID string) string {
	return "close/" + m.String() + "/" + workerID + "/schedule_review"
}

func BelowTargetTaskKey(m ippo.YearMonth, workerID string) string {
	return "close/" + m.String() + "/" + workerID + "/below_target"
}
