package ippo

import "time"

// Step is one step of a worker's lifecycle as the workflow records it: an
// entry for the timeline and the read model as it stands after the step.
// It carries IDs, phases, dates and decisions only; free text staff wrote
// is referred to by NoteID.
type Step struct {
	// Key identifies the step across retries (worker/<id>/step/<seq>).
	Key       string         `json:"key"`
	WorkerID  string         `json:"worker_id"`
	Seq       int64          `json:"seq"`
	At        time.Time      `json:"at"`
	ProgramAt time.Time      `json:"program_at"`
	Kind      string         `json:"kind"`
	Actor     string         `json:"actor"`
	NoteID    string         `json:"note_id,omitempty"`
	Data      map[string]any `json:"data,omitempty"`

	View WorkerView `json:"view"`
}

// WorkerView is the part of the read model the workflow owns.
type WorkerView struct {
	Phase            Phase     `json:"phase"`
	Status           string    `json:"status"`
	ContractStart    Date      `json:"contract_start,omitzero"`
	ContractEnd      Date      `json:"contract_end,omitzero"`
	Extensions       int       `json:"extensions"`
	EndsOn           Date      `json:"ends_on,omitzero"`
	NextDeadline     time.Time `json:"next_deadline,omitzero"`
	NextDeadlineKind string    `json:"next_deadline_kind,omitempty"`
}

// TimelineEntry is one line of a worker's timeline: a lifecycle step, an
// email, or an audited request, merged in time order.
type TimelineEntry struct {
	At        time.Time      `json:"at"`
	ProgramAt time.Time      `json:"program_at,omitzero"`
	Source    string         `json:"source"` // lifecycle, email, audit
	Kind      string         `json:"kind"`
	Actor     string         `json:"actor"`
	Phase     Phase          `json:"phase,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// Agency is a partner agency (関係機関) that graduates may be handed over to.
type Agency struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Email       string    `json:"email"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// Actor names who took a step: a staff token's name, "system" for timers,
// "worker" for a signed link.
const (
	ActorSystem = "system"
	ActorWorker = "worker"
)
