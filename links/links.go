package links

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Action is what a link lets its holder do. New actions need no change here:
// any lower-case word with underscores is accepted.
type Action string

const (
	ActionAbsence        Action = "absence"         // report an absence, late start or early leave
	ActionSelfAssessment Action = "self_assessment" // fill in a self-assessment
	ActionOptOut         Action = "opt_out"         // decline the next contract extension
	ActionAgencyAck      Action = "agency_ack"      // a partner agency acknowledges a handoff
	ActionTaskAnswer     Action = "task_answer"     // a worker accepts or declines a client task (Subject: its ID)
)

// Claims is what a link says. Every value is an opaque ID: the token is
// readable by whoever holds the link.
type Claims struct {
	// ID is unique per link so a one-time link can be marked used.
	ID     string `json:"id"`
	Action Action `json:"act"`
	// WorkerID is the worker the action is about.
	WorkerID string `json:"wid"`
	// Subject is the thing acted on (an assessment, a handoff, an
	// extension), if the action needs one.
	Subject string `json:"sub,omitempty"`
	// ExpiresAt is when the link stops working; it is kept to the second.
	ExpiresAt time.Time `json:"-"`
}

// Errors from NewSigner, Sign and Verify. Verify wraps them with detail; use
// errors.Is.
var (
	ErrShortSecret = errors.New("links: secret must be at least 32 bytes")
	ErrInvalid     = errors.New("links: invalid claims")
	ErrMalformed   = errors.New("links: malformed token")
	ErrTampered    = errors.New("links: token signature does not match")
	ErrExpired     = errors.New("links: link has expired")
	ErrWrongAction = errors.New("links: link is for another action")
)

// MinSecretLen is the shortest secret NewSigner accepts.
const MinSecretLen = 32

const (
	maxIDLen    = 128
	maxTokenLen = 2048
	macLen      = sha256.Size
	// keyLabel separates this use of the secret from any other, so the
	// same secret used elsewhere never yields interchangeable MACs.
	keyLabel = "ippo/links/v1"
)

var b64 = base64.RawURLEncoding.Strict()

// Signer signs and verifies links. It is safe for concurrent use.
type Signer struct {
	keys [][]byte // keys[0] signs; all verify
}

// NewSigner returns a Signer for secret. Secrets given as previous still
// verify links signed with them, for rotation; only secret signs.
func NewSigner(secret []byte, previous ...[]byte) (*Signer, error) {
	s := &Signer{}
	for i, sec := range append([][]byte{secret}, previous...) {
		if len(sec) < MinSecretLen {
			if i == 0 {
				return nil, ErrShortSecret
			}
			return nil, fmt.Errorf("previous secret %d: %w", i, ErrShortSecret)
		}
		m := hmac.New(sha256.New, sec)
		m.Write([]byte(keyLabel))
		s.keys = append(s.keys, m.Sum(nil))
	}
	return s, nil
}

// NewID returns a random link ID (128 bits, base64url).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// payload is the wire form of Claims.
type payload struct {
	ID       string `json:"id"`
	Action   Action `json:"act"`
	WorkerID string `json:"wid"`
	Subject  string `json:"sub,omitempty"`
	Exp      int64  `json:"exp"`
}

// Sign returns the token for c. ExpiresAt is truncated to the second.
func (s *Signer) Sign(c Claims) (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	p := payload{ID: c.ID, Action: c.Action, WorkerID: c.WorkerID, Subject: c.Subject, Exp: c.ExpiresAt.Unix()}
	js, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("links: encode claims: %w", err)
	}
	body := b64.EncodeToString(js)
	return body + "." + b64.EncodeToString(mac(s.keys[0], body)), nil
}

// Verify checks token and returns its claims. A genuine token past its
// expiry returns its claims together with ErrExpired, so the caller can say
// what the link was for; any other error returns zero Claims.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	if len(token) > maxTokenLen {
		return Claims{}, fmt.Errorf("%w: too long", ErrMalformed)
	}
	// The base64 decoder skips CR and LF even in strict mode; refuse every
	// byte outside the alphabet so no other spelling of a token verifies.
	if !tokenAlphabet(token) {
		return Claims{}, fmt.Errorf("%w: unexpected character", ErrMalformed)
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok || body == "" || strings.Contains(sig, ".") {
		return Claims{}, fmt.Errorf("%w: want payload.signature", ErrMalformed)
	}
	got, err := b64.DecodeString(sig)
	if err != nil || len(got) != macLen {
		return Claims{}, fmt.Errorf("%w: bad signature encoding", ErrMalformed)
	}
	if _, err := b64.DecodeString(body); err != nil {
		return Claims{}, fmt.Errorf("%w: bad payload encoding", ErrMalformed)
	}
	matched := false
	for _, k := range s.keys {
		// hmac.Equal is constant-time; every key is tried so the time
		// taken does not say which one matched.
		if hmac.Equal(got, mac(k, body)) {
			matched = true
		}
	}
	if !matched {
		return Claims{}, ErrTampered
	}

	// Only payloads this package produced get here; a failure below means
	// a bug or a leaked key, and is reported as malformed.
	js, _ := b64.DecodeString(body)
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var p payload
	if err := dec.Decode(&p); err != nil || dec.More() {
		return Claims{}, fmt.Errorf("%w: bad payload", ErrMalformed)
	}
	c := Claims{ID: p.ID, Action: p.Action, WorkerID: p.WorkerID, Subject: p.Subject, ExpiresAt: time.Unix(p.Exp, 0).UTC()}
	if err := c.validate(); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !now.Before(c.ExpiresAt) {
		return c, ErrExpired
	}
	return c, nil
}

// VerifyFor is Verify for a link that must allow action; a genuine link for
// another action returns ErrWrongAction, so a self-assessment link can never
// opt a worker out.
func (s *Signer) VerifyFor(token string, action Action, now time.Time) (Claims, error) {
	c, err := s.Verify(token, now)
	if err != nil {
		return c, err
	}
	if c.Action != action {
		return Claims{}, fmt.Errorf("%w: want %s", ErrWrongAction, action)
	}
	return c, nil
}

func mac(key []byte, body string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

func (c Claims) validate() error {
	var bad []string
	if !isID(c.ID) {
		bad = append(bad, "id")
	}
	if !isAction(c.Action) {
		bad = append(bad, "action")
	}
	if !isID(c.WorkerID) {
		bad = append(bad, "worker id")
	}
	if c.Subject != "" && !isID(c.Subject) {
		bad = append(bad, "subject")
	}
	if c.ExpiresAt.Unix() <= 0 {
		bad = append(bad, "expiry")
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(bad, ", "))
	}
	return nil
}

// isID accepts opaque identifiers (UUIDs, numbers, "handoff:42") and refuses
// anything that could carry a name or an address: no spaces, no "@", no
// characters outside ASCII.
func isID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/':
		default:
			return false
		}
	}
	return true
}

func isAction(a Action) bool {
	if len(a) == 0 || len(a) > 32 || a[0] < 'a' || a[0] > 'z' {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

func tokenAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
