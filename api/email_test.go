package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/mail/sendgridfake"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/ippo-center/ippo/workflows"
)

// fakeTemporal records the workflows the API starts; any other call
// panics (the embedded client is nil).
type fakeTemporal struct {
	client.Client
	mu       sync.Mutex
	starts   []client.StartWorkflowOptions
	inputs   []workflows.EmailInput
	startErr error
}

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	for _, s := range f.starts {
		if s.ID == o.ID {
			return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "run")
		}
	}
	f.starts = append(f.starts, o)
	f.inputs = append(f.inputs, args[0].(workflows.EmailInput))
	return nil, nil
}

func (f *fakeTemporal) set(fn func(*fakeTemporal)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeTemporal) startIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, s := range f.starts {
		ids = append(ids, s.ID)
	}
	return ids
}

// emailRig is the API on a fresh database with a fake Temporal, served
// over HTTP, with a staff token and a SendGrid fake whose key signs
// webhook events.
type emailRig struct {
	t        testing.TB
	s        *Server
	db       *postgres.DB
	temporal *fakeTemporal
	url      string
	token    string
	sendgrid *sendgridfake.Fake
}

func newEmailRig(t testing.TB) *emailRig {
	t.Helper()
	db := pgtest.New(t)
	sg := sendgridfake.New("SG.key")
	r := &emailRig{t: t, db: db, temporal: &fakeTemporal{}, sendgrid: sg, token: "api-test-staff-token-" + uuid.NewString()}
	r.s = &Server{DB: db, Temporal: r.temporal, TaskQueue: "test", Log: slog.New(slog.DiscardHandler), Email: EmailOptions{
		WebhookKey: sg.WebhookPublicKey(),
	}}
	h, err := r.s.Handler()
	require.NoError(t, err)
	r.s.Start(ippo.Clock{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	require.NoError(t, db.EnsureToken(context.Background(),
		postgres.Token{ID: uuid.NewString(), Name: "支援員 テスト", Role: "staff", CreatedBy: "test"}, r.token))
	return r
}

// sentEmail writes an email to the worker and records it as accepted by
// SendGrid with message id msgID.
func (r *emailRig) sentEmail(workerID, msgID string) ippo.OutboxEmail {
	r.t.Helper()
	ctx := context.Background()
	key := "worker/" + workerID + "/step/1/application_received/" + uuid.NewString()
	e, err := r.db.EnqueueEmail(ctx, ippo.OutboxEmail{ID: uuid.NewString(), Key: key, Template: "application_received",
		WorkerID: workerID, Recipient: "hanako@example.jp", Subject: "件名", Text: "本文", HTML: "<p>本文</p>"})
	require.NoError(r.t, err)
	_, err = r.db.ClaimSend(ctx, e.ID)
	require.NoError(r.t, err)
	_, _, err = r.db.RecordSent(ctx, e.ID, msgID)
	require.NoError(r.t, err)
	return r.email(e.ID)
}

func (r *emailRig) email(id string) ippo.OutboxEmail {
	r.t.Helper()
	e, err := r.db.OutboxEmail(context.Background(), id)
	require.NoError(r.t, err)
	return e
}

func (r *emailRig) events(id string) []ippo.EmailEvent {
	r.t.Helper()
	evs, err := r.db.EmailEvents(context.Background(), id)
	require.NoError(r.t, err)
	return evs
}

// post sends body to path with headers and returns the status and body.
func (r *emailRig) post(path, contentType, body string, headers map[string]string) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.url+path, strings.NewReader(body))
	require.NoError(r.t, err)
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return r.do(req)
}

func (r *emailRig) get(path string, auth bool) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.url+path, nil)
	require.NoError(r.t, err)
	if auth {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	return r.do(req)
}

