package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Matching (issue 14): the worker's task preference, the data the ranking
// needs (read for every active worker in one round trip of set-based
// queries, never one query per worker), and the steps of a task's own
// workflow.

// ClientTask returns one client task, or ENOTFOUND.
func (db *DB) ClientTask(ctx context.Context, id string) (ippo.ClientTask, error) {
	cid, ok := canonicalUUID(id)
	if !ok {
		return ippo.ClientTask{}, ippo.Errorf(ippo.ENOTFOUND, "no task %s", id)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+catalogColumns+` FROM client_tasks t WHERE t.id = $1`, cid)
	if err != nil {
		return ippo.ClientTask{}, fmt.Errorf("task %s: %w", id, err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanClientTask)
	if err != nil {
		return t, notFound(err, "no task %s", id)
	}
	return t, nil
}

// TaskPreference returns the worker's liked and avoided task types (empty
// lists when never set), or ENOTFOUND for an unknown worker.
func (db *DB) TaskPreference(ctx context.Context, workerID string) (ippo.TaskPreference, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return ippo.TaskPreference{}, err
	}
	p := ippo.TaskPreference{Likes: []string{}, Avoids: []string{}}
	err := db.pool.QueryRow(ctx, `SELECT likes, avoids FROM task_preferences WHERE worker_id = $1`, workerID).Scan(&p.Likes, &p.Avoids)
	if err != nil && err != pgx.ErrNoRows {
		return p, fmt.Errorf("task preference of %s: %w", workerID, err)
	}
	return p, nil
}

// PutTaskPreference replaces the worker's preference after
// ippo.ValidateTaskPreference; it is a record, allowed in any phase.
func (db *DB) PutTaskPreference(ctx context.Context, workerID string, p ippo.TaskPreference, by string) (ippo.TaskPreference, error) {
	p.Normalize()
	if err := ippo.ValidateTaskPreference(p); err != nil {
		return p, err
	}
	if _, err := db.Worker(ctx, workerID); err != nil {
		return p, err
	}
	_, err := db.pool.Exec(ctx, `
		INSERT INTO task_preferences (worker_id, likes, avoids, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (worker_id) DO UPDATE SET likes = $2, avoids = $3, updated_at = $4, updated_by = $5`,
		workerID, p.Likes, p.Avoids, db.now(), by)
	if err != nil {
		return p, fmt.Errorf("put task preference of %s: %w", workerID, err)
	}
	return p, nil
}

// MatchCandidates reads every active worker as the ranking sees them for
// task t: the history of t.Type as summed at each delivery (the same sums
// as ippo.TypeHistory.Add, recency aged to today), the schedule in force on
// t.Start, other-service days, rests notified in the window, the expected
// time of tasks assigned and not delivered, preferences, and requests since
// since. Eight queries in one batch; each is a scan of one index range or
// an aggregate over it, whatever the number of workers.
func (db *DB) MatchCandidates(ctx context.Context, t ippo.MatchTask, today ippo.Date, since time.Time) ([]ippo.Candidate, error) {
	b := &pgx.Batch{}
	var (
		cands []ippo.Candidate
		index = map[string]int{}
	)
	get := func(id string) *ippo.Candidate {
		if i, ok := index[id]; ok {
			return &cands[i]
		}
		return nil
	}
	b.Queue(`SELECT id::text FROM workers WHERE phase = 'active' ORDER BY id`).Query(func(rows pgx.Rows) error {
		var id string
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			index[id] = len(cands)
			cands = append(cands, ippo.Candidate{WorkerID: id})
			return nil
		})
		return err
	})
	b.Queue(`
		SELECT worker_id::text, jobs, recency_weight, last_on, output, output_minutes,
		       estimated_minutes, taken_minutes, quality_sum, quality_n
		  FROM task_type_history WHERE type = $1`, t.Type).Query(func(rows pgx.Rows) error {
		var (
			id     string
			h      ippo.TypeHistory
			weight float64
			last   pgtype.Date
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &h.Jobs, &weight, &last, &h.Output, &h.OutputMinutes,
			&h.EstimatedMinutes, &h.TakenMinutes, &h.QualitySum, &h.QualityN}, func() error {
			if c := get(id); c != nil {
				h.Last, h.Recency = fromDate(last), ippo.RecencyOf(weight, today)
				c.History = h
			}
			return nil
		})
		return err
	})
	b.Queue(`
		SELECT DISTINCT ON (worker_id) worker_id::text, weekday_minutes FROM schedules
		 WHERE superseded_at IS NULL AND effective_from <= $1
		 ORDER BY worker_id DESC, effective_from DESC, id DESC`, date(t.Start)).Query(func(rows pgx.Rows) error {
		var (
			id      string
			minutes []int32
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &minutes}, func() error {
			if c := get(id); c != nil && len(minutes) == 7 {
				for i, m := range minutes {
					c.Weekly[i] = int(m)
				}
			}
			return nil
		})
		return err
	})
	b.Queue(`SELECT DISTINCT ON (worker_id) worker_id::text, services FROM other_services ORDER BY worker_id, id DESC`).Query(func(rows pgx.Rows) error {
		var (
			id  string
			raw []byte
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
			c := get(id)
			if c == nil {
				return nil
			}
			var services []ippo.OtherService
			if err := json.Unmarshal(raw, &services); err != nil {
				return err
			}
			c.OtherServiceDays = ippo.OtherServiceDays(services)
			return nil
		})
		return err
	})
	// Only a whole day's rest frees no time; a late start or early leave
	// is a short change on one day and is left out.
	b.Queue(`SELECT worker_id::text, on_date FROM absences WHERE on_date BETWEEN $1 AND $2 AND kind = 'absent'`,
		date(t.Start), date(t.Due)).Query(func(rows pgx.Rows) error {
		var (
			id string
			on pgtype.Date
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &on}, func() error {
			if c := get(id); c != nil {
				c.AbsentDays = append(c.AbsentDays, fromDate(on))
			}
			return nil
		})
		return err
	})
	b.Queue(`SELECT assignee::text, sum(coalesce(expected_minutes, 0)) FROM client_tasks
		WHERE status = 'assigned' GROUP BY assignee`).Query(func(rows pgx.Rows) error {
		var (
			id string
			m  int
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &m}, func() error {
			if c := get(id); c != nil {
				c.AssignedMinutes = m
			}
			return nil
		})
		return err
	})
	b.Queue(`SELECT worker_id::text, likes, avoids FROM task_preferences`).Query(func(rows pgx.Rows) error {
		var (
			id            string
			likes, avoids []string
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &likes, &avoids}, func() error {
			if c := get(id); c != nil {
				c.Likes, c.Avoids = likes, avoids
			}
			return nil
		})
		return err
	})
	b.Queue(`SELECT worker_id::text, count(*) FROM task_requests WHERE requested_at >= $1 GROUP BY worker_id`, since).Query(func(rows pgx.Rows) error {
		var (
			id string
			n  int
		)
		_, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error {
			if c := get(id); c != nil {
				c.RecentRequests = n
			}
			return nil
		})
		return err
	})
	// One snapshot for all eight reads.
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("match candidates for %s: %w", t.Type, err)
	}
	return cands, nil
}

