// Package sendgridfake is a fake of SendGrid's v3 mail-send API and of its
// signed Event Webhook, for tests and local development.
//
// The fake checks what a real client sends (method, path, bearer key, a
// JSON body with a recipient, a sender, a subject and text/plain then
// text/html content) and answers as SendGrid does: 202 with an X-Message-Id
// header, or 4xx with SendGrid's {"errors":[{"message","field"}]} body. It
// records every accepted message, can fail the next requests with a chosen
// status or accept them and drop the response (an ambiguous failure), and
// signs and posts Event Webhook events with its own ECDSA P-256 key.
//
// Besides the API it serves, for end-to-end tests and `make dev`:
//
//	GET    /fake/messages            accepted messages, as a JSON array
//	DELETE /fake/messages            forget them and any pending failure
//	POST   /fake/fail                {"status":500,"count":2}: fail the next requests
//	POST   /fake/lose                {"count":1}: accept the next requests, drop the response
//	GET    /fake/webhook-public-key  the verification key, as SendGrid shows it
//
// It does not imply anything about delivery: it never sends email.
package sendgridfake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paths the fake serves.
const (
	MailSendPath     = "/v3/mail/send"
	MessagesPath     = "/fake/messages"
	FailPath         = "/fake/fail"
	LosePath         = "/fake/lose"
	WebhookKeyPath   = "/fake/webhook-public-key"
	maxBody          = 30 << 20 // SendGrid's limit on a mail-send request
	signatureHeader  = "X-Twilio-Email-Event-Webhook-Signature"
	timestampHeader  = "X-Twilio-Email-Event-Webhook-Timestamp"
	messageIDHeader  = "X-Message-Id"
	authErrorMessage = "The provided authorization grant is invalid, expired, or revoked"
)

// Message is an accepted mail-send request.
type Message struct {
	ID          string            `json:"id"`
	From        string            `json:"from"`
	FromName    string            `json:"from_name,omitempty"`
	To          []string          `json:"to"`
	ReplyTo     string            `json:"reply_to,omitempty"`
	Subject     string            `json:"subject"`
	Text        string            `json:"text"`
	HTML        string            `json:"html"`
	Categories  []string          `json:"categories,omitempty"`
	CustomArgs  map[string]string `json:"custom_args,omitempty"`
	Attachments []Attachment      `json:"attachments,omitempty"`
	ReceivedAt  time.Time         `json:"received_at"`
}

// Attachment is an attachment of an accepted message, decoded.
type Attachment struct {
	Filename string `json:"filename"`
	Type     string `json:"type,omitempty"`
	Content  []byte `json:"content"`
}

// Event is one Event Webhook event as SendGrid posts it: a flat JSON
// object in which the message's custom arguments are top-level keys.
type Event map[string]any

// Event returns an event of the given type (delivered, bounce, …) for the
// message, as SendGrid would post it. Add "reason", "type" or "status" for
// bounces and drops.
func (m Message) Event(eventType string) Event {
	e := Event{
		"email":         first(m.To),
		"timestamp":     time.Now().Unix(),
		"event":         eventType,
		"sg_event_id":   randomID(),
		"sg_message_id": m.ID + ".filterdrecv-fake-1",
		"smtp-id":       "<" + m.ID + "@fake.sendgrid.net>",
	}
	if len(m.Categories) > 0 {
		e["category"] = m.Categories
	}
	for k, v := range m.CustomArgs {
		e[k] = v
	}
	return e
}

// Fake is the fake SendGrid. It is an http.Handler and safe for concurrent
// use.
type Fake struct {
	apiKey string
	key    *ecdsa.PrivateKey
	client *http.Client

	mu         sync.Mutex
	messages   []Message
	failures   []int // statuses of the next failing requests
	outage     []int // while set, every request fails with these statuses in turn
	outageN    int
	lose       int // requests to accept and then drop the response of
	autoURL    string
	autoEvents []string

	posting sync.WaitGroup
}

// New returns a fake that accepts apiKey and signs webhook events with a
// fresh ECDSA P-256 key.
func New(apiKey string) *Fake {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return NewWithKey(apiKey, k)
}

// NewWithKey is New with a given webhook signing key, so a development
// setup can keep one verification key across restarts.
func NewWithKey(apiKey string, key *ecdsa.PrivateKey) *Fake {
	return &Fake{apiKey: apiKey, key: key, client: &http.Client{Timeout: 10 * time.Second}}
}

// Messages returns the accepted messages, oldest first.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Message, len(f.messages))
	copy(out, f.messages)
	return out
}

// Reset forgets the messages and any pending failure.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages, f.failures, f.lose = nil, nil, 0
}

// FailNext makes the next n mail-send requests fail with status (429, 500,
// 400, …) and a SendGrid-shaped error body. Calls add up, in order.
func (f *Fake) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, status)
	}
}

// Outage makes every mail-send request fail, with statuses in turn (500,
// 429, …), until Outage is called with none: SendGrid having a bad minute.
func (f *Fake) Outage(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outage, f.outageN = statuses, 0
}

