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
}

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