// RankTask ranks every active worker for the task as of today, under the
// policy in force today (weights, fairness window, weekly cap); the first
// explain carry their reasons.
func (db *DB) RankTask(ctx context.Context, task ippo.ClientTask, today ippo.Date, explain int) ([]ippo.Suggestion, error) {
	p, err := db.PolicyAt(ctx, today)
	if err != nil {
		return nil, err
	}
	w := p.MatchPolicy()
	mt := task.MatchTask(today)
	cands, err := db.MatchCandidates(ctx, mt, today, today.AddDays(-w.FairnessDays).Start())
	if err != nil {
		return nil, err
	}
	return ippo.Rank(mt, cands, w, p.WeeklyCapHours, today, explain), nil
}

// TaskRequest is one request of a task and its answer; times are program
// time.
type TaskRequest struct {
	WorkerID    string     `json:"worker_id"`
	RequestedAt time.Time  `json:"requested_at"`
	RequestedBy string     `json:"requested_by"`
	Answer      string     `json:"answer"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// TaskRequests lists a task's requests, oldest first.
func (db *DB) TaskRequests(ctx context.Context, taskID string) ([]TaskRequest, error) {
	rows, err := db.pool.Query(ctx, `SELECT worker_id::text, requested_at, requested_by, answer, answered_at
		FROM task_requests WHERE task_id = $1 ORDER BY requested_at, worker_id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("requests of task %s: %w", taskID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TaskRequest])
}

