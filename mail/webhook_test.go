package mail

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ippo-center/ippo/mail/sendgridfake"
)

const maxAge = 10 * time.Minute

func batch(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal([]map[string]any{
		{"email": "hanako@example.jp", "timestamp": 1775000000, "event": "delivered",
			"sg_event_id": "ev1", "sg_message_id": "abc123.filterdrecv-1", "response": "250 OK", "ippo_outbox_id": "42",
			"category": []string{"contract_terms"}},
		{"email": "taro@example.jp", "timestamp": 1775000001, "event": "bounce",
			"sg_event_id": "ev2", "sg_message_id": "def456.filterdrecv-2", "reason": "550 5.1.1 unknown user",
			"type": "bounce", "status": "5.1.1", "bounce_classification": "Invalid Address", "ippo_outbox_id": "43",
			"category": "single"},
	})
	require.NoError(t, err)
	return b
}

func TestVerifyEventsValidBatch(t *testing.T) {
	fake := sendgridfake.New(apiKey)
	now := time.Now()
	body := batch(t)
	sig, ts := fake.Sign(body, now)

	events, err := VerifyEvents(fake.WebhookPublicKey(), sig, ts, body, now, maxAge)
	require.NoError(t, err)
	require.Len(t, events, 2)

	require.Equal(t, EventDelivered, events[0].Event)
	require.Equal(t, "hanako@example.jp", events[0].Email)
	require.Equal(t, "42", events[0].OutboxID)
	require.Equal(t, "abc123", events[0].MessageID())
	require.Equal(t, "250 OK", events[0].Response)
	require.Equal(t, time.Unix(1775000000, 0).UTC(), events[0].Time())

	require.Equal(t, EventBounce, events[1].Event)
	require.Equal(t, "43", events[1].OutboxID)
	require.Equal(t, "550 5.1.1 unknown user", events[1].Reason)
	require.Equal(t, "bounce", events[1].Type)
	require.Equal(t, "5.1.1", events[1].Status)
	require.Equal(t, "Invalid Address", events[1].BounceClassification)

	// A timestamp within maxAge either way is fine.
	for _, at := range []time.Time{now.Add(-maxAge + time.Second), now.Add(maxAge - time.Second)} {
		sig, ts := fake.Sign(body, at)
		_, err := VerifyEvents(fake.WebhookPublicKey(), sig, ts, body, now, maxAge)
		require.NoError(t, err)
	}
}

// TestVerifyEventsSendGridVector verifies the signed request published in
// sendgrid-go's own tests, so the check matches real SendGrid signatures,
// not only the fake's.
func TestVerifyEventsSendGridVector(t *testing.T) {
	const (
		publicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
		signature = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
		timestamp = "1600112502"
	)
	body := []byte(`[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]` + "\r\n")
	now := time.Unix(1600112502, 0).Add(time.Minute)

	events, err := VerifyEvents(publicKey, signature, timestamp, body, now, maxAge)
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, EventDropped, events[0].Event)
	require.Equal(t, "Bounced Address", events[0].Reason)
	require.Equal(t, "LRzXl_NHStOGhQ4kofSm_A", events[0].MessageID())

	_, err = VerifyEvents(publicKey, signature, timestamp, body[:len(body)-2], now, maxAge)
	require.ErrorIs(t, err, ErrWebhookSignature, "the trailing CRLF is signed too")
}

