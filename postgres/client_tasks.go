package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// The clients' tasks (案件) live in client_tasks, a catalog staff assign
// workers from. They are not the staff's to-dos (CreateStaffTodo, StaffTodos and
// the staff_tasks table) nor Temporal tasks.

const catalogColumns = `t.id::text, t.type, t.client, t.description, t.output_unit, t.created_at`

func scanClientTask(row pgx.CollectableRow) (ippo.ClientTask, error) {
	var t ippo.ClientTask
	err := row.Scan(&t.ID, &t.Type, &t.Client, &t.Description, &t.OutputUnit, &t.CreatedAt)
	return t, err
}

// CreateClientTask adds a client's task to the catalog after
// ippo.ValidateTask, and returns it with its id.
func (db *DB) CreateClientTask(ctx context.Context, t ippo.ClientTask, by string) (ippo.ClientTask, error) {
	t.Normalize()
	if err := ippo.ValidateClientTask(t); err != nil {
		return t, err
	}
	t.ID, t.CreatedAt = uuid.NewString(), db.now()
	_, err := db.pool.Exec(ctx, `INSERT INTO client_tasks (id, type, client, description, output_unit, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, t.Type, t.Client, t.Description, t.OutputUnit, t.CreatedAt, by)
	if err != nil {
		return t, fmt.Errorf("create catalog task: %w", err)
	}
	return t, nil
}

// ClientTasks lists the catalog, oldest first.
func (db *DB) ClientTasks(ctx context.Context) ([]ippo.ClientTask, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+catalogColumns+` FROM client_tasks t ORDER BY t.created_at, t.id`)
	if err != nil {
		return nil, fmt.Errorf("list catalog tasks: %w", err)
	}
	return pgx.CollectRows(rows, scanClientTask)
}

// AssignClientTask assigns a catalog task to the worker (onboarding or active).
// Assigning it again changes nothing; created reports whether this call
// made the assignment. An unknown task is an EINVALID on task_id.
func (db *DB) AssignClientTask(ctx context.Context, workerID, taskID, by string) (a ippo.ClientAssignment, created bool, err error) {
	if id, ok := canonicalUUID(taskID); ok {
		taskID = id
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		st, err := lockWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if err := requirePhase(st, "assigning a task"); err != nil {
			return err
		}
		if exists, err := catalogTaskExists(ctx, tx, taskID); err != nil {
			return err
		} else if !exists {
			return ippo.Invalid([]ippo.FieldError{{Field: "task_id", Message: fmt.Sprintf("%q is not a task in the catalog (GET /tasks)", taskID)}})
		}
		tag, err := tx.Exec(ctx, `INSERT INTO task_assignments (worker_id, task_id, assigned_at, assigned_by)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, workerID, taskID, db.now(), by)
		created = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return a, false, fmt.Errorf("assign task %s to %s: %w", taskID, workerID, err)
	}
	tasks, err := db.WorkerClientTasks(ctx, workerID)
	if err != nil {
		return a, created, err
	}
	for _, t := range tasks {
		if t.ID == taskID {
			return t, created, nil
		}
	}
	return a, created, fmt.Errorf("assign task %s to %s: the assignment is missing", taskID, workerID)
}

func catalogTaskExists(ctx context.Context, tx pgx.Tx, taskID string) (bool, error) {
	id, valid := canonicalUUID(taskID)
	if !valid {
		return false, nil
	}
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM client_tasks WHERE id = $1)`, id).Scan(&ok)
	return ok, err
}

// WorkerTasks lists the tasks assigned to the worker with the time and
// output logged on each, oldest assignment first, or ENOTFOUND.
func (db *DB) WorkerClientTasks(ctx context.Context, workerID string) ([]ippo.ClientAssignment, error) {
	if _, err := db.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `
		SELECT `+catalogColumns+`, a.assigned_at,
		       coalesce(sum(l.minutes), 0), coalesce(sum(l.output), 0), count(l.id)
		  FROM task_assignments a
		  JOIN client_tasks t ON t.id = a.task_id
		  LEFT JOIN work_logs l ON l.worker_id = a.worker_id AND l.task_id = a.task_id
		 WHERE a.worker_id = $1
		 GROUP BY t.id, a.assigned_at
		 ORDER BY a.assigned_at, t.id`, workerID)
	if err != nil {
		return nil, fmt.Errorf("tasks of %s: %w", workerID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.ClientAssignment, error) {
		var a ippo.ClientAssignment
		err := row.Scan(&a.ID, &a.Type, &a.Client, &a.Description, &a.OutputUnit, &a.CreatedAt,
			&a.AssignedAt, &a.LoggedMinutes, &a.Output, &a.Logs)
		return a, err
	})
}

// canonicalUUID returns s in the form PostgreSQL reads, or false if s is
// not a UUID (so a lookup by it finds nothing instead of failing the cast).
func canonicalUUID(s string) (string, bool) {
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