// LoseNextResponses makes the next n valid mail-send requests be accepted
// and recorded, then the connection closed without a response: what a
// client sees when the network fails after SendGrid took the message.
func (f *Fake) LoseNextResponses(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose += n
}

// AutoEvents makes the fake post the given events (processed, delivered)
// to url after each accepted message, signed, in the background. An empty
// url turns it off.
func (f *Fake) AutoEvents(url string, eventTypes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.autoURL, f.autoEvents = url, eventTypes
}

// WebhookPublicKey is the verification key in the form SendGrid shows in
// its Event Webhook settings: base64 of the DER (PKIX) public key.
func (f *Fake) WebhookPublicKey() string {
	der, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		panic(err) // a P-256 key always marshals
	}
	return base64.StdEncoding.EncodeToString(der)
}

// Sign returns the signature and timestamp headers SendGrid would send
// with body at the given time.
func (f *Fake) Sign(body []byte, at time.Time) (signature, timestamp string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write(body)
	sig, err := ecdsa.SignASN1(rand.Reader, f.key, h.Sum(nil))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return base64.StdEncoding.EncodeToString(sig), timestamp
}

// PostEvents signs events as of now and posts them to url as SendGrid's
// Event Webhook does. A response other than 2xx is an error.
func (f *Fake) PostEvents(ctx context.Context, url string, events ...Event) error {
	if events == nil {
		events = []Event{}
	}
	body, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("sendgridfake: encode events: %w", err)
	}
	sig, ts := f.Sign(body, time.Now())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return fmt.Errorf("sendgridfake: post events: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SendGrid Event API")
	req.Header.Set(signatureHeader, sig)
	req.Header.Set(timestampHeader, ts)
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("sendgridfake: post events: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sendgridfake: post events: %s answered %d", url, resp.StatusCode)
	}
	return nil
}

