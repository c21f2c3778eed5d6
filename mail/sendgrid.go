package mail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"
)

// DefaultAPIHost is SendGrid's global API.
const DefaultAPIHost = "https://api.sendgrid.com"

// MailSendPath is the v3 mail-send endpoint.
const MailSendPath = "/v3/mail/send"

// OutboxIDArg is the custom argument that carries the outbox ID of a
// message; SendGrid echoes it in every Event Webhook event for the message.
const OutboxIDArg = "ippo_outbox_id"

// SendGrid's limits on a message, checked before sending.
const (
	maxCategories     = 10
	maxCategoryLen    = 255
	maxCustomArgBytes = 10000
)

// Address is an email address with an optional display name.
type Address struct {
	Name  string
	Email string
}

// Attachment is a file sent with a message (the city report's CSV).
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// Message is one email to one recipient.
type Message struct {
	// From is the sender; zero means SendGrid.From.
	From    Address
	To      Address
	ReplyTo Address // optional
	Subject string
	Text    string
	HTML    string
	// Categories label the message in SendGrid's statistics (the template
	// name, for instance); at most 10.
	Categories []string
	// CustomArgs come back in every webhook event for the message; put
	// the outbox ID under OutboxIDArg.
	CustomArgs  map[string]string
	Attachments []Attachment
}

// SendGrid sends messages through SendGrid's v3 mail-send API with the
// official client. The zero value is not usable: set at least APIKey and
// From. It is safe for concurrent use.
type SendGrid struct {
	APIKey string
	// APIHost is the API's base URL; DefaultAPIHost if empty. Tests and
	// local development point it at sendgridfake.
	APIHost string
	// From is the default sender; it must be a verified sender in SendGrid.
	From Address
	// HTTPClient makes the request; nil means a client with a 30-second
	// timeout (sendgrid-go's default client has none).
	HTTPClient *http.Client
}

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Send sends m and returns SendGrid's message ID (the X-Message-Id header;
// empty if SendGrid did not send one). It makes exactly one request and
// never retries. A failure is a *SendError: see IsRetryable, IsPermanent
// and IsAmbiguous.
func (s *SendGrid) Send(ctx context.Context, m Message) (string, error) {
	host, err := s.check(m)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", &SendError{Kind: Retryable, Message: "not sent", Err: err}
	}

	req := sendgrid.GetRequest(s.APIKey, MailSendPath, host)
	req.Method = rest.Post
	req.Body = sgmail.GetRequestBody(s.build(m))
	client := &rest.Client{HTTPClient: s.HTTPClient}
	if client.HTTPClient == nil {
		client.HTTPClient = defaultHTTPClient
	}
	// rest.Client.SendWithContext is what sendgrid.MakeRequestWithContext
	// calls, with our own HTTP client instead of the global one.
	resp, err := client.SendWithContext(ctx, req)
	if resp == nil {
		return "", transportError(err)
	}
	// A response whose body could not be read still has its status.
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return http.Header(resp.Headers).Get("X-Message-Id"), nil
	}
	return "", statusError(resp)
}

func (s *SendGrid) check(m Message) (host string, err error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if s.APIKey == "" {
		bad("no API key")
	}
	host = strings.TrimRight(s.APIHost, "/")
	if host == "" {
		host = DefaultAPIHost
	}
	if u, err := url.Parse(host); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("API host %q is not an http(s) URL", s.APIHost)
	}
	from := m.From
	if from.Email == "" {
		from = s.From
	}
	if !bareAddress(from.Email) {
		bad("no valid sender address")
	}
	if !bareAddress(m.To.Email) {
		bad("no valid recipient address")
	}
	if m.ReplyTo.Email != "" && !bareAddress(m.ReplyTo.Email) {
		bad("reply-to is not a valid address")
	}
	if strings.TrimSpace(m.Subject) == "" {
		bad("no subject")
	}
	if m.Text == "" || m.HTML == "" {
		bad("both text and HTML content are required")
	}
	if len(m.Categories) > maxCategories {
		bad("at most %d categories", maxCategories)
	}
	for _, c := range m.Categories {
		if c == "" || len(c) > maxCategoryLen {
			bad("categories must be 1 to %d bytes", maxCategoryLen)
			break
		}
	}
	size := 0
	for k, v := range m.CustomArgs {
		size += len(k) + len(v)
	}
	if size > maxCustomArgBytes {
		bad("custom args exceed %d bytes", maxCustomArgBytes)
	}
	for _, a := range m.Attachments {
		if a.Filename == "" || len(a.Content) == 0 {
			bad("attachments need a file name and content")
			break
		}
	}
	if len(problems) > 0 {
		return "", &SendError{Kind: Permanent, Message: "not sent: " + strings.Join(problems, "; ")}
	}
	return host, nil
}

