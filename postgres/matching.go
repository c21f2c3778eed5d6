package postgres

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
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
// task t: the history of t.Type (task_type_history, kept with each delivery
// and work log; recency aged to today), the schedule in force on t.Start,
// other-service days, rests notified in the window, the expected time of
// tasks assigned and not delivered, whether t.Type is among the types they
// like or would rather avoid (Likes or Avoids is then just t.Type, the only
// entry the ranking looks at), and requests since since. The candidates
// come in no particular order: the ranking orders them.
//
// One round trip of four statements, each one index range or one scan of
// narrow rows: the active workers' match profiles (migration 00080, kept
// with every write that changes them), the type's history, the rests in
// the window and the recent requests, joined here by worker id. Joining
// them in PostgreSQL cost more than sending them (hash tables of 12,000
// rows, an aggregate per worker), and sending values one by one more than
// decoding bytes, so most values come packed. The four statements see the
// database as it is when each starts: a write between them shows in one
// part a moment before the others, as it would in all of them at the next
// read.
func (db *DB) MatchCandidates(ctx context.Context, t ippo.MatchTask, today ippo.Date, since time.Time) ([]ippo.Candidate, error) {
	b := &pgx.Batch{}
	profiles := b.Queue(matchProfilesSQL, date(t.Start), t.Type)
	history := b.Queue(matchHistorySQL, t.Type)
	rests := b.Queue(matchRestsSQL, date(t.Start), date(t.Due))
	requests := b.Queue(matchRequestsSQL, since)
	var (
		cands = make([]ippo.Candidate, 0, db.matchRows.Load()+64)
		// at finds a worker's candidate by the 16 bytes of the id.
		at    = make(map[[16]byte]int, cap(cands))
		id    [16]byte
		idBuf [36]byte
		// DriverBytes point into the row just read: decoded, not kept.
		packed, week   pgtype.DriverBytes
		others, assign int32
		preference     int32
		on             pgtype.Date
		taskType       = []string{t.Type}
		// Few workers use another service, and most alike: each set of
		// weekdays is built once and shared.
		otherDays [1 << 7][]time.Weekday
	)
	profiles.Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&id, &week, &others, &assign, &preference}, func() error {
			c := ippo.Candidate{WorkerID: formatUUID(&idBuf, id), AssignedMinutes: int(assign)}
			if len(week) == 7*4 {
				for i := range c.Weekly {
					c.Weekly[i] = int(int32(binary.BigEndian.Uint32(week[4*i:])))
				}
			}
			if mask := others & (1<<7 - 1); mask != 0 {
				if otherDays[mask] == nil {
					for d := time.Sunday; d <= time.Saturday; d++ {
						if mask&(1<<d) != 0 {
							otherDays[mask] = append(otherDays[mask], d)
						}
					}
				}
				c.OtherServiceDays = otherDays[mask]
			}
			switch preference {
			case 1:
				c.Likes = taskType
			case -1:
				c.Avoids = taskType
			}
			at[id] = len(cands)
			cands = append(cands, c)
			return nil
		})
		return err
	})
	history.Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&id, &packed}, func() error {
			i, ok := at[id]
			if !ok {
				return nil
			}
			h, err := decodeHistory(packed, today)
			cands[i].History = h
			return err
		})
		return err
	})
	rests.Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&id, &on}, func() error {
			if i, ok := at[id]; ok {
				cands[i].AbsentDays = append(cands[i].AbsentDays, fromDate(on))
			}
			return nil
		})
		return err
	})
	requests.Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			if i, ok := at[id]; ok {
				cands[i].RecentRequests++
			}
			return nil
		})
		return err
	})
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("match candidates for %s: %w", t.Type, err)
	}
	db.matchRows.Store(int64(len(cands)))
	return cands, nil
}

// The four statements of MatchCandidates. The schedule in force on the
// window's first day is the profile's last standing schedule from that day
// or before: width_bucket counts the effective dates on or before it, its
// position in the profile's lists (none: 0, and the slice of the week is
// empty). The preference is 1 when the type is liked, -1 when it is rather
// avoided. Only a whole day's rest frees no time; a late start or early
// leave is a short change on one day and is left out.
const (
	matchProfilesSQL = `SELECT worker_id, substring(week FROM width_bucket($1::date, schedule_from) * 28 - 27 FOR 28),
	       other_days, assigned_minutes, CASE WHEN $2 = ANY (likes) THEN 1 WHEN $2 = ANY (avoids) THEN -1 ELSE 0 END
	  FROM match_profiles WHERE active`
	matchHistorySQL  = `SELECT worker_id, packed FROM task_type_history WHERE type = $1`
	matchRestsSQL    = `SELECT worker_id, on_date FROM absences WHERE on_date BETWEEN $1 AND $2 AND kind = 'absent' ORDER BY on_date`
	matchRequestsSQL = `SELECT worker_id FROM task_requests WHERE requested_at >= $1`
)