// ServeHTTP serves the mail-send API and the /fake/ control endpoints.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case MailSendPath:
		if r.Method != http.MethodPost {
			writeErrors(w, http.StatusMethodNotAllowed, apiError{Message: "method not allowed"})
			return
		}
		f.mailSend(w, r)
	case MessagesPath:
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(f.Messages())
		case http.MethodDelete:
			f.Reset()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	case FailPath, LosePath:
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var v struct {
			Status int `json:"status"`
			Count  int `json:"count"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&v); err != nil || v.Count < 1 ||
			(r.URL.Path == FailPath && (v.Status < 400 || v.Status > 599)) {
			http.Error(w, `want {"status":400..599,"count":1..}`, http.StatusBadRequest)
			return
		}
		if r.URL.Path == FailPath {
			f.FailNext(v.Count, v.Status)
		} else {
			f.LoseNextResponses(v.Count)
		}
		w.WriteHeader(http.StatusNoContent)
	case WebhookKeyPath:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, f.WebhookPublicKey()+"\n")
	default:
		writeErrors(w, http.StatusNotFound, apiError{Message: "not found"})
	}
}

// mailSend is POST /v3/mail/send.
func (f *Fake) mailSend(w http.ResponseWriter, r *http.Request) {
	if status, ok := f.nextFailure(); ok {
		if status == http.StatusTooManyRequests {
			w.Header().Set("X-RateLimit-Limit", "600")
			w.Header().Set("X-RateLimit-Remaining", "0")
			// Two seconds ahead, not one: a client reading it a moment later,
			// across a second boundary, must still see a reset in the future.
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Unix()+2, 10))
		}
		writeErrors(w, status, apiError{Message: fmt.Sprintf("fake failure (%d %s)", status, http.StatusText(status))})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.apiKey || f.apiKey == "" {
		writeErrors(w, http.StatusUnauthorized, apiError{Message: authErrorMessage})
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeErrors(w, http.StatusBadRequest, apiError{Message: "Content-Type should be application/json."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeErrors(w, http.StatusRequestEntityTooLarge, apiError{Message: "request body too large"})
		return
	}
	var req sendRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeErrors(w, http.StatusBadRequest, apiError{Message: "Bad Request: the JSON body could not be parsed"})
		return
	}
	msg, problems := req.check()
	if len(problems) > 0 {
		writeErrors(w, http.StatusBadRequest, problems...)
		return
	}
	msg.ID = randomID()
	msg.ReceivedAt = time.Now().UTC()

	f.mu.Lock()
	f.messages = append(f.messages, msg)
	lose := f.lose > 0
	if lose {
		f.lose--
	}
	autoURL, autoEvents := f.autoURL, f.autoEvents
	f.mu.Unlock()

	if autoURL != "" && len(autoEvents) > 0 {
		events := make([]Event, len(autoEvents))
		for i, t := range autoEvents {
			events[i] = msg.Event(t)
		}
		f.posting.Go(func() {
			// Like SendGrid, which retries a webhook that does not answer
			// 2xx (for up to a day; here 30 seconds), best effort.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for f.PostEvents(ctx, autoURL, events...) != nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(500 * time.Millisecond):
				}
			}
		})
	}

	if lose {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without a response
	}
	w.Header().Set(messageIDHeader, msg.ID)
	w.WriteHeader(http.StatusAccepted)
}

func (f *Fake) nextFailure() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.outage) > 0 {
		f.outageN++
		return f.outage[f.outageN%len(f.outage)], true
	}
	if len(f.failures) == 0 {
		return 0, false
	}
	s := f.failures[0]
	f.failures = f.failures[1:]
	return s, true
}

// sendRequest is the part of a v3 mail-send body the fake reads.
type sendRequest struct {
	Personalizations []struct {
		To []struct {
			Email string `json:"email"`
		} `json:"to"`
		Subject    string            `json:"subject"`
		CustomArgs map[string]string `json:"custom_args"`
	} `json:"personalizations"`
	From *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"from"`
	ReplyTo *struct {
		Email string `json:"email"`
	} `json:"reply_to"`
	Subject string `json:"subject"`
	Content []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"content"`
	Categories  []string          `json:"categories"`
	CustomArgs  map[string]string `json:"custom_args"`
	Attachments []struct {
		Content  string `json:"content"`
		Type     string `json:"type"`
		Filename string `json:"filename"`
	} `json:"attachments"`
}

// check validates the request as SendGrid does, in the parts that matter
// to Ippo, and returns the message it describes.
func (q sendRequest) check() (Message, []apiError) {
	var m Message
	var errs []apiError
	bad := func(field, msg string) { errs = append(errs, apiError{Message: msg}.withField(field)) }

	if len(q.Personalizations) == 0 {
		bad("personalizations", "The personalizations field is required and must have at least one personalization.")
	}
	for i, p := range q.Personalizations {
		if len(p.To) == 0 {
			bad(fmt.Sprintf("personalizations.%d.to", i), "The to array is required for all personalization objects, and must have at least one email object with a valid email address.")
		}
		for _, to := range p.To {
			if !validAddress(to.Email) {
				bad(fmt.Sprintf("personalizations.%d.to", i), "Does not contain a valid address.")
			}
			m.To = append(m.To, to.Email)
		}
		if q.Subject == "" && p.Subject == "" {
			bad("subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.")
		}
		if m.Subject == "" {
			m.Subject = p.Subject
		}
		for k, v := range p.CustomArgs {
			if m.CustomArgs == nil {
				m.CustomArgs = map[string]string{}
			}
			m.CustomArgs[k] = v
		}
	}
	if q.Subject != "" {
		m.Subject = q.Subject
	}
	if q.From == nil || !validAddress(q.From.Email) {
		bad("from.email", "The from email does not contain a valid address.")
	} else {
		m.From, m.FromName = q.From.Email, q.From.Name
	}
	if q.ReplyTo != nil {
		if !validAddress(q.ReplyTo.Email) {
			bad("reply_to.email", "The reply_to email does not contain a valid address.")
		}
		m.ReplyTo = q.ReplyTo.Email
	}
	var types []string
	for _, c := range q.Content {
		if c.Value == "" {
			bad("content.value", "The content value must be a string at least one character in length.")
		}
		types = append(types, c.Type)
		switch c.Type {
		case "text/plain":
			m.Text = c.Value
		case "text/html":
			m.HTML = c.Value
		}
	}
	switch {
	case len(types) == 0:
		bad("content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.")
	case !slices.Contains(types, "text/plain") || !slices.Contains(types, "text/html"):
		bad("content", "Ippo's emails need both text/plain and text/html content.") // stricter than SendGrid, on purpose
	case types[0] != "text/plain":
		bad("content", "If present, text/plain must be first, followed by text/html, followed by any other content.")
	}
	if len(q.Categories) > 10 {
		bad("categories", "You cannot have more than 10 categories associated with an email.")
	}
	m.Categories = q.Categories
	for k, v := range q.CustomArgs {
		if m.CustomArgs == nil {
			m.CustomArgs = map[string]string{}
		}
		m.CustomArgs[k] = v
	}
	for i, a := range q.Attachments {
		b, err := base64.StdEncoding.DecodeString(a.Content)
		if err != nil || a.Filename == "" {
			bad(fmt.Sprintf("attachments.%d", i), "Attachments must have a filename and base64 content.")
			continue
		}
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Filename, Type: a.Type, Content: b})
	}
	return m, errs
}

type apiError struct {
	Message string  `json:"message"`
	Field   *string `json:"field"`
	Help    *string `json:"help"`
}

func (e apiError) withField(f string) apiError { e.Field = &f; return e }

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Errors []apiError `json:"errors"`
	}{errs})
}

// Server is a Fake listening on a local port.
type Server struct {
	// URL is the base URL to use as the SendGrid API host: http://127.0.0.1:port.
	URL  string
	Fake *Fake
	srv  *http.Server
}

// Start serves f on addr ("" means 127.0.0.1 on a free port).
func (f *Fake) Start(addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sendgridfake: listen: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Fake: f, srv: &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and waits for events still being posted.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.Fake.posting.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// StartTest starts a fake accepting apiKey on a free local port and stops
// it when the test ends.
func StartTest(t testing.TB, apiKey string) *Server {
	t.Helper()
	s, err := New(apiKey).Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
