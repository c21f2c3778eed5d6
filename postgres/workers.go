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

// CreateApplicant records an applicant's facts under id. Recording the same
// id twice is an ECONFLICT.
func (db *DB) CreateApplicant(ctx context.Context, id string, a ippo.Applicant) error {
	types := make([]string, len(a.DisabilityTypes))
	for i, t := range a.DisabilityTypes {
		types[i] = string(t)
	}
	_, err := db.pool.Exec(ctx, `
		INSERT INTO workers (id, name, name_kana, email, municipality_code, category,
			recognized_by_doctor, disability_types, withdrawn_since, supporting_body,
			intractable_disease, wants_general_employment, consent_given_on, consent_wording_version,
			applied_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
		id, a.Name, a.NameKana, a.Email, a.MunicipalityCode, string(a.Category),
		a.RecognizedByDoctor, types, date(a.WithdrawnSince), a.SupportingBody,
		a.IntractableDisease, a.WantsGeneralEmployment, date(a.Consent.GivenOn), a.Consent.WordingVersion,
		db.now())
	if violates(err, "workers_open_email") {
		other, _ := db.OpenWorkerByEmail(ctx, a.Email) // to name it; "" if it closed meanwhile
		return ippo.EmailInUse(other)
	}
	if isUniqueViolation(err) {
		return ippo.Errorf(ippo.ECONFLICT, "worker %s already exists", id)
	}
	if err != nil {
		return fmt.Errorf("create applicant: %w", err)
	}
	return nil
}

// DeleteApplicant removes an applicant whose workflow could not be started,
// so a failed intake leaves nothing behind.
func (db *DB) DeleteApplicant(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM workers WHERE id = $1 AND state_seq = 0`, id)
	return err
}

// StepsRecorded reports whether the lifecycle has written at least one step
// of the worker (its application) to the read model.
func (db *DB) StepsRecorded(ctx context.Context, id string) (bool, error) {
	var recorded bool
	err := db.pool.QueryRow(ctx, `SELECT state_seq > 0 FROM workers WHERE id = $1`, id).Scan(&recorded)
	if err != nil {
		return false, fmt.Errorf("steps recorded for %s: %w", id, err)
	}
	return recorded, nil
}

const workerColumns = `w.id, w.name, w.name_kana, w.email, w.municipality_code, w.category,
	w.recognized_by_doctor, w.disability_types, w.withdrawn_since, w.supporting_body,
	w.intractable_disease, w.wants_general_employment, w.consent_given_on, w.consent_wording_version,
	w.applied_at, w.phase, w.status, w.contract_start, w.contract_end, w.extensions, w.ends_on,
	w.next_deadline, w.next_deadline_kind, w.updated_at,
	(SELECT count(*) FROM places q, places me
	  WHERE me.worker_id = w.id AND me.state = 'waiting' AND q.state = 'waiting'
	    AND (q.priority, -q.seq) >= (me.priority, -me.seq))`

func scanWorker(row pgx.Row) (ippo.Worker, error) {
	var (
		w                  ippo.Worker
		a                  = &w.Applicant
		category           string
		types              []string
		withdrawn, consent pgtype.Date
		start, end, endsOn pgtype.Date
		deadline           *time.Time
		position           int64
	)
	err := row.Scan(&w.ID, &a.Name, &a.NameKana, &a.Email, &a.MunicipalityCode, &category,
		&a.RecognizedByDoctor, &types, &withdrawn, &a.SupportingBody,
		&a.IntractableDisease, &a.WantsGeneralEmployment, &consent, &a.Consent.WordingVersion,
		&w.AppliedAt, &w.Phase, &w.Status, &start, &end, &w.Extensions, &endsOn,
		&deadline, &w.NextDeadlineKind, &w.UpdatedAt, &position)
	if err != nil {
		return w, err
	}
	a.Category = ippo.Category(category)
	for _, t := range types {
		a.DisabilityTypes = append(a.DisabilityTypes, ippo.DisabilityType(t))
	}
	a.WithdrawnSince, a.Consent.GivenOn = fromDate(withdrawn), fromDate(consent)
	w.ContractStart, w.ContractEnd, w.EndsOn = fromDate(start), fromDate(end), fromDate(endsOn)
	if deadline != nil {
		w.NextDeadline = *deadline
	}
	w.WaitlistPosition = int(position)
	return w, nil
}

