package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
)

// bindJSON decodes the body into v. The validator has already checked it
// against the schema, so a failure here is a malformed body.
func bindJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			problemf(c, codeTooLarge, "the body is over the limit of %d bytes", tooLarge.Limit)
			return false
		}
		if errors.Is(err, io.EOF) {
			problemf(c, codeMalformed, "the body is empty; send a JSON object")
			return false
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			fail(c, ippo.Invalid([]ippo.FieldError{{Field: typeErr.Field, Message: "must be " + typeErr.Type.String()}}))
			return false
		}
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "body", Message: err.Error()}}))
		return false
	}
	return true
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// cursor encodes a position in a list ordered by (time, id).
func cursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func parseCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", ippo.Invalid([]ippo.FieldError{{Field: "cursor", Message: "is not a cursor this API gave out"}})
	}
	ts, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || !isUUID(id) {
		return time.Time{}, "", ippo.Invalid([]ippo.FieldError{{Field: "cursor", Message: "is not a cursor this API gave out"}})
	}
	return t, id, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func trimmed(p *string) string { return strings.TrimSpace(deref(p)) }

// writePage answers a page of items ordered by (time, id); a full page
// carries the cursor of its last item.
func writePage[T any](c *gin.Context, items []T, limit int, key func(T) (time.Time, string)) {
	page := gin.H{"items": nonNil(items)}
	if len(items) == limit && limit > 0 {
		page["next_cursor"] = cursor(key(items[len(items)-1]))
	}
	c.JSON(http.StatusOK, page)
}