// decodeHistory decodes task_type_history.packed (migration 00080) and ages
// the recency sum to today.
func decodeHistory(b []byte, today ippo.Date) (ippo.TypeHistory, error) {
	if len(b) != 40 {
		return ippo.TypeHistory{}, fmt.Errorf("packed type history of %d bytes, want 40", len(b))
	}
	i32 := func(at int) int { return int(int32(binary.BigEndian.Uint32(b[at:]))) }
	return ippo.TypeHistory{
		Jobs:             i32(0),
		Recency:          ippo.RecencyOf(math.Float64frombits(binary.BigEndian.Uint64(b[4:])), today),
		Last:             pgDay(b[12:]),
		Output:           i32(16),
		OutputMinutes:    i32(20),
		EstimatedMinutes: i32(24),
		TakenMinutes:     i32(28),
		QualitySum:       i32(32),
		QualityN:         i32(36),
	}, nil
}

// pgDay decodes a date in PostgreSQL's binary format: 4 bytes, days since
// 2000-01-01.
func pgDay(b []byte) ippo.Date {
	y, m, d := time.Date(2000, 1, 1+int(int32(binary.BigEndian.Uint32(b))), 0, 0, 0, 0, time.UTC).Date()
	return ippo.Date{Year: y, Month: m, Day: d}
}

// formatUUID writes id in its canonical text form.
func formatUUID(buf *[36]byte, id [16]byte) string {
	hex.Encode(buf[0:8], id[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], id[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], id[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], id[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], id[10:])
	return string(buf[:])
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
	return db.inTx(ctx, func(tx pgx.Tx) error { return recordTaskStep(ctx, tx, s) })
}

// RecordTaskEffects writes what one decision of a task's workflow records,
// in one transaction: its steps (as RecordTaskStep), the emails they ask
// for (queued for the dispatcher, once per key) and staff to-dos (once per
// key). A retry, or a replay that runs it again, changes nothing more.
func (db *DB) RecordTaskEffects(ctx context.Context, steps []ippo.TaskStep, emails []StepEmail, todos []ippo.StaffTodo) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		for _, s := range steps {
			if err := recordTaskStep(ctx, tx, s); err != nil {
				return err
			}
		}
		now := db.now()
		if err := db.enqueueForDispatch(ctx, tx, now, emails); err != nil {
			return err
		}
		for _, t := range todos {
			if err := createStaffTodo(ctx, tx, t, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func recordTaskStep(ctx context.Context, tx pgx.Tx, s ippo.TaskStep) error {
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
	err = func() error {
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
			// worker's sums for its type, which the next ranking reads, are
			// recomputed with the delivery (migration 00070).
			on := ippo.DateOf(s.ProgramAt)
			exec(`INSERT INTO task_deliveries (task_id, worker_id, type, delivered_on, minutes, estimate_minutes, output, quality, recorded_at, recorded_by)
				SELECT t.id, $2, t.type, $3, coalesce((SELECT sum(minutes) FROM work_logs l WHERE l.task_id = t.id AND l.worker_id = $2), 0),
				       coalesce(t.expected_minutes, 0), $4, $5, $6, $7
				  FROM client_tasks t WHERE t.id = $1 ON CONFLICT DO NOTHING`,
				s.TaskID, s.WorkerID, date(on), s.Output, s.Quality, s.At, s.Actor)
			exec(`SELECT ippo_refresh_type_history($2, type) FROM client_tasks WHERE id = $1`, s.TaskID, s.WorkerID)
			exec(`UPDATE client_tasks SET status = 'delivered' WHERE id = $1`, s.TaskID)
		case ippo.TaskStepClosed:
			exec(`UPDATE client_tasks SET status = 'closed' WHERE id = $1`, s.TaskID)
		case ippo.TaskStepCancelled:
			exec(`UPDATE task_requests SET answer = 'withdrawn', answered_at = $2 WHERE task_id = $1 AND answer = 'waiting'`, s.TaskID, s.ProgramAt)
			exec(`UPDATE client_tasks SET status = 'cancelled' WHERE id = $1`, s.TaskID)
		}
		return err
	}()
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
