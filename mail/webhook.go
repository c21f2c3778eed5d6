package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
)

// Headers of SendGrid's signed Event Webhook.
const (
	SignatureHeader = eventwebhook.VerificationHTTPHeader // X-Twilio-Email-Event-Webhook-Signature
	TimestampHeader = eventwebhook.TimestampHTTPHeader    // X-Twilio-Email-Event-Webhook-Timestamp
)

// EventType is what happened to a message.
type EventType string

// Event types SendGrid sends. Others may come; they are passed through.
const (
	EventProcessed        EventType = "processed"
	EventDeferred         EventType = "deferred"
	EventDelivered        EventType = "delivered"
	EventBounce           EventType = "bounce"
	EventDropped          EventType = "dropped"
	EventOpen             EventType = "open"
	EventClick            EventType = "click"
	EventSpamReport       EventType = "spamreport"
	EventUnsubscribe      EventType = "unsubscribe"
	EventGroupUnsubscribe EventType = "group_unsubscribe"
	EventGroupResubscribe EventType = "group_resubscribe"
)

// Event is one Event Webhook event. Only fields whose type SendGrid
// documents as fixed are decoded, so an unexpected field never makes a
// batch unreadable.
type Event struct {
	Email string `json:"email"`
	// Timestamp is when the event happened, in Unix seconds.
	Timestamp int64     `json:"timestamp"`
	Event     EventType `json:"event"`
	EventID   string    `json:"sg_event_id,omitempty"`
	// SGMessageID starts with the X-Message-Id Send returned; see MessageID.
	SGMessageID string `json:"sg_message_id,omitempty"`
	// Reason says why a message bounced, was dropped or deferred.
	Reason string `json:"reason,omitempty"`
	// Type is "bounce" or "blocked" for bounce events.
	Type                 string `json:"type,omitempty"`
	BounceClassification string `json:"bounce_classification,omitempty"`
	// Status is the SMTP status code (5.0.0) for bounces.
	Status string `json:"status,omitempty"`
	// Response is the receiving server's reply (delivered, deferred).
	Response string `json:"response,omitempty"`
	// OutboxID is the OutboxIDArg custom argument of the message.
	OutboxID string `json:"ippo_outbox_id,omitempty"`
}

// MessageID is the X-Message-Id part of SGMessageID (before the first
// "."), which is what Send returned for the message.
func (e Event) MessageID() string {
	id, _, _ := strings.Cut(e.SGMessageID, ".")
	return id
}

// Time is Timestamp as a time.
func (e Event) Time() time.Time { return time.Unix(e.Timestamp, 0).UTC() }

// Errors of VerifyEvents.
var (
	ErrWebhookKey       = errors.New("mail: webhook public key is not a base64 DER ECDSA P-256 key")
	ErrWebhookUnsigned  = errors.New("mail: webhook request is not signed")
	ErrWebhookSignature = errors.New("mail: webhook signature does not verify")
	ErrWebhookStale     = errors.New("mail: webhook timestamp is too old or in the future")
	ErrWebhookMalformed = errors.New("mail: webhook body is not a JSON array of events")
)

// ParseWebhookKey parses the verification key as SendGrid shows it in the
// Event Webhook settings: base64 of the DER (PKIX) ECDSA P-256 public key.
// Use it at startup to refuse a bad configuration early.
func ParseWebhookKey(publicKey string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(publicKey))
	if err != nil {
		return nil, ErrWebhookKey
	}
	// Parsed here rather than with eventwebhook.ConvertPublicKeyBase64ToECDSA,
	// which panics on a key that is not ECDSA.
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, ErrWebhookKey
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, ErrWebhookKey
	}
	return ek, nil
}

// VerifyEvents checks a signed Event Webhook request and returns its
// events. signature and timestamp are the values of SignatureHeader and
// TimestampHeader; body is the raw request body, unchanged. It refuses a
// bad key, a missing signature or timestamp, a timestamp more than maxAge
// away from now (either way), a signature that does not verify over
// timestamp+body, and a body that is not a JSON array of event objects.
func VerifyEvents(publicKey, signature, timestamp string, body []byte, now time.Time, maxAge time.Duration) ([]Event, error) {
	if maxAge <= 0 {
		return nil, errors.New("mail: webhook maxAge must be positive")
	}
	key, err := ParseWebhookKey(publicKey)
	if err != nil {
		return nil, err
	}
	if signature == "" || timestamp == "" {
		return nil, ErrWebhookUnsigned
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrWebhookStale, timestamp)
	}
	if age := now.Sub(time.Unix(ts, 0)); age > maxAge || -age > maxAge {
		return nil, fmt.Errorf("%w: %s off, at most %s allowed", ErrWebhookStale, age.Round(time.Second), maxAge)
	}
	ok, err := eventwebhook.VerifySignature(key, body, signature, timestamp)
	if err != nil || !ok {
		return nil, ErrWebhookSignature
	}

	var events []Event
	if err := json.Unmarshal(body, &events); err != nil || events == nil {
		return nil, ErrWebhookMalformed
	}
	for i, e := range events {
		if e.Event == "" {
			return nil, fmt.Errorf("%w: event %d has no type", ErrWebhookMalformed, i)
		}
	}
	return events, nil
}
