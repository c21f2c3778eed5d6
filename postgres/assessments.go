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

// CreateAssessment stores an assessment, comments included, before the
// lifecycle is asked to record it; it is listed once accepted.
func (db *DB) CreateAssessment(ctx context.Context, r ippo.AssessmentRecord) error {
	comments, err := json.Marshal(r.Comments)
	if err != nil {
		return err
	}
	s := r.Scores
	_, err = db.pool.Exec(ctx, `
		INSERT INTO assessments (id, worker_id, assessor, assessed_on, stability, execution, habits, interpersonal,
			comments, comment, recorded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.ID, r.WorkerID, string(r.By), date(r.On), s.Stability, s.Execution, s.Habits, s.Interpersonal,
		comments, r.Comment, r.RecordedBy, db.now())
	if isForeignKeyViolation(err) {
		return ippo.Errorf(ippo.ENOTFOUND, "no worker %s", r.WorkerID)
	}
	if err != nil {
		return fmt.Errorf("create assessment: %w", err)
	}
	return nil
}

// AcceptAssessment marks an assessment as recorded by the worker's
// lifecycle. Accepting twice changes nothing; an unknown id is ENOTFOUND.
func (db *DB) AcceptAssessment(ctx context.Context, workerID, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE assessments SET accepted_at = coalesce(accepted_at, $3)
		WHERE id = $1 AND worker_id = $2`, id, workerID, db.now())
	if err != nil {
		return fmt.Errorf("accept assessment %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ippo.Errorf(ippo.ENOTFOUND, "no assessment %s for worker %s", id, workerID)
	}
	return nil
}

// DeleteUnacceptedAssessment removes an assessment the lifecycle refused.
func (db *DB) DeleteUnacceptedAssessment(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM assessments WHERE id = $1 AND accepted_at IS NULL`, id)
	return err
}

// Assessments lists a worker's accepted assessments, oldest first (by
// date, then as recorded). An unknown worker is ENOTFOUND.
func (db *DB) Assessments(ctx context.Context, workerID string) ([]ippo.AssessmentRecord, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `
		SELECT a.id::text, a.worker_id::text, a.assessor, a.assessed_on, a.stability, a.execution, a.habits,
		       a.interpersonal, a.comments, a.comment, coalesce(t.name, a.recorded_by), a.created_at
		  FROM assessments a
		  LEFT JOIN staff_tokens t ON a.recorded_by = 'staff:' || t.id::text
		 WHERE a.worker_id = $1 AND a.accepted_at IS NOT NULL
		 ORDER BY a.assessed_on, a.created_at, a.id`, workerID)
	if err != nil {
		return nil, fmt.Errorf("assessments of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.AssessmentRecord, error) {
		var (
			r              ippo.AssessmentRecord
			by             string
			on             pgtype.Date
			st, ex, hb, ip int16
			comments       []byte
			recordedBy     string
			createdAt      time.Time
		)
		if err := row.Scan(&r.ID, &r.WorkerID, &by, &on, &st, &ex, &hb, &ip, &comments, &r.Comment, &recordedBy, &createdAt); err != nil {
			return r, err
		}
		r.By, r.On = ippo.Assessor(by), fromDate(on)
		r.Scores = ippo.PerDimension[int]{Stability: int(st), Execution: int(ex), Habits: int(hb), Interpersonal: int(ip)}
		if err := json.Unmarshal(comments, &r.Comments); err != nil {
			return r, fmt.Errorf("comments of assessment %s: %w", r.ID, err)
		}
		r.Average, r.RecordedBy, r.CreatedAt = r.Assessment.Average(), recordedBy, createdAt
		return r, nil
	})
}

// TokenDisplayName returns the person who holds the staff token an actor
// reference ("staff:<id>") names, or "" for another actor, an unknown token
// or a token that is not a person's.
func (db *DB) TokenDisplayName(ctx context.Context, actor string) (string, error) {
	id, ok := cutStaff(actor)
	if !ok {
		return "", nil
	}
	var name string
	err := db.pool.QueryRow(ctx, `SELECT display_name FROM staff_tokens WHERE id = $1`, id).Scan(&name)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return name, err
}

func cutStaff(actor string) (string, bool) {
	const prefix = "staff:"
	if len(actor) != len(prefix)+36 || actor[:len(prefix)] != prefix {
		return "", false
	}
	return actor[len(prefix):], true
}

// insertEvent adds an entry to a worker's timeline that is not a step of
// the lifecycle workflow (a consent recorded through the API, a provision
// record deleted), once per key. It never touches the read model.
func insertEvent(ctx context.Context, tx pgx.Tx, key, workerID string, at, programAt time.Time, kind, actor string, data map[string]any) error {
	js, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO worker_events (key, worker_id, at, program_at, kind, actor, phase, data)
		SELECT $1, w.id, $3, $4, $5, $6, w.phase, $7 FROM workers w WHERE w.id = $2
		ON CONFLICT (key) DO NOTHING`, key, workerID, at, programAt, kind, actor, js)
	if err != nil {
		return fmt.Errorf("timeline event %s: %w", key, err)
	}
	return nil
}