func (r *emailRig) do(req *http.Request) (int, string) {
	r.t.Helper()
	var sent []byte
	if req.Body != nil {
		var err error
		sent, err = io.ReadAll(req.Body)
		require.NoError(r.t, err)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	resp, b := testkit.Do(r.t, req)
	probe := req.Clone(context.Background())
	probe.URL.Scheme, probe.URL.Host = "", "" // the document's routes are relative
	CheckResponse(r.t, probe, sent, resp.StatusCode, resp.Header, b)
	return resp.StatusCode, string(b)
}

// webhook posts events to the webhook signed by the SendGrid fake at time at.
func (r *emailRig) webhook(at time.Time, events ...sendgridfake.Event) (int, string) {
	r.t.Helper()
	body, err := json.Marshal(events)
	require.NoError(r.t, err)
	sig, ts := r.sendgrid.Sign(body, at)
	return r.post(WebhookPath, "application/json", string(body), map[string]string{mail.SignatureHeader: sig, mail.TimestampHeader: ts})
}

func event(e ippo.OutboxEmail, kind string, withOutboxID bool) sendgridfake.Event {
	m := sendgridfake.Message{ID: e.ProviderMessageID, To: []string{e.Recipient}}
	if withOutboxID {
		m.CustomArgs = map[string]string{mail.OutboxIDArg: e.ID}
	}
	return m.Event(kind)
}

func TestWebhookRefusesWhatSendGridDidNotSign(t *testing.T) {
	r := newEmailRig(t)
	e := r.sentEmail(testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 9, Day: 30}), "msg-1")
	body, err := json.Marshal([]sendgridfake.Event{event(e, "bounce", true)})
	require.NoError(t, err)
	sig, ts := r.sendgrid.Sign(body, time.Now())
	forger := sendgridfake.New("SG.key")
	forgedSig, forgedTS := forger.Sign(body, time.Now())
	staleSig, staleTS := r.sendgrid.Sign(body, time.Now().Add(-time.Hour))
	futureSig, futureTS := r.sendgrid.Sign(body, time.Now().Add(time.Hour))
	tampered := strings.Replace(string(body), "bounce", "delivered", 1)

	for _, tc := range []struct {
		name      string
		body      string
		sig, ts   string
		noKey     bool
		want      int
		wantError string
	}{
		{name: "unsigned", body: string(body), want: http.StatusUnauthorized, wantError: "not signed"},
		{name: "no timestamp", body: string(body), sig: sig, want: http.StatusUnauthorized, wantError: "not signed"},
		{name: "signed with another key", body: string(body), sig: forgedSig, ts: forgedTS, want: http.StatusUnauthorized, wantError: "does not verify"},
		{name: "body changed after signing", body: tampered, sig: sig, ts: ts, want: http.StatusUnauthorized, wantError: "does not verify"},
		{name: "stale", body: string(body), sig: staleSig, ts: staleTS, want: http.StatusUnauthorized, wantError: "too old"},
		{name: "from the future", body: string(body), sig: futureSig, ts: futureTS, want: http.StatusUnauthorized, wantError: "too old"},
		{name: "no key configured", body: string(body), sig: sig, ts: ts, noKey: true, want: http.StatusForbidden, wantError: "SENDGRID_WEBHOOK_PUBLIC_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := r.s.Email.WebhookKey
			if tc.noKey {
				r.s.Email.WebhookKey = ""
				defer func() { r.s.Email.WebhookKey = key }()
			}
			headers := map[string]string{}
			if tc.sig != "" {
				headers[mail.SignatureHeader] = tc.sig
			}
			if tc.ts != "" {
				headers[mail.TimestampHeader] = tc.ts
			}
			status, resp := r.post(WebhookPath, "application/json", tc.body, headers)
			require.Equal(t, tc.want, status, resp)
			require.Contains(t, resp, tc.wantError)
			require.Equal(t, ippo.EmailSent, r.email(e.ID).Status, "nothing changed")
			require.Empty(t, r.events(e.ID))
			require.Empty(t, r.temporal.startIDs(), "no alert")
		})
	}

	// The same body, genuinely signed, is accepted.
	status, resp := r.post(WebhookPath, "application/json", string(body), map[string]string{mail.SignatureHeader: sig, mail.TimestampHeader: ts})
	require.Equal(t, http.StatusOK, status, resp)
	require.Equal(t, ippo.EmailBounced, r.email(e.ID).Status)
}

