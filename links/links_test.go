package links_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ippo-center/ippo/links"
)

var (
	secret  = []byte("0123456789abcdef0123456789abcdef")
	secret2 = []byte("fedcba9876543210fedcba9876543210")
	now     = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
)

func signer(t testing.TB, sec []byte, previous ...[]byte) *links.Signer {
	t.Helper()
	s, err := links.NewSigner(sec, previous...)
	require.NoError(t, err)
	return s
}

func claims() links.Claims {
	return links.Claims{
		ID:        "3f0c1c1e-8f3a-4c50-9d59-2d1b1f0e7a11",
		Action:    links.ActionSelfAssessment,
		WorkerID:  "7d9e3b52-6a4e-4f0e-b7a4-0e2f6c1d9a33",
		Subject:   "assessment:12",
		ExpiresAt: now.Add(14 * 24 * time.Hour),
	}
}

func TestNewSignerRefusesShortSecrets(t *testing.T) {
	_, err := links.NewSigner(make([]byte, 31))
	require.ErrorIs(t, err, links.ErrShortSecret)
	_, err = links.NewSigner(nil)
	require.ErrorIs(t, err, links.ErrShortSecret)
	_, err = links.NewSigner(secret, []byte("short"))
	require.ErrorIs(t, err, links.ErrShortSecret)
	_, err = links.NewSigner(make([]byte, 32))
	require.NoError(t, err)
}

func TestRoundTrip(t *testing.T) {
	s := signer(t, secret)
	for _, c := range []links.Claims{
		claims(),
		{ID: "a", Action: links.ActionOptOut, WorkerID: "w", ExpiresAt: now.Add(time.Second)},
		{ID: "x", Action: links.ActionAgencyAck, WorkerID: "w-1", Subject: "handoff/9", ExpiresAt: now.Add(time.Hour)},
		{ID: "y", Action: "new_action_later", WorkerID: "w", ExpiresAt: now.Add(time.Hour)},
	} {
		tok, err := s.Sign(c)
		require.NoError(t, err)
		got, err := s.Verify(tok, now)
		require.NoError(t, err)
		require.Equal(t, c.ID, got.ID)
		require.Equal(t, c.Action, got.Action)
		require.Equal(t, c.WorkerID, got.WorkerID)
		require.Equal(t, c.Subject, got.Subject)
		require.True(t, c.ExpiresAt.Equal(got.ExpiresAt))
	}
}

func TestTokenIsURLSafe(t *testing.T) {
	tok, err := signer(t, secret).Sign(claims())
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(tok, "."))
	for _, r := range tok {
		require.True(t, r == '-' || r == '_' || r == '.' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'), "rune %q", r)
	}
}