// Worker returns one worker, or ENOTFOUND.
func (db *DB) Worker(ctx context.Context, id string) (ippo.Worker, error) {
	w, err := scanWorker(db.pool.QueryRow(ctx, `SELECT `+workerColumns+` FROM workers w WHERE w.id = $1`, id))
	if err != nil {
		return w, notFound(err, "no worker %s", id)
	}
	return w, nil
}

// WorkerFilter selects workers for a list. Cursor is the last ID of the
// previous page; lists are ordered by applied_at, then id.
type WorkerFilter struct {
	Phase      ippo.Phase
	Query      string // part of the name, kana or email
	EndsBefore ippo.Date
	AfterID    string
	AfterTime  time.Time
	Limit      int
}

// Workers lists workers matching f, oldest application first.
func (db *DB) Workers(ctx context.Context, f WorkerFilter) ([]ippo.Worker, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Phase != "" {
		where = append(where, "w.phase = "+arg(string(f.Phase)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, searchCondition(q, arg))
	}
	if !f.EndsBefore.IsZero() {
		where = append(where, "w.contract_end < "+arg(date(f.EndsBefore)))
	}
	if f.AfterID != "" {
		where = append(where, fmt.Sprintf("(w.applied_at, w.id) > (%s, %s)", arg(f.AfterTime), arg(f.AfterID)))
	}
	sql := `SELECT ` + workerColumns + ` FROM workers w`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	sql += " ORDER BY w.applied_at, w.id LIMIT " + arg(limit)
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	defer rows.Close()
	var out []ippo.Worker
	for rows.Next() {
		w, err := scanWorker(rows)
		if err != nil {
			return nil, fmt.Errorf("list workers: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// RecordStep writes a lifecycle step: the timeline entry once (by key) and
// the read model, unless a later step has already been applied.
func (db *DB) RecordStep(ctx context.Context, s ippo.Step) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return db.recordStep(ctx, tx, s) })
}

// recordStep writes one step to the timeline (once per key) and moves the
// read model forward (never back: a step recorded out of order leaves a
// later one's view in place).
func (db *DB) recordStep(ctx context.Context, tx pgx.Tx, s ippo.Step) error {
	data, err := json.Marshal(s.Data)
	if err != nil {
		return fmt.Errorf("record step %s: %w", s.Key, err)
	}
	if s.Data == nil {
		data = []byte("{}")
	}
	var note any
	if s.NoteID != "" {
		note = s.NoteID
	}
	v := s.View
	if _, err := tx.Exec(ctx, `
		INSERT INTO worker_events (key, worker_id, at, program_at, kind, actor, phase, note_id, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (key) DO NOTHING`,
		s.Key, s.WorkerID, s.At, s.ProgramAt, s.Kind, s.Actor, string(v.Phase), note, data); err != nil {
		return fmt.Errorf("record step %s: %w", s.Key, err)
	}
	_, err = tx.Exec(ctx, `
		UPDATE workers SET phase = $2, status = $3, contract_start = $4, contract_end = $5,
			extensions = $6, ends_on = $7, next_deadline = $8, next_deadline_kind = $9,
			state_seq = $10, updated_at = $11
		WHERE id = $1 AND state_seq < $10`,
		s.WorkerID, string(v.Phase), v.Status, date(v.ContractStart), date(v.ContractEnd),
		v.Extensions, date(v.EndsOn), nullTime(v.NextDeadline), v.NextDeadlineKind, s.Seq, db.now())
	if err != nil {
		return fmt.Errorf("update read model for %s: %w", s.Key, err)
	}
	return nil
}

// CreateNote stores free text about a worker and returns its id.
func (db *DB) CreateNote(ctx context.Context, id, workerID, body, by string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO notes (id, worker_id, body, created_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, id, workerID, body, by)
	if err != nil {
		return fmt.Errorf("create note: %w", err)
	}
	return nil
}

// DeleteNote removes a note no step refers to (its request was refused).
func (db *DB) DeleteNote(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM notes n WHERE id = $1
		AND NOT EXISTS (SELECT 1 FROM worker_events e WHERE e.note_id = n.id)`, id)
	return err
}

// Note returns a note's text ("" if there is none).
func (db *DB) Note(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	var body string
	err := db.pool.QueryRow(ctx, `SELECT body FROM notes WHERE id = $1`, id).Scan(&body)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return body, err
}

// Timeline merges a worker's lifecycle steps, emails (with their current
// status), what SendGrid said about them (email_<event>, at the time Ippo
// heard it; SendGrid's own time, in whole seconds, is data.event_at), and
// the requests that were carried out (audited; refused and forbidden ones
// stay in the audit log only), in time order.
func (db *DB) Timeline(ctx context.Context, workerID string) ([]ippo.TimelineEntry, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `
		SELECT e.at, e.program_at, 'lifecycle', e.kind, coalesce(t.name, e.actor), e.phase,
		       coalesce(n.body, ''), e.data, e.id
		  FROM worker_events e
		  LEFT JOIN notes n ON n.id = e.note_id
		  LEFT JOIN staff_tokens t ON e.actor = 'staff:' || t.id::text
		 WHERE e.worker_id = $1
		UNION ALL
		SELECT created_at, NULL::timestamptz, 'email', template, 'system', '', '',
		       jsonb_build_object('status', status, 'outbox_id', id, 'attempts', attempts), 0
		  FROM outbox WHERE worker_id = $1
		UNION ALL
		SELECT ev.received_at, NULL::timestamptz, 'email', 'email_' || ev.event, 'sendgrid', '', ev.reason,
		       ev.data || jsonb_build_object('outbox_id', o.id, 'template', o.template, 'event', ev.event, 'event_at', ev.at), ev.id
		  FROM email_events ev JOIN outbox o ON o.id = ev.outbox_id WHERE o.worker_id = $1
		UNION ALL
		SELECT at, NULL::timestamptz, 'audit', method || ' ' || route, actor, '', '',
		       jsonb_build_object('status', status, 'outcome', outcome, 'request_id', request_id), id
		  FROM audit_log WHERE worker_id = $1 AND status < 400 -- refused and forbidden requests stay in the audit log
		ORDER BY 1, 9`, workerID)
	if err != nil {
		return nil, fmt.Errorf("timeline %s: %w", workerID, err)
	}
	defer rows.Close()
	var out []ippo.TimelineEntry
	for rows.Next() {
		var (
			e         ippo.TimelineEntry
			programAt *time.Time
			data      []byte
			id        int64
		)
		if err := rows.Scan(&e.At, &programAt, &e.Source, &e.Kind, &e.Actor, &e.Phase, &e.Reason, &data, &id); err != nil {
			return nil, fmt.Errorf("timeline %s: %w", workerID, err)
		}
		if programAt != nil {
			e.ProgramAt = *programAt
		}
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return nil, fmt.Errorf("timeline %s: %w", workerID, err)
		}
		if len(e.Data) == 0 {
			e.Data = nil
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("timeline %s: %w", workerID, err)
	}
	records, err := db.recordEntries(ctx, workerID)
	if err != nil {
		return nil, err
	}
	return mergeTimeline(out, records), nil
}

// OpenWorkerByEmail returns the id of a worker with this email whose
// lifecycle is still open (not closed: a graduate is open until the last
// follow-up), or "".
func (db *DB) OpenWorkerByEmail(ctx context.Context, email string) (string, error) {
	var id string
	err := db.pool.QueryRow(ctx, `
		SELECT id::text FROM workers
		 WHERE lower(email) = lower($1) AND status <> 'closed'
		 LIMIT 1`, email).Scan(&id)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return id, err
}
