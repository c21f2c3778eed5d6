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

// Resendable reports whether staff may send an email again: only when it
// surely or possibly did not arrive. A sent, delivered or queued email is
// never sent twice by hand either.
func Resendable(status string) bool {
	return status == EmailFailed || status == EmailUnknown || status == EmailBounced
}

// Delivery events of SendGrid's Event Webhook that change an email's
// status. Other events (processed, deferred, …) only go into its history.
const (
	EmailEventDelivered = "delivered"
	EmailEventBounce    = "bounce"
	EmailEventDropped   = "dropped"
)

// EmailEventStatus says which status a delivery event moves an email to,
// and from which statuses; ok is false for an event that changes none.
// "sending" and "unknown" are included: the event proves SendGrid took the
// email even if Ippo never recorded its answer. A bounce may follow a
// delivery (the receiving server accepted, then returned it); a delivery
// never undoes a bounce.
func EmailEventStatus(event string) (to string, from []string, ok bool) {
	switch event {
	case EmailEventDelivered:
		return EmailDelivered, []string{EmailSending, EmailSent, EmailUnknown}, true
	case EmailEventBounce, EmailEventDropped:
		return EmailBounced, []string{EmailSending, EmailSent, EmailUnknown, EmailDelivered}, true
	}
	return "", nil, false
}

// OutboxEmail is one email in the outbox. ResendOf is the email this one
// sends again, at RequestedBy's request (a staff reference, never a name).
type OutboxEmail struct {
	ID                string    `json:"id"`
	Key               string    `json:"key"`
	Template          string    `json:"template"`
	WorkerID          string    `json:"worker_id,omitempty"`
	AgencyID          string    `json:"agency_id,omitempty"`
	Recipient         string    `json:"recipient"`
	RecipientName     string    `json:"recipient_name,omitempty"`
	Subject           string    `json:"subject"`
	Text              string    `json:"text"`
	HTML              string    `json:"html"`
	Status            string    `json:"status"`
	ProviderMessageID string    `json:"provider_message_id,omitempty"`
	Attempts          int       `json:"attempts"`
	LastError         string    `json:"last_error,omitempty"`
	ResendOf          string    `json:"resend_of,omitempty"`
	RequestedBy       string    `json:"requested_by,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// EmailEvent is one thing SendGrid said happened to an email.
type EmailEvent struct {
	OutboxID string    `json:"outbox_id"`
	Event    string    `json:"event"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason,omitempty"`
	// Data holds the event's other facts: bounce type and classification,
	// SMTP status.
	Data map[string]any `json:"data,omitempty"`
}

// StaffTodo is something staff should look at: an escalation, a failed
// email, a suggestion to follow up.
type StaffTodo struct {
	ID       string `json:"id"`
	Key      string `json:"-"`
	Kind     string `json:"kind"`
	WorkerID string `json:"worker_id,omitempty"`
	// WorkerName names the worker for staff, read with the list; it is
	// never stored with the task (a name changed later shows as it is).
	WorkerName string     `json:"worker_name,omitempty"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	CreatedAt  time.Time  `json:"created_at"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	DoneBy     string     `json:"done_by,omitempty"`
}