func TestTokenCarriesOnlyIDs(t *testing.T) {
	c := claims()
	tok, err := signer(t, secret).Sign(c)
	require.NoError(t, err)
	body, _, _ := strings.Cut(tok, ".")
	js, err := base64.RawURLEncoding.DecodeString(body)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"3f0c1c1e-8f3a-4c50-9d59-2d1b1f0e7a11","act":"self_assessment",
		"wid":"7d9e3b52-6a4e-4f0e-b7a4-0e2f6c1d9a33","sub":"assessment:12","exp":1776243600}`, string(js))
}

func TestSignRefusesPersonalDataAndMissingFields(t *testing.T) {
	s := signer(t, secret)
	for name, mod := range map[string]func(*links.Claims){
		"no id":            func(c *links.Claims) { c.ID = "" },
		"no worker":        func(c *links.Claims) { c.WorkerID = "" },
		"no action":        func(c *links.Claims) { c.Action = "" },
		"action upper":     func(c *links.Claims) { c.Action = "OptOut" },
		"no expiry":        func(c *links.Claims) { c.ExpiresAt = time.Time{} },
		"email as worker":  func(c *links.Claims) { c.WorkerID = "taro@example.jp" },
		"name as subject":  func(c *links.Claims) { c.Subject = "山田太郎" },
		"space in subject": func(c *links.Claims) { c.Subject = "Taro Yamada" },
		"long id":          func(c *links.Claims) { c.ID = strings.Repeat("a", 129) },
	} {
		t.Run(name, func(t *testing.T) {
			c := claims()
			mod(&c)
			_, err := s.Sign(c)
			require.ErrorIs(t, err, links.ErrInvalid)
		})
	}
}

func TestVerifyExpiry(t *testing.T) {
	s := signer(t, secret)
	c := claims()
	tok, err := s.Sign(c)
	require.NoError(t, err)

	_, err = s.Verify(tok, c.ExpiresAt.Add(-time.Second))
	require.NoError(t, err)

	got, err := s.Verify(tok, c.ExpiresAt)
	require.ErrorIs(t, err, links.ErrExpired, "a link stops working at its expiry")
	require.Equal(t, c.ID, got.ID, "an expired link still says what it was for")

	_, err = s.Verify(tok, c.ExpiresAt.Add(24*time.Hour))
	require.ErrorIs(t, err, links.ErrExpired)
}

func TestVerifyTampered(t *testing.T) {
	s := signer(t, secret)
	tok, err := s.Sign(claims())
	require.NoError(t, err)
	body, sig, _ := strings.Cut(tok, ".")

	// Another worker's ID under the original signature.
	c := claims()
	c.WorkerID = "someone-else"
	other, err := s.Sign(c)
	require.NoError(t, err)
	otherBody, _, _ := strings.Cut(other, ".")
	_, err = s.Verify(otherBody+"."+sig, now)
	require.ErrorIs(t, err, links.ErrTampered)

	// A flipped bit in the signature.
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	require.NoError(t, err)
	raw[0] ^= 1
	_, err = s.Verify(body+"."+base64.RawURLEncoding.EncodeToString(raw), now)
	require.ErrorIs(t, err, links.ErrTampered)

	// Signed with another secret.
	forged, err := signer(t, secret2).Sign(claims())
	require.NoError(t, err)
	_, err = s.Verify(forged, now)
	require.ErrorIs(t, err, links.ErrTampered)
}

func TestVerifyMalformed(t *testing.T) {
	s := signer(t, secret)
	tok, err := s.Sign(claims())
	require.NoError(t, err)
	body, sig, _ := strings.Cut(tok, ".")
	for name, bad := range map[string]string{
		"empty":              "",
		"no dot":             body + sig,
		"two dots":           body + "." + sig + ".x",
		"empty payload":      "." + sig,
		"empty signature":    body + ".",
		"padding":            body + "." + sig + "=",
		"std alphabet":       strings.NewReplacer("-", "+", "_", "/").Replace(body) + "+/." + sig,
		"newline":            body[:4] + "\n" + body[4:] + "." + sig,
		"space":              " " + tok,
		"short signature":    body + "." + sig[:20],
		"too long":           strings.Repeat("a", 5000) + "." + sig,
		"non ascii":          "é." + sig,
		"signature not b64u": body + "." + strings.Repeat("!", 43),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := s.Verify(bad, now)
			require.ErrorIs(t, err, links.ErrMalformed)
			require.Zero(t, c)
		})
	}
}

// A MAC-valid payload that is not our JSON can only come from a bug or a
// leaked key; it is refused all the same.
func TestVerifyRefusesValidMACOverBadPayload(t *testing.T) {
	s := signer(t, secret)
	for _, js := range []string{`{"id":"a"}`, `[]`, `{"id":"a","act":"opt_out","wid":"w","exp":1,"x":1}`, `not json`} {
		_, err := s.Verify(forge(secret, js), time.Unix(0, 0))
		require.ErrorIs(t, err, links.ErrMalformed, js)
	}
}

func TestRotation(t *testing.T) {
	old := signer(t, secret)
	tok, err := old.Sign(claims())
	require.NoError(t, err)

	rotated := signer(t, secret2, secret)
	_, err = rotated.Verify(tok, now)
	require.NoError(t, err, "links signed before the rotation keep working")

	fresh, err := rotated.Sign(claims())
	require.NoError(t, err)
	_, err = signer(t, secret2).Verify(fresh, now)
	require.NoError(t, err, "new links are signed with the current secret")
	_, err = old.Verify(fresh, now)
	require.ErrorIs(t, err, links.ErrTampered)
}

func TestVerifyFor(t *testing.T) {
	s := signer(t, secret)
	tok, err := s.Sign(claims())
	require.NoError(t, err)
	_, err = s.VerifyFor(tok, links.ActionSelfAssessment, now)
	require.NoError(t, err)
	c, err := s.VerifyFor(tok, links.ActionOptOut, now)
	require.ErrorIs(t, err, links.ErrWrongAction)
	require.Zero(t, c)
	_, err = s.VerifyFor(tok, links.ActionSelfAssessment, now.Add(365*24*time.Hour))
	require.ErrorIs(t, err, links.ErrExpired)
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := links.NewID()
		require.Len(t, id, 22)
		require.False(t, seen[id])
		seen[id] = true
		_, err := signer(t, secret).Sign(links.Claims{ID: id, Action: links.ActionAbsence, WorkerID: "w", ExpiresAt: now})
		require.NoError(t, err)
	}
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{links.ErrMalformed, links.ErrTampered, links.ErrExpired, links.ErrWrongAction, links.ErrInvalid, links.ErrShortSecret}
	for i, a := range all {
		for j, b := range all {
			require.Equal(t, i == j, errors.Is(a, b))
		}
	}
}

// FuzzVerify feeds arbitrary strings: Verify never panics, and whatever it
// accepts is exactly what Sign makes of the claims it returns.
func FuzzVerify(f *testing.F) {
	s := signer(f, secret)
	tok, err := s.Sign(claims())
	require.NoError(f, err)
	f.Add(tok)
	f.Add("")
	f.Add(".")
	f.Add("e30.AAAA")
	f.Add(tok + "=")
	f.Add(strings.Replace(tok, ".", "\n.", 1))
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.Verify(token, now)
		if err != nil && !errors.Is(err, links.ErrExpired) {
			return
		}
		again, err := s.Sign(c)
		require.NoError(t, err)
		require.Equal(t, again, token, "only the canonical token verifies")
	})
}

// FuzzModifiedToken signs fuzzed claims, then changes the token in one
// place: the changed token is never accepted, and Verify never panics.
func FuzzModifiedToken(f *testing.F) {
	s := signer(f, secret)
	f.Add("id-1", "w-1", "sub-1", int64(1800000000), 0, byte('A'))
	f.Add("x", "y", "", int64(1), 5, byte('.'))
	f.Add("a", "b", "c", int64(1<<40), 1000, byte('\n'))
	f.Fuzz(func(t *testing.T, id, worker, subject string, exp int64, pos int, b byte) {
		c := links.Claims{ID: id, Action: links.ActionOptOut, WorkerID: worker, Subject: subject, ExpiresAt: time.Unix(exp, 0)}
		tok, err := s.Sign(c)
		if err != nil {
			require.ErrorIs(t, err, links.ErrInvalid)
			return
		}
		got, err := s.Verify(tok, time.Unix(exp-1, 0))
		require.NoError(t, err)
		require.Equal(t, c.ID, got.ID)

		if pos < 0 {
			pos = -pos
		}
		mod := []byte(tok)
		switch i := pos % (len(tok) + 2); {
		case i < len(tok): // replace a byte
			mod[i] = b
		case i == len(tok): // append
			mod = append(mod, b)
		default: // drop one
			mod = append(mod[:pos%len(tok)], mod[pos%len(tok)+1:]...)
		}
		if bytes.Equal(mod, []byte(tok)) {
			return
		}
		_, err = s.Verify(string(mod), time.Unix(exp-1, 0))
		require.Error(t, err)
		require.False(t, errors.Is(err, links.ErrExpired), "a modified token is never taken for a genuine one")
	})
}

// forge builds a token with a valid MAC over arbitrary JSON, the way this
// package derives its key.
func forge(sec []byte, js string) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(js))
	return body + "." + base64.RawURLEncoding.EncodeToString(testMAC(sec, body))
}

func testMAC(sec []byte, body string) []byte {
	k := hmac.New(sha256.New, sec)
	k.Write([]byte("ippo/links/v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(body))
	return m.Sum(nil)
}