// RecordTaskStep writes one step of a task's workflow once (by key): the
// task's timeline, the worker's timeline when the step concerns one, and
// what the step changes (requests, status, assignment, delivery). A retry
// finds the key and changes nothing more.
func (db *DB) RecordTaskStep(ctx context.Context, s ippo.TaskStep) error {
	data, err := json.Marshal(map[string]any{"task_id": s.TaskID})
	if err != nil {
		return err
	}
	var worker, note any
	if s.WorkerID != "" {
		worker = s.WorkerID
	}
	if s.NoteID != "" {
		note = s.NoteID
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO task_events (key, task_id, worker_id, at, kind, actor, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
			s.Key, s.TaskID, worker, s.At, s.Kind, s.Actor, data)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if s.WorkerID != "" {
			if err := insertEvent(ctx, tx, s.Key, s.WorkerID, s.At, s.ProgramAt, s.Kind, s.Actor,
				map[string]any{"task_id": s.TaskID}); err != nil {
				return err
			}
		}
		exec := func(sql string, args ...any) {
			if err == nil {
				_, err = tx.Exec(ctx, sql, args...)
			}
		}
		switch s.Kind {
		case ippo.TaskStepRequested:
			// Requests are dated in program time, as the fairness window is.
			exec(`INSERT INTO task_requests (task_id, worker_id, requested_at, requested_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, s.TaskID, s.WorkerID, s.ProgramAt, s.Actor)
			exec(`UPDATE client_tasks SET status = 'requested' WHERE id = $1 AND status = 'open'`, s.TaskID)
		case ippo.TaskStepDeclined, ippo.TaskStepUnanswered, ippo.TaskStepTaken:
			answer := map[string]string{ippo.TaskStepDeclined: "declined", ippo.TaskStepUnanswered: "unanswered", ippo.TaskStepTaken: "taken"}[s.Kind]
			exec(`UPDATE task_requests SET answer = $3, answered_at = $4, reason_note = $5
				WHERE task_id = $1 AND worker_id = $2`, s.TaskID, s.WorkerID, answer, s.ProgramAt, note)
		case ippo.TaskStepAssigned:
			exec(`UPDATE task_requests SET answer = 'accepted', answered_at = $3 WHERE task_id = $1 AND worker_id = $2`, s.TaskID, s.WorkerID, s.ProgramAt)
			exec(`UPDATE client_tasks SET status = 'assigned', assignee = $2 WHERE id = $1`, s.TaskID, s.WorkerID)
			// The existing assignment record, so the worker's work logs may name the task.
			exec(`INSERT INTO task_assignments (worker_id, task_id, assigned_at, assigned_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, s.WorkerID, s.TaskID, s.At, s.Actor)
		case ippo.TaskStepDelivered:
			// The time taken is what the worker logged on the task. The
			// delivery is added to the worker's sums for its type, which
			// the next ranking reads.
			on := ippo.DateOf(s.ProgramAt)
			exec(`WITH d AS (
				INSERT INTO task_deliveries (task_id, worker_id, type, delivered_on, minutes, estimate_minutes, output, quality, recorded_at, recorded_by)
				SELECT t.id, $2, t.type, $3, coalesce((SELECT sum(minutes) FROM work_logs l WHERE l.task_id = t.id AND l.worker_id = $2), 0),
				       coalesce(t.expected_minutes, 0), $4, $5, $6, $7
				  FROM client_tasks t WHERE t.id = $1 ON CONFLICT DO NOTHING
				RETURNING *)
				INSERT INTO task_type_history AS h (type, worker_id, jobs, recency_weight, last_on, output, output_minutes,
					estimated_minutes, taken_minutes, quality_sum, quality_n)
				SELECT type, worker_id, 1, $8, delivered_on,
				       CASE WHEN output > 0 AND minutes > 0 THEN output ELSE 0 END,
				       CASE WHEN output > 0 AND minutes > 0 THEN minutes ELSE 0 END,
				       CASE WHEN estimate_minutes > 0 AND minutes > 0 THEN estimate_minutes ELSE 0 END,
				       CASE WHEN estimate_minutes > 0 AND minutes > 0 THEN minutes ELSE 0 END,
				       quality, 1
				  FROM d
				ON CONFLICT (type, worker_id) DO UPDATE SET jobs = h.jobs + 1,
				       recency_weight = h.recency_weight + excluded.recency_weight,
				       last_on = greatest(h.last_on, excluded.last_on),
				       output = h.output + excluded.output, output_minutes = h.output_minutes + excluded.output_minutes,
				       estimated_minutes = h.estimated_minutes + excluded.estimated_minutes,
				       taken_minutes = h.taken_minutes + excluded.taken_minutes,
				       quality_sum = h.quality_sum + excluded.quality_sum, quality_n = h.quality_n + excluded.quality_n`,
				s.TaskID, s.WorkerID, date(on), s.Output, s.Quality, s.At, s.Actor, ippo.RecencyWeight(on))
			exec(`UPDATE client_tasks SET status = 'delivered' WHERE id = $1`, s.TaskID)
		case ippo.TaskStepClosed:
			exec(`UPDATE client_tasks SET status = 'closed' WHERE id = $1`, s.TaskID)
		case ippo.TaskStepCancelled:
			exec(`UPDATE task_requests SET answer = 'withdrawn', answered_at = $2 WHERE task_id = $1 AND answer = 'waiting'`, s.TaskID, s.ProgramAt)
			exec(`UPDATE client_tasks SET status = 'cancelled' WHERE id = $1`, s.TaskID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("record task step %s: %w", s.Key, err)
	}
	return nil
}

// TaskTimeline lists a task's steps in order.
func (db *DB) TaskTimeline(ctx context.Context, taskID string) ([]ippo.TimelineEntry, error) {
	if _, err := db.ClientTask(ctx, taskID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT at, kind, actor, coalesce(worker_id::text, '') FROM task_events WHERE task_id = $1 ORDER BY id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("timeline of task %s: %w", taskID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.TimelineEntry, error) {
		var (
			e      ippo.TimelineEntry
			worker string
		)
		err := row.Scan(&e.At, &e.Kind, &e.Actor, &worker)
		e.Source = "task"
		if worker != "" {
			e.Data = map[string]any{"worker_id": worker}
		}
		return e, err
	})
}
