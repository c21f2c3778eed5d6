package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ippo-center/ippo/mail/sendgridfake"
)

const apiKey = "SG.test-key"

func sender(host string) *SendGrid {
	return &SendGrid{APIKey: apiKey, APIHost: host, From: Address{Name: "デジKAMA", Email: "noreply@digikama.example.jp"}}
}

func message(t *testing.T) Message {
	t.Helper()
	r, err := Render(sampleNamed(t, "application_received"))
	require.NoError(t, err)
	return Message{
		To:         Address{Name: "山田 花子", Email: "hanako@example.jp"},
		ReplyTo:    Address{Email: "digikama@example.jp"},
		Subject:    r.Subject,
		Text:       r.Text,
		HTML:       r.HTML,
		Categories: []string{string(TemplateApplicationReceived)},
		CustomArgs: map[string]string{OutboxIDArg: "42"},
	}
}

func TestSendThroughFake(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	m := message(t)
	m.Attachments = []Attachment{{Filename: "report.csv", ContentType: "text/csv", Content: []byte("a,b\n1,2\n")}}

	id, err := sender(fake.URL).Send(context.Background(), m)
	require.NoError(t, err)
	require.NotEmpty(t, id)

	got := fake.Fake.Messages()
	require.Len(t, got, 1)
	g := got[0]
	require.Equal(t, id, g.ID, "the message ID is SendGrid's X-Message-Id")
	require.Equal(t, "noreply@digikama.example.jp", g.From, "the default sender")
	require.Equal(t, "デジKAMA", g.FromName)
	require.Equal(t, []string{"hanako@example.jp"}, g.To)
	require.Equal(t, "digikama@example.jp", g.ReplyTo)
	require.Equal(t, m.Subject, g.Subject)
	require.Equal(t, m.Text, g.Text)
	require.Equal(t, m.HTML, g.HTML)
	require.Equal(t, []string{"application_received"}, g.Categories)
	require.Equal(t, map[string]string{"ippo_outbox_id": "42"}, g.CustomArgs)
	require.Len(t, g.Attachments, 1)
	require.Equal(t, "report.csv", g.Attachments[0].Filename)
	require.Equal(t, "a,b\n1,2\n", string(g.Attachments[0].Content))

	// A message's own sender wins over the default.
	m.From = Address{Email: "other@digikama.example.jp"}
	_, err = sender(fake.URL).Send(context.Background(), m)
	require.NoError(t, err)
	require.Equal(t, "other@digikama.example.jp", fake.Fake.Messages()[1].From)
}

// TestSendRequestShape looks at the raw request the real client makes.
func TestSendRequestShape(t *testing.T) {
	var (
		mu   sync.Mutex
		req  *http.Request
		body []byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		req = r
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-Message-Id", "abc123")
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)

	id, err := sender(srv.URL+"/").Send(context.Background(), message(t))
	require.NoError(t, err)
	require.Equal(t, "abc123", id)

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "/v3/mail/send", req.URL.Path)
	require.Equal(t, "Bearer "+apiKey, req.Header.Get("Authorization"))
	require.Equal(t, "application/json", req.Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(req.Header.Get("User-Agent"), "sendgrid/"), "the official client made the request")

	var v struct {
		Personalizations []struct {
			To []struct{ Email, Name string } `json:"to"`
		} `json:"personalizations"`
		From       struct{ Email, Name string } `json:"from"`
		ReplyTo    struct{ Email string }       `json:"reply_to"`
		Subject    string                       `json:"subject"`
		Content    []struct{ Type, Value string }
		Categories []string          `json:"categories"`
		CustomArgs map[string]string `json:"custom_args"`
	}
	require.NoError(t, json.Unmarshal(body, &v))
	require.Len(t, v.Personalizations, 1)
	require.Equal(t, "hanako@example.jp", v.Personalizations[0].To[0].Email)
	require.Equal(t, "noreply@digikama.example.jp", v.From.Email)
	require.Equal(t, "digikama@example.jp", v.ReplyTo.Email)
	require.Len(t, v.Content, 2)
	require.Equal(t, "text/plain", v.Content[0].Type, "SendGrid wants text/plain first")
	require.Equal(t, "text/html", v.Content[1].Type)
	require.Equal(t, map[string]string{"ippo_outbox_id": "42"}, v.CustomArgs)
}

func TestSendClassifiesStatuses(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	for _, tc := range []struct {
		status    int
		retryable bool
	}{
		{http.StatusTooManyRequests, true},
		{http.StatusInternalServerError, true},
		{http.StatusBadGateway, true},
		{http.StatusServiceUnavailable, true},
		{http.StatusBadRequest, false},
		{http.StatusForbidden, false},
		{http.StatusRequestEntityTooLarge, false},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			fake.Fake.FailNext(1, tc.status)
			id, err := sender(fake.URL).Send(context.Background(), message(t))
			require.Error(t, err)
			require.Empty(t, id)
			require.Equal(t, tc.retryable, IsRetryable(err))
			require.Equal(t, !tc.retryable, IsPermanent(err))
			require.False(t, IsAmbiguous(err))
			var se *SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.status, se.StatusCode)
			require.Contains(t, se.Message, "fake failure", "SendGrid's error message is kept")
			require.Contains(t, err.Error(), fmt.Sprintf("status %d", tc.status))
			if tc.status == http.StatusTooManyRequests {
				require.Positive(t, se.RetryAfter, "X-RateLimit-Reset is read")
			}
		})
	}
	// The failures were used up: the next send goes through.
	_, err := sender(fake.URL).Send(context.Background(), message(t))
	require.NoError(t, err)
}