func TestWebhookDeliveredOnceAndOnTheTimeline(t *testing.T) {
	r := newEmailRig(t)
	workerID := testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 9, Day: 30})
	e := r.sentEmail(workerID, "msg-delivered")

	processed, delivered := event(e, "processed", true), event(e, "delivered", true)
	status, resp := r.webhook(time.Now(), processed, delivered)
	require.Equal(t, http.StatusOK, status, resp)
	require.JSONEq(t, `{"received":2,"recorded":2,"unmatched":0}`, resp)
	require.Equal(t, ippo.EmailDelivered, r.email(e.ID).Status)

	// SendGrid delivers events at least once: a repeat changes nothing.
	status, resp = r.webhook(time.Now(), delivered)
	require.Equal(t, http.StatusOK, status, resp)
	require.JSONEq(t, `{"received":1,"recorded":0,"unmatched":0}`, resp)
	evs := r.events(e.ID)
	require.Len(t, evs, 2)
	require.Equal(t, "processed", evs[0].Event)
	require.Equal(t, "delivered", evs[1].Event)

	tl, err := r.db.Timeline(context.Background(), workerID)
	require.NoError(t, err)
	var kinds []string
	for _, en := range tl {
		if en.Source == "email" {
			kinds = append(kinds, en.Kind)
			if en.Kind == "application_received" {
				require.Equal(t, ippo.EmailDelivered, en.Data["status"], "the email's status on the timeline")
			}
		}
	}
	require.ElementsMatch(t, []string{"application_received", "email_processed", "email_delivered"}, kinds)

	// Through the API: the email with its events.
	status, resp = r.get("/api/v1/outbox/"+e.ID, true)
	require.Equal(t, http.StatusOK, status, resp)
	var got struct {
		Status string            `json:"status"`
		Events []ippo.EmailEvent `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp), &got))
	require.Equal(t, ippo.EmailDelivered, got.Status)
	require.Len(t, got.Events, 2)
}

func TestWebhookMatchesByMessageIDAndIgnoresOthers(t *testing.T) {
	r := newEmailRig(t)
	e := r.sentEmail(testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 9, Day: 30}), "msg-no-arg")
	stranger := sendgridfake.Message{ID: "someone-elses", To: []string{"x@example.jp"}}.Event("delivered")
	opened := event(e, "open", true)
	status, resp := r.webhook(time.Now(), event(e, "delivered", false), stranger, opened)
	require.Equal(t, http.StatusOK, status, resp)
	require.JSONEq(t, `{"received":3,"recorded":1,"unmatched":1}`, resp)
	require.Equal(t, ippo.EmailDelivered, r.email(e.ID).Status)
	require.Len(t, r.events(e.ID), 1, "opens are not recorded")
}

func TestWebhookBounceAlertsStaffOnce(t *testing.T) {
	r := newEmailRig(t)
	workerID := testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 9, Day: 30})
	e := r.sentEmail(workerID, "msg-bounce")
	bounce := event(e, "bounce", true)
	bounce["reason"] = "550 5.1.1 The email account that you tried to reach does not exist"
	bounce["type"] = "bounce"
	bounce["bounce_classification"] = "Invalid Address"

	// Temporal out of reach: 503, so SendGrid posts the batch again.
	r.temporal.set(func(f *fakeTemporal) { f.startErr = serviceerror.NewUnavailable("temporal is down") })
	status, resp := r.webhook(time.Now(), bounce)
	require.Equal(t, http.StatusServiceUnavailable, status, resp)
	require.Equal(t, ippo.EmailBounced, r.email(e.ID).Status)
	early, err := r.db.StaffTodos(context.Background(), true, 10)
	require.NoError(t, err)
	require.Len(t, early, 1, "the to-do is written with the status, whatever happens after")

	r.temporal.set(func(f *fakeTemporal) { f.startErr = nil })
	for range 2 {
		status, resp = r.webhook(time.Now(), bounce)
		require.Equal(t, http.StatusOK, status, resp)
	}
	require.Equal(t, []string{"email/alert/" + e.ID + "/bounced"}, r.temporal.startIDs(), "one alert email")
	in := r.temporal.inputs[0]
	require.NotNil(t, in.Alert)
	require.Equal(t, e.ID, in.Alert.OutboxID)
	require.Equal(t, ippo.EmailBounced, in.Alert.Status)

	got := r.email(e.ID)
	require.Contains(t, got.LastError, "does not exist")
	evs := r.events(e.ID)
	require.Len(t, evs, 1)
	require.Equal(t, "Invalid Address", evs[0].Data["bounce_classification"])
	tasks, err := r.db.StaffTodos(context.Background(), true, 10)
	require.NoError(t, err)
	require.Len(t, tasks, 1, "once")
	require.Equal(t, "email_bounced", tasks[0].Kind)
	require.Equal(t, workerID, tasks[0].WorkerID)
	require.Equal(t, "鎌倉 花子", tasks[0].WorkerName, "staff know the worker by name")

	// A delivery reported late never undoes the bounce.
	status, _ = r.webhook(time.Now(), event(e, "delivered", true))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, ippo.EmailBounced, r.email(e.ID).Status)
}

func TestWebhookRefusesMalformedSignedBody(t *testing.T) {
	r := newEmailRig(t)
	body := []byte(`{"not":"an array"}`)
	sig, ts := r.sendgrid.Sign(body, time.Now())
	status, resp := r.post(WebhookPath, "application/json", string(body), map[string]string{mail.SignatureHeader: sig, mail.TimestampHeader: ts})
	require.Equal(t, http.StatusBadRequest, status, resp)
}

func TestResendThroughTheAPI(t *testing.T) {
	r := newEmailRig(t)
	ctx := context.Background()
	workerID := testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 9, Day: 30})
	e := r.sentEmail(workerID, "msg-r")
	auth := map[string]string{"Authorization": "Bearer " + r.token}

	status, resp := r.post("/api/v1/outbox/"+e.ID+"/resend", "application/json", "", auth)
	require.Equal(t, http.StatusConflict, status, resp)
	require.Contains(t, resp, "only a failed, unknown or bounced email")

	_, err := r.db.SetEmailStatus(ctx, e.ID, ippo.EmailFailed, "", "400 bad", ippo.EmailSent)
	require.NoError(t, err)
	status, resp = r.post("/api/v1/outbox/"+e.ID+"/resend", "application/json", "", auth)
	require.Equal(t, http.StatusAccepted, status, resp)
	var resend ippo.OutboxEmail
	require.NoError(t, json.Unmarshal([]byte(resp), &resend))
	require.Equal(t, e.ID, resend.ResendOf)
	require.Equal(t, ippo.EmailQueued, resend.Status)
	require.True(t, strings.HasPrefix(resend.RequestedBy, "staff:"))
	// Queued for the dispatcher: nothing is sent inline, no workflow.
	require.Empty(t, r.temporal.startIDs())

	// Still queued: asked again, it is the same copy, queued once.
	status, resp = r.post("/api/v1/outbox/"+e.ID+"/resend", "application/json", "", auth)
	require.Equal(t, http.StatusAccepted, status, resp)
	var again ippo.OutboxEmail
	require.NoError(t, json.Unmarshal([]byte(resp), &again))
	require.Equal(t, resend.ID, again.ID)
	due, err := r.db.ClaimDueEmails(ctx, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "the copy is due for the dispatcher, once")
	require.Equal(t, resend.ID, due[0].ID)
	_, err = r.db.SetEmailStatus(ctx, resend.ID, ippo.EmailQueued, "", "", ippo.EmailSending) // as a dispatcher would after a 429
	require.NoError(t, err)
	// Once the copy went, the first email is never sent a third time.
	_, err = r.db.SetEmailStatus(ctx, resend.ID, ippo.EmailSent, "m2", "", ippo.EmailQueued)
	require.NoError(t, err)
	status, resp = r.post("/api/v1/outbox/"+e.ID+"/resend", "application/json", "", auth)
	require.Equal(t, http.StatusConflict, status, resp)
	require.Contains(t, resp, resend.ID)

	status, resp = r.post("/api/v1/outbox/"+uuid.NewString()+"/resend", "application/json", "", auth)
	require.Equal(t, http.StatusNotFound, status, resp)
	status, _ = r.post("/api/v1/outbox/"+e.ID+"/resend", "application/json", "", nil)
	require.Equal(t, http.StatusUnauthorized, status)

	// The requests carried out are on the worker's timeline; the refused
	// one (409) is in the audit log only.
	tl, err := r.db.Timeline(ctx, workerID)
	require.NoError(t, err)
	audited := 0
	for _, en := range tl {
		if en.Source == "audit" && en.Kind == "POST /api/v1/outbox/:id/resend" {
			audited++
			require.Less(t, en.Data["status"], float64(400), "refused requests stay off the timeline")
		}
	}
	require.Equal(t, 2, audited)
}

func TestStaffTasksAreReachable(t *testing.T) {
	r := newEmailRig(t)
	status, resp := r.get("/api/v1/staff-tasks", true)
	require.Equal(t, http.StatusOK, status, resp)
}

// TestEveryAPIRouteHasAPermission walks the router: a route missing from
// permissions is closed to everyone (the staff-tasks routes once were).
func TestEveryAPIRouteHasAPermission(t *testing.T) {
	s := &Server{Log: slog.New(slog.DiscardHandler)}
	_, err := s.Handler()
	require.NoError(t, err)
	n := 0
	for _, r := range s.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" || r.Path == "/api/v1/docs" {
			continue
		}
		n++
		require.Contains(t, permissions, r.Method+" "+r.Path, "no role may use %s %s", r.Method, r.Path)
	}
	require.Positive(t, n)
	for route := range permissions {
		method, path, _ := strings.Cut(route, " ")
		require.True(t, slices.ContainsFunc(s.Routes(), func(r gin.RouteInfo) bool { return r.Method == method && r.Path == path }),
			"permissions lists %s, which is no route", route)
	}
}

// BenchmarkWebhookBatch measures one signed batch of delivered events (a
// batch size SendGrid posts under load), each matched and recorded.
func BenchmarkWebhookBatch(b *testing.B) {
	const batch = 200
	r := newEmailRig(b)
	workerID := testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 9, Day: 30})
	for b.Loop() {
		b.StopTimer()
		events := make([]sendgridfake.Event, batch)
		for i := range events {
			events[i] = event(r.sentEmail(workerID, uuid.NewString()), "delivered", true)
		}
		b.StartTimer()
		status, resp := r.webhook(time.Now(), events...)
		if status != http.StatusOK {
			b.Fatalf("webhook: %d %s", status, resp)
		}
	}
	b.ReportMetric(float64(batch), "events/op")
}
