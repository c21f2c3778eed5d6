package api

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
)

// IdempotencyStore keeps answers to requests sent with an Idempotency-Key.
type IdempotencyStore interface {
	BeginIdempotent(ctx context.Context, actorID, key, method, path string, hash []byte) (postgres.IdempotentResponse, bool, error)
	FinishIdempotent(ctx context.Context, actorID, key string, status int, body []byte) error
	ForgetIdempotent(ctx context.Context, actorID, key string) error
}

const ctxIdempotencyKey = "ippo.idempotency_key"

// idempotency makes a POST with an Idempotency-Key safe to retry: the first
// answer is stored and returned to every retry with the same key and body.
// The same key with another body is refused (422); a retry while the first
// is still running gets 409. Answers of 5xx are not kept, so a retry runs.
//
// What is kept holds nothing readable (answers carry names, emails, a new
// token's secret): the key is stored as a digest, and the answer sealed
// with a key derived from the client's Idempotency-Key, which only the
// client holds. Records expire after postgres.IdempotencyTTL.
func idempotency(store IdempotencyStore) gin.HandlerFunc {
	return func(c *gin.Context) {
		rawKey := c.GetHeader("Idempotency-Key")
		a, ok := actorOf(c)
		if c.Request.Method != http.MethodPost || rawKey == "" || !ok {
			c.Next()
			return
		}
		key, seal := idempotencyKeys(a.ID, rawKey)
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			problemf(c, codeTooLarge, "the body could not be read: %v", err)
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
		h.Write(body)
		hash := h.Sum(nil)

		ctx := c.Request.Context()
		prev, fresh, err := store.BeginIdempotent(ctx, a.ID, key, c.Request.Method, c.Request.URL.Path, hash)
		switch {
		case err != nil:
			fail(c, err)
			return
		case !fresh && !bytes.Equal(prev.RequestHash, hash):
			fail(c, &ippo.Error{Code: ippo.EINVALID, Message: "this Idempotency-Key was already used for a different request",
				Fields: []ippo.FieldError{{Field: "Idempotency-Key", Message: "use a new key for a new request"}}})
			return
		case !fresh && prev.Status == 0:
			problemf(c, ippo.ECONFLICT, "a request with this Idempotency-Key is still being processed; retry in a moment")
			return
		case !fresh:
			body, err := openSealed(seal, prev.Body)
			if err != nil {
				fail(c, fmt.Errorf("replay idempotent answer: %w", err))
				return
			}
			c.Header("Idempotent-Replayed", "true")
			ct := "application/json"
			if prev.Status >= 400 {
				ct = "application/problem+json"
			}
			c.Data(prev.Status, ct, body)
			c.Abort()
			return
		}
		c.Set(ctxIdempotencyKey, rawKey)
		rec := &recorder{ResponseWriter: c.Writer}
		c.Writer = rec
		c.Next()

		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if status := rec.Status(); status >= 500 {
			err = store.ForgetIdempotent(ctx, a.ID, key)
		} else {
			var sealed []byte
			if sealed, err = sealAnswer(seal, rec.body.Bytes()); err == nil {
				err = store.FinishIdempotent(ctx, a.ID, key, status, sealed)
			}
		}
		if err != nil {
			logger(c).Error("idempotency record failed", "error", err.Error())
		}
	}
}

// idempotencyKeys derives, from the client's Idempotency-Key, the digest
// the record is stored under and the key its answer is sealed with. Both
// are one-way: the database alone can read neither the key nor the answer.
func idempotencyKeys(actorID, rawKey string) (key string, seal []byte) {
	d := sha256.Sum256([]byte("ippo idempotency record\x00" + actorID + "\x00" + rawKey))
	s := sha256.Sum256([]byte("ippo idempotency answer\x00" + actorID + "\x00" + rawKey))
	return hex.EncodeToString(d[:]), s[:]
}

// sealAnswer encrypts an answer with AES-256-GCM under key, the nonce first.
func sealAnswer(key, plain []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal answer: %w", err)
	}
	return aead.Seal(nonce, nonce, plain, nil), nil
}

func openSealed(key, sealed []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed answer too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("answer cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// recorder keeps a copy of the response body.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
