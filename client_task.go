package ippo

import (
	"strings"
	"time"
)

// ClientTask is a client company's piece of work (案件) that workers are assigned
// to, such as proofreading for one client. It is not a StaffTodo (a to-do
// for the center's staff).
type ClientTask struct {
	ID string `json:"id"`
	// Type is the kind of work (proofreading, data_entry, …); the history of
	// types, output and time taken guides the next assignment.
	Type   string `json:"type"`
	Client string `json:"client"`
	// Description says what the work is; OutputUnit what a work log's
	// output counts (pages, records, …), empty when not counted.
	Description string    `json:"description"`
	OutputUnit  string    `json:"output_unit,omitempty"`
	CreatedAt   time.Time `json:"created_at"`

	// The terms a request states (issue 14), optional in the catalog:
	// the expected time, and the window from StartsOn to DueOn.
	ExpectedMinutes int  `json:"expected_minutes,omitempty"`
	StartsOn        Date `json:"starts_on,omitzero"`
	DueOn           Date `json:"due_on,omitzero"`
	// Status is where the task's workflow stands; Assignee the worker
	// who accepted it (or staff chose), once assigned.
	Status   TaskStatus `json:"status"`
	Assignee string     `json:"assignee,omitempty"`
}

// TaskStatus is the state of a client task's own workflow (task/<id>).
type TaskStatus string

const (
	TaskOpen      TaskStatus = "open"
	TaskRequested TaskStatus = "requested"
	TaskAssigned  TaskStatus = "assigned"
	TaskDelivered TaskStatus = "delivered"
	TaskClosed    TaskStatus = "closed"
	TaskCancelled TaskStatus = "cancelled"
)

// MatchTask is what the ranking needs of the task; a task without a window
// is matched from today for two weeks.
func (t ClientTask) MatchTask(today Date) MatchTask {
	m := MatchTask{Type: t.Type, ExpectedMinutes: t.ExpectedMinutes, Start: t.StartsOn, Due: t.DueOn}
	if m.Start.IsZero() || m.Start.Before(today) {
		m.Start = today
	}
	if m.Due.IsZero() {
		m.Due = m.Start.AddDays(13)
	}
	return m
}

// TaskStep is one step of a client task's workflow as it records it: an
// entry on the task's timeline (and the worker's, when it concerns one)
// and the change it makes. IDs, numbers and dates only.
type TaskStep struct {
	// Key identifies the step across retries (task/<id>/<kind>/<worker>…).
	Key       string    `json:"key"`
	TaskID    string    `json:"task_id"`
	WorkerID  string    `json:"worker_id,omitempty"`
	At        time.Time `json:"at"`
	ProgramAt time.Time `json:"program_at"`
	Kind      string    `json:"kind"`
	Actor     string    `json:"actor"`
	NoteID    string    `json:"note_id,omitempty"`
	// Output and Quality are a delivery's record.
	Output  int `json:"output,omitempty"`
	Quality int `json:"quality,omitempty"`
}

// Task step kinds, as the timelines show them.
const (
	TaskStepRequested  = "task_requested"
	TaskStepDeclined   = "task_declined"
	TaskStepUnanswered = "task_unanswered"
	TaskStepAssigned   = "task_assigned"
	TaskStepTaken      = "task_taken_by_another"
	TaskStepDelivered  = "task_delivered"
	TaskStepClosed     = "task_closed"
	TaskStepCancelled  = "task_cancelled"
	// TaskStepWithdrawn is on the timeline of each worker still asked
	// when the task was cancelled: they were told it was called off.
	TaskStepWithdrawn = "task_request_withdrawn"
)

// Normalize trims the text fields.
func (t *ClientTask) Normalize() {
	t.Type = strings.TrimSpace(t.Type)
	t.Client = strings.TrimSpace(t.Client)
	t.Description = strings.TrimSpace(t.Description)
	t.OutputUnit = strings.TrimSpace(t.OutputUnit)
}

// ValidateTask checks a catalog entry: type and client are required; the
// lengths are bounded so lists stay readable.
func ValidateClientTask(t ClientTask) error {
	var f Fields
	check := func(field, v string, required bool, maxLen int) {
		if required && v == "" {
			f.Add(field, "is required")
			return
		}
		f.Text(field, v, maxLen, field == "description")
	}
	check("type", t.Type, true, 50)
	check("client", t.Client, true, 200)
	check("description", t.Description, false, MaxNoteLength)
	check("output_unit", t.OutputUnit, false, 20)
	if t.ExpectedMinutes < 0 || t.ExpectedMinutes > 1000*60 {
		f.Add("expected_hours", "must be between 0 and 1000 hours")
	}
	if !t.StartsOn.IsZero() && !t.DueOn.IsZero() && t.DueOn.Before(t.StartsOn) {
		f.Add("due_on", "must not be before starts_on")
	}
	return f.Err()
}

// ClientAssignment is a client task assigned to a worker, with what the worker has
// logged on it so far: the history that guides the next assignment.
type ClientAssignment struct {
	ClientTask
	AssignedAt time.Time `json:"assigned_at"`
	// LoggedMinutes and Output total the worker's work logs on the task.
	LoggedMinutes int `json:"logged_minutes"`
	Output        int `json:"output"`
	Logs          int `json:"logs"`
}