func TestVerifyEventsRefuses(t *testing.T) {
	fake := sendgridfake.New(apiKey)
	key := fake.WebhookPublicKey()
	now := time.Now()
	body := batch(t)
	sig, ts := fake.Sign(body, now)

	t.Run("forged body", func(t *testing.T) {
		forged := []byte(string(body[:len(body)-3]) + `4"}]`) // another outbox ID
		_, err := VerifyEvents(key, sig, ts, forged, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookSignature)
	})
	t.Run("wrong key", func(t *testing.T) {
		other := sendgridfake.New(apiKey)
		_, err := VerifyEvents(other.WebhookPublicKey(), sig, ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookSignature)
	})
	t.Run("signed by another key", func(t *testing.T) {
		sig, ts := sendgridfake.New(apiKey).Sign(body, now)
		_, err := VerifyEvents(key, sig, ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookSignature)
	})
	t.Run("timestamp changed", func(t *testing.T) {
		sig, _ := fake.Sign(body, now)
		later := strconv.FormatInt(now.Unix()+1, 10)
		_, err := VerifyEvents(key, sig, later, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookSignature)
	})
	t.Run("stale", func(t *testing.T) {
		sig, ts := fake.Sign(body, now.Add(-maxAge-time.Second))
		_, err := VerifyEvents(key, sig, ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookStale)
	})
	t.Run("future", func(t *testing.T) {
		sig, ts := fake.Sign(body, now.Add(maxAge+time.Second))
		_, err := VerifyEvents(key, sig, ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookStale)
	})
	t.Run("timestamp not a number", func(t *testing.T) {
		_, err := VerifyEvents(key, sig, "yesterday", body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookStale)
	})
	t.Run("unsigned", func(t *testing.T) {
		_, err := VerifyEvents(key, "", "", body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookUnsigned)
		_, err = VerifyEvents(key, sig, "", body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookUnsigned)
		_, err = VerifyEvents(key, "", ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookUnsigned)
	})
	t.Run("signature not base64", func(t *testing.T) {
		_, err := VerifyEvents(key, "not base64!", ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookSignature)
	})
	t.Run("signature not DER", func(t *testing.T) {
		_, err := VerifyEvents(key, base64.StdEncoding.EncodeToString([]byte("garbage")), ts, body, now, maxAge)
		require.ErrorIs(t, err, ErrWebhookSignature)
	})
	t.Run("bad key", func(t *testing.T) {
		for _, k := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("not DER")), rsaKey(t)} {
			_, err := VerifyEvents(k, sig, ts, body, now, maxAge)
			require.ErrorIs(t, err, ErrWebhookKey, k)
		}
	})
	t.Run("no max age", func(t *testing.T) {
		_, err := VerifyEvents(key, sig, ts, body, now, 0)
		require.Error(t, err)
	})
}

func TestVerifyEventsMalformedButSigned(t *testing.T) {
	fake := sendgridfake.New(apiKey)
	now := time.Now()
	for _, body := range []string{``, `{`, `{}`, `null`, `[1]`, `"x"`, `[{"email":"a@example.jp"}]`, `[] []`, `[{"event":"delivered","timestamp":"soon"}]`} {
		sig, ts := fake.Sign([]byte(body), now)
		_, err := VerifyEvents(fake.WebhookPublicKey(), sig, ts, []byte(body), now, maxAge)
		require.ErrorIs(t, err, ErrWebhookMalformed, body)
	}
	sig, ts := fake.Sign([]byte(`[]`), now)
	events, err := VerifyEvents(fake.WebhookPublicKey(), sig, ts, []byte(`[]`), now, maxAge)
	require.NoError(t, err)
	require.Empty(t, events)
}

// TestWebhookEndToEnd: the fake accepts a message sent by SendGrid.Send,
// then posts signed events for it to a receiver that verifies them and
// finds the outbox ID and message ID again.
func TestWebhookEndToEnd(t *testing.T) {
	fake := sendgridfake.StartTest(t, apiKey)
	var (
		mu  sync.Mutex
		got []Event
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		events, err := VerifyEvents(fake.Fake.WebhookPublicKey(), r.Header.Get(SignatureHeader), r.Header.Get(TimestampHeader), body, time.Now(), maxAge)
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		mu.Lock()
		got = append(got, events...)
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)

	id, err := sender(fake.URL).Send(context.Background(), message(t))
	require.NoError(t, err)
	msg := fake.Fake.Messages()[0]
	bounce := msg.Event("bounce")
	bounce["reason"] = "550 unknown user"
	require.NoError(t, fake.Fake.PostEvents(context.Background(), receiver.URL, msg.Event("processed"), msg.Event("delivered"), bounce))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 3)
	for _, e := range got {
		require.Equal(t, "42", e.OutboxID)
		require.Equal(t, id, e.MessageID())
		require.Equal(t, "hanako@example.jp", e.Email)
	}
	require.Equal(t, []EventType{EventProcessed, EventDelivered, EventBounce}, []EventType{got[0].Event, got[1].Event, got[2].Event})
	require.Equal(t, "550 unknown user", got[2].Reason)
}

func rsaKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(der)
}
