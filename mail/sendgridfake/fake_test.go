package sendgridfake_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/mail/sendgridfake"
)

const key = "SG.fake-key"

const valid = `{
	"personalizations": [{"to": [{"email": "hanako@example.jp", "name": "山田 花子"}]}],
	"from": {"email": "noreply@example.jp", "name": "デジKAMA"},
	"reply_to": {"email": "digikama@example.jp"},
	"subject": "件名",
	"content": [{"type": "text/plain", "value": "本文"}, {"type": "text/html", "value": "<p>本文</p>"}],
	"categories": ["contract_terms"],
	"custom_args": {"ippo_outbox_id": "42"}
}`

type response struct {
	status int
	header http.Header
	errors []struct {
		Message string  `json:"message"`
		Field   *string `json:"field"`
	}
}

func do(t *testing.T, h http.Handler, method, path, auth, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header()}
	if rec.Code >= 400 {
		var v struct {
			Errors []struct {
				Message string  `json:"message"`
				Field   *string `json:"field"`
			} `json:"errors"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), "a SendGrid-shaped error body: %s", rec.Body.String())
		require.NotEmpty(t, v.Errors)
		r.errors = v.Errors
	}
	return r
}

func TestAcceptsValidRequest(t *testing.T) {
	f := sendgridfake.New(key)
	r := do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, valid)
	require.Equal(t, http.StatusAccepted, r.status)
	id := r.header.Get("X-Message-Id")
	require.NotEmpty(t, id)

	msgs := f.Messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, id, m.ID)
	require.Equal(t, "noreply@example.jp", m.From)
	require.Equal(t, []string{"hanako@example.jp"}, m.To)
	require.Equal(t, "digikama@example.jp", m.ReplyTo)
	require.Equal(t, "件名", m.Subject)
	require.Equal(t, "本文", m.Text)
	require.Equal(t, "<p>本文</p>", m.HTML)
	require.Equal(t, []string{"contract_terms"}, m.Categories)
	require.Equal(t, map[string]string{"ippo_outbox_id": "42"}, m.CustomArgs)
}

func TestRefusesWhatSendGridRefuses(t *testing.T) {
	f := sendgridfake.New(key)
	edit := func(old, new string) string {
		require.Contains(t, valid, old)
		return strings.Replace(valid, old, new, 1)
	}
	for name, tc := range map[string]struct {
		method, path, auth, body string
		status                   int
		field                    string
	}{
		"GET":        {http.MethodGet, "/v3/mail/send", "Bearer " + key, "", http.StatusMethodNotAllowed, ""},
		"other path": {http.MethodPost, "/v3/mail/batch", "Bearer " + key, valid, http.StatusNotFound, ""},
		"no auth":    {http.MethodPost, "/v3/mail/send", "", valid, http.StatusUnauthorized, ""},
		"wrong key":  {http.MethodPost, "/v3/mail/send", "Bearer SG.other", valid, http.StatusUnauthorized, ""},
		"basic auth": {http.MethodPost, "/v3/mail/send", "Basic " + key, valid, http.StatusUnauthorized, ""},
		"not JSON":   {http.MethodPost, "/v3/mail/send", "Bearer " + key, "{", http.StatusBadRequest, ""},
		"no personalization": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`[{"to": [{"email": "hanako@example.jp", "name": "山田 花子"}]}]`, `[]`), http.StatusBadRequest, "personalizations"},
		"no to": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`"to": [{"email": "hanako@example.jp", "name": "山田 花子"}]`, `"to": []`), http.StatusBadRequest, "personalizations.0.to"},
		"bad to": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`hanako@example.jp`, `hanako`), http.StatusBadRequest, "personalizations.0.to"},
		"no from": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`"from": {"email": "noreply@example.jp", "name": "デジKAMA"},`, ``), http.StatusBadRequest, "from.email"},
		"no subject": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`"subject": "件名",`, ``), http.StatusBadRequest, "subject"},
		"no content": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`[{"type": "text/plain", "value": "本文"}, {"type": "text/html", "value": "<p>本文</p>"}]`, `[]`), http.StatusBadRequest, "content"},
		"text only": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`, {"type": "text/html", "value": "<p>本文</p>"}`, ``), http.StatusBadRequest, "content"},
		"html first": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`[{"type": "text/plain", "value": "本文"}, {"type": "text/html", "value": "<p>本文</p>"}]`,
				`[{"type": "text/html", "value": "<p>本文</p>"}, {"type": "text/plain", "value": "本文"}]`), http.StatusBadRequest, "content"},
		"empty content": {http.MethodPost, "/v3/mail/send", "Bearer " + key,
			edit(`"value": "本文"}`, `"value": ""}`), http.StatusBadRequest, "content.value"},
	} {
		t.Run(name, func(t *testing.T) {
			r := do(t, f, tc.method, tc.path, tc.auth, tc.body)
			require.Equal(t, tc.status, r.status)
			if tc.field != "" {
				fields := []string{}
				for _, e := range r.errors {
					require.NotEmpty(t, e.Message)
					if e.Field != nil {
						fields = append(fields, *e.Field)
					}
				}
				require.Contains(t, fields, tc.field)
			}
		})
	}
	require.Empty(t, f.Messages())
}

func TestSubjectInPersonalizationIsEnough(t *testing.T) {
	f := sendgridfake.New(key)
	body := strings.Replace(strings.Replace(valid, `"subject": "件名",`, ``, 1),
		`"name": "山田 花子"}]}`, `"name": "山田 花子"}], "subject": "個別の件名"}`, 1)
	r := do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, body)
	require.Equal(t, http.StatusAccepted, r.status)
	require.Equal(t, "個別の件名", f.Messages()[0].Subject)
}

func TestFailNextAndReset(t *testing.T) {
	f := sendgridfake.New(key)
	f.FailNext(2, http.StatusInternalServerError)
	f.FailNext(1, http.StatusTooManyRequests)
	require.Equal(t, http.StatusInternalServerError, do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, valid).status)
	require.Equal(t, http.StatusInternalServerError, do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, valid).status)
	r := do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, valid)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.NotEmpty(t, r.header.Get("X-RateLimit-Reset"))
	require.Equal(t, http.StatusAccepted, do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, valid).status)
	require.Len(t, f.Messages(), 1)

	f.FailNext(5, http.StatusBadRequest)
	f.Reset()
	require.Empty(t, f.Messages())
	require.Equal(t, http.StatusAccepted, do(t, f, http.MethodPost, "/v3/mail/send", "Bearer "+key, valid).status)
}

func TestControlEndpoints(t *testing.T) {
	s := sendgridfake.StartTest(t, key)
	require.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"))
	post := func(path, body string) int {
		req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if path == "/v3/mail/send" {
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0 // connection dropped
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}

	require.Equal(t, http.StatusNoContent, post("/fake/fail", `{"status":503,"count":1}`))
	require.Equal(t, http.StatusBadRequest, post("/fake/fail", `{"status":200,"count":1}`))
	require.Equal(t, http.StatusBadRequest, post("/fake/fail", `{"status":500}`))
	require.Equal(t, http.StatusServiceUnavailable, post("/v3/mail/send", valid))
	require.Equal(t, http.StatusAccepted, post("/v3/mail/send", valid))

	require.Equal(t, http.StatusNoContent, post("/fake/lose", `{"count":1}`))
	require.Equal(t, 0, post("/v3/mail/send", valid), "the response is lost")

	resp, err := http.Get(s.URL + "/fake/messages")
	require.NoError(t, err)
	var msgs []sendgridfake.Message
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&msgs))
	resp.Body.Close()
	require.Len(t, msgs, 2, "the lost one was accepted all the same")
	require.Equal(t, "件名", msgs[0].Subject)

	req, err := http.NewRequest(http.MethodDelete, s.URL+"/fake/messages", nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	resp, err = http.Get(s.URL + "/fake/messages")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.JSONEq(t, `[]`, string(b), "an empty list, not null")

	resp, err = http.Get(s.URL + "/fake/webhook-public-key")
	require.NoError(t, err)
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, s.Fake.WebhookPublicKey(), strings.TrimSpace(string(b)))
	_, err = mail.ParseWebhookKey(strings.TrimSpace(string(b)))
	require.NoError(t, err)
}

// TestAutoEvents: with AutoEvents on, each accepted message produces
// signed events that mail.VerifyEvents accepts.
func TestAutoEvents(t *testing.T) {
	s := sendgridfake.StartTest(t, key)
	var (
		mu     sync.Mutex
		events []mail.Event
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got, err := mail.VerifyEvents(s.Fake.WebhookPublicKey(), r.Header.Get(mail.SignatureHeader), r.Header.Get(mail.TimestampHeader), body, time.Now(), time.Minute)
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		mu.Lock()
		events = append(events, got...)
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)
	s.Fake.AutoEvents(receiver.URL, "processed", "delivered")

	sg := &mail.SendGrid{APIKey: key, APIHost: s.URL, From: mail.Address{Email: "noreply@example.jp"}}
	id, err := sg.Send(t.Context(), mail.Message{
		To: mail.Address{Email: "hanako@example.jp"}, Subject: "s", Text: "t", HTML: "<p>h</p>",
		CustomArgs: map[string]string{mail.OutboxIDArg: "7"},
	})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(events) == 2
	}, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, e := range events {
		require.Equal(t, "7", e.OutboxID)
		require.Equal(t, id, e.MessageID())
	}
	require.Equal(t, mail.EventProcessed, events[0].Event)
	require.Equal(t, mail.EventDelivered, events[1].Event)
}

func TestPostEventsReportsRefusal(t *testing.T) {
	f := sendgridfake.New(key)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	t.Cleanup(receiver.Close)
	err := f.PostEvents(t.Context(), receiver.URL, sendgridfake.Event{"event": "delivered"})
	require.ErrorContains(t, err, "403")
}

func TestNewWithKeyKeepsTheKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	a, b := sendgridfake.NewWithKey(key, k), sendgridfake.NewWithKey(key, k)
	require.Equal(t, a.WebhookPublicKey(), b.WebhookPublicKey())

	body := []byte(`[{"event":"delivered","email":"a@example.jp","timestamp":1}]`)
	sig, ts := a.Sign(body, time.Now())
	_, err = mail.VerifyEvents(b.WebhookPublicKey(), sig, ts, body, time.Now(), time.Minute)
	require.NoError(t, err)
}