func TestSendWrongKeyIsPermanent(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	s := sender(fake.URL)
	s.APIKey = "SG.wrong"
	_, err := s.Send(context.Background(), message(t))
	require.True(t, IsPermanent(err))
	require.Contains(t, err.Error(), "status 401")
	require.Contains(t, err.Error(), "authorization grant is invalid")
	require.Empty(t, fake.Fake.Messages())
}

// TestSendLostResponseIsAmbiguous: SendGrid took the message but the
// answer never came back. Retrying would send it twice.
func TestSendLostResponseIsAmbiguous(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	fake.Fake.LoseNextResponses(1)
	_, err := sender(fake.URL).Send(context.Background(), message(t))
	require.True(t, IsAmbiguous(err), "%v", err)
	require.False(t, IsRetryable(err))
	require.False(t, IsPermanent(err))
	require.Len(t, fake.Fake.Messages(), 1, "the fake did accept it")
}

func TestSendTimeoutIsAmbiguous(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-release
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := sender(srv.URL).Send(ctx, message(t))
	require.True(t, IsAmbiguous(err), "%v", err)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	_, err = sender("http://"+addr).Send(context.Background(), message(t))
	require.True(t, IsRetryable(err), "nothing was sent: %v", err)
}

func TestSendCanceledContextSendsNothing(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sender(fake.URL).Send(ctx, message(t))
	require.True(t, IsRetryable(err))
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, fake.Fake.Messages())
}

func TestSendRefusesBadMessagesWithoutCallingSendGrid(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	for name, mod := range map[string]func(*SendGrid, *Message){
		"no key":        func(s *SendGrid, m *Message) { s.APIKey = "" },
		"bad host":      func(s *SendGrid, m *Message) { s.APIHost = "ftp://example.jp" },
		"no sender":     func(s *SendGrid, m *Message) { s.From = Address{} },
		"no recipient":  func(s *SendGrid, m *Message) { m.To = Address{} },
		"bad recipient": func(s *SendGrid, m *Message) { m.To.Email = "山田 <hanako@example.jp>" },
		"bad reply-to":  func(s *SendGrid, m *Message) { m.ReplyTo.Email = "nope" },
		"no subject":    func(s *SendGrid, m *Message) { m.Subject = " " },
		"no text":       func(s *SendGrid, m *Message) { m.Text = "" },
		"no html":       func(s *SendGrid, m *Message) { m.HTML = "" },
		"11 categories": func(s *SendGrid, m *Message) { m.Categories = make([]string, 11) },
		"empty category": func(s *SendGrid, m *Message) {
			m.Categories = []string{""}
		},
		"huge custom args": func(s *SendGrid, m *Message) {
			m.CustomArgs = map[string]string{"x": strings.Repeat("a", 10001)}
		},
		"empty attachment": func(s *SendGrid, m *Message) { m.Attachments = []Attachment{{Filename: "a.csv"}} },
	} {
		t.Run(name, func(t *testing.T) {
			s, m := sender(fake.URL), message(t)
			mod(s, &m)
			_, err := s.Send(context.Background(), m)
			require.True(t, IsPermanent(err), "%v", err)
			var se *SendError
			require.ErrorAs(t, err, &se)
			require.Zero(t, se.StatusCode)
		})
	}
	require.Empty(t, fake.Fake.Messages())
}

func TestSendDefaultsToSendGridHost(t *testing.T) {
	s := &SendGrid{APIKey: "k", From: Address{Email: "a@example.jp"}}
	host, err := s.check(Message{To: Address{Email: "b@example.jp"}, Subject: "s", Text: "t", HTML: "h"})
	require.NoError(t, err)
	require.Equal(t, DefaultAPIHost, host)
}

func TestSendErrorBodyOtherThanJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>"+strings.Repeat("x", 500)+"</html>")
	}))
	t.Cleanup(srv.Close)
	_, err := sender(srv.URL).Send(context.Background(), message(t))
	require.True(t, IsRetryable(err))
	var se *SendError
	require.ErrorAs(t, err, &se)
	require.LessOrEqual(t, len([]rune(se.Message)), 201)
}

func TestPredicates(t *testing.T) {
	wrapped := fmt.Errorf("send email 42: %w", &SendError{Kind: Ambiguous})
	require.True(t, IsAmbiguous(wrapped))
	require.False(t, IsRetryable(wrapped))
	plain := errors.New("boom")
	require.False(t, IsRetryable(plain) || IsPermanent(plain) || IsAmbiguous(plain))
	require.False(t, IsRetryable(nil) || IsPermanent(nil) || IsAmbiguous(nil))
}

func TestSendGridMessage(t *testing.T) {
	require.Equal(t, "from.email: The from email does not contain a valid address.; Another",
		sendGridMessage(`{"errors":[{"message":"The from email does not contain a valid address.","field":"from.email","help":null},{"message":"Another","field":null}]}`))
	require.Equal(t, "plain", sendGridMessage(" plain \n"))
}

func TestRetryAfter(t *testing.T) {
	now := time.Unix(1000, 0)
	require.Equal(t, 7*time.Second, retryAfter(http.Header{"Retry-After": {"7"}}, now))
	require.Equal(t, 5*time.Second, retryAfter(http.Header{"X-Ratelimit-Reset": {"1005"}}, now))
	require.Zero(t, retryAfter(http.Header{"X-Ratelimit-Reset": {"900"}}, now))
	require.Zero(t, retryAfter(http.Header{}, now))
}
