package ippo

import "time"

// Email statuses in the outbox. An email is written (queued) before it is
// sent; its status then follows what SendGrid says.
const (
	EmailQueued    = "queued"    // written, not yet sent (or a retryable failure; will retry)
	EmailSending   = "sending"   // handed to SendGrid; the answer is not yet recorded
	EmailSent      = "sent"      // accepted by SendGrid (message id recorded)
	EmailHeld      = "held"      // no SendGrid key: kept in the outbox for staff to read
	EmailFailed    = "failed"    // refused for good (a 4xx other than 429); staff have a task
	EmailUnknown   = "unknown"   // a send was interrupted: it may or may not have gone; staff have a task
	EmailDelivered = "delivered" // the recipient's server accepted it (Event Webhook)
	EmailBounced   = "bounced"   // bounced or dropped (Event Webhook); staff have a task
)

// OutboxEmail is one email in the outbox.
type OutboxEmail struct {
	ID                string    `json:"id"`
	Key               string    `json:"key"`
	Template          string    `json:"template"`
	WorkerID          string    `json:"worker_id,omitempty"`
	AgencyID          string    `json:"agency_id,omitempty"`
	Recipient         string    `json:"recipient"`
	Subject           string    `json:"subject"`
	Text              string    `json:"text"`
	HTML              string    `json:"html"`
	Status            string    `json:"status"`
	ProviderMessageID string    `json:"provider_message_id,omitempty"`
	Attempts          int       `json:"attempts"`
	LastError         string    `json:"last_error,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// StaffTask is something staff should look at: an escalation, a failed
// email, a suggestion to follow up.
type StaffTask struct {
	ID        string     `json:"id"`
	Key       string     `json:"-"`
	Kind      string     `json:"kind"`
	WorkerID  string     `json:"worker_id,omitempty"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	DoneBy    string     `json:"done_by,omitempty"`
}