func (s *SendGrid) build(m Message) *sgmail.SGMailV3 {
	from := m.From
	if from.Email == "" {
		from = s.From
	}
	v := sgmail.NewV3Mail()
	v.SetFrom(sgmail.NewEmail(from.Name, from.Email))
	p := sgmail.NewPersonalization()
	p.AddTos(sgmail.NewEmail(m.To.Name, m.To.Email))
	v.AddPersonalizations(p)
	v.Subject = m.Subject
	// SendGrid requires text/plain before text/html.
	v.AddContent(sgmail.NewContent("text/plain", m.Text), sgmail.NewContent("text/html", m.HTML))
	if m.ReplyTo.Email != "" {
		v.SetReplyTo(sgmail.NewEmail(m.ReplyTo.Name, m.ReplyTo.Email))
	}
	if len(m.Categories) > 0 {
		v.AddCategories(m.Categories...)
	}
	for k, val := range m.CustomArgs {
		v.SetCustomArg(k, val)
	}
	for _, a := range m.Attachments {
		att := sgmail.NewAttachment().
			SetFilename(a.Filename).
			SetContent(base64.StdEncoding.EncodeToString(a.Content)).
			SetDisposition("attachment")
		if a.ContentType != "" {
			att.SetType(a.ContentType)
		}
		v.AddAttachment(att)
	}
	return v
}

func bareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// FailureKind says whether a failed send may be tried again.
type FailureKind int

const (
	// Retryable: SendGrid did not take the message (429, 5xx, or the
	// connection was never made). Trying again is safe.
	Retryable FailureKind = iota + 1
	// Permanent: SendGrid refused the message (4xx other than 429) or the
	// message or configuration is invalid. Trying again gives the same.
	Permanent
	// Ambiguous: the request went out but no response came back. SendGrid
	// may have accepted it; trying again may send the email twice.
	Ambiguous
)

func (k FailureKind) String() string {
	switch k {
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	case Ambiguous:
		return "ambiguous"
	}
	return "unknown"
}

// SendError is a failed send.
type SendError struct {
	Kind FailureKind
	// StatusCode is SendGrid's HTTP status, 0 if no response arrived.
	StatusCode int
	// Message is SendGrid's error message, or what went wrong.
	Message string
	// RetryAfter is how long SendGrid asked to wait (429), if it said.
	RetryAfter time.Duration
	// Err is the transport error, if any.
	Err error
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("sendgrid: ")
	b.WriteString(e.Kind.String())
	b.WriteString(" failure")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": status %d", e.StatusCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is a send failure that is safe to retry.
func IsRetryable(err error) bool { return kindOf(err) == Retryable }

// IsPermanent reports whether err is a send failure that retrying cannot fix.
func IsPermanent(err error) bool { return kindOf(err) == Permanent }

// IsAmbiguous reports whether err is a send failure after which the email
// may or may not have been accepted.
func IsAmbiguous(err error) bool { return kindOf(err) == Ambiguous }

func kindOf(err error) FailureKind {
	var e *SendError
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// transportError classifies a request that got no response. A failed
// dial (DNS, connection refused) never sent anything and is retryable;
// anything later may have reached SendGrid.
func transportError(err error) error {
	if err == nil {
		err = errors.New("no response")
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &SendError{Kind: Retryable, Message: "could not connect", Err: err}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &SendError{Kind: Retryable, Message: "could not resolve the host", Err: err}
	}
	return &SendError{Kind: Ambiguous, Message: "no response; the message may have been accepted", Err: err}
}

func statusError(resp *rest.Response) error {
	e := &SendError{StatusCode: resp.StatusCode, Message: sendGridMessage(resp.Body)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = Retryable
		e.RetryAfter = retryAfter(http.Header(resp.Headers), time.Now())
	case resp.StatusCode >= 500:
		e.Kind = Retryable
	default:
		e.Kind = Permanent
	}
	return e
}

// sendGridMessage extracts the messages of SendGrid's error body
// {"errors":[{"message":..., "field":...}]}, or a short prefix of any other
// body.
func sendGridMessage(body string) string {
	var v struct {
		Errors []struct {
			Message string  `json:"message"`
			Field   *string `json:"field"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &v); err == nil && len(v.Errors) > 0 {
		parts := make([]string, 0, len(v.Errors))
		for _, e := range v.Errors {
			if e.Field != nil && *e.Field != "" {
				parts = append(parts, *e.Field+": "+e.Message)
			} else {
				parts = append(parts, e.Message)
			}
		}
		return strings.Join(parts, "; ")
	}
	body = strings.TrimSpace(body)
	if r := []rune(body); len(r) > 200 {
		body = string(r[:200]) + "…"
	}
	return body
}

// retryAfter reads Retry-After (seconds) or SendGrid's X-RateLimit-Reset
// (Unix time).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if s, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		if d := time.Unix(s, 0).Sub(now); d > 0 {
			return (d + time.Second - 1).Truncate(time.Second) // whole seconds, rounded up
		}
	}
	return 0
}
