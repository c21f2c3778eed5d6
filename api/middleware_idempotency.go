package api

import (
	"bytes"
	"context"
	"crypto/sha256"
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
func idempotency(store IdempotencyStore) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("Idempotency-Key")
		a, ok := actorOf(c)
		if c.Request.Method != http.MethodPost || key == "" || !ok {
			c.Next()
			return
		}
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
			c.Header("Idempotent-Replayed", "true")
			ct := "application/json"
			if prev.Status >= 400 {
				ct = "application/problem+json"
			}
			c.Data(prev.Status, ct, prev.Body)
			c.Abort()
			return
		}
		c.Set(ctxIdempotencyKey, key)
		rec := &recorder{ResponseWriter: c.Writer}
		c.Writer = rec
		c.Next()

		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if status := rec.Status(); status >= 500 {
			err = store.ForgetIdempotent(ctx, a.ID, key)
		} else {
			err = store.FinishIdempotent(ctx, a.ID, key, status, rec.body.Bytes())
		}
		if err != nil {
			logger(c).Error("idempotency record failed", "error", err.Error())
		}
	}
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
