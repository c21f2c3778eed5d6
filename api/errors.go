package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/requestlog"
)

// problem is an RFC 9457 problem details object, with Ippo's extensions.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []ippo.FieldError `json:"errors,omitempty"`
	Phase     ippo.Phase        `json:"phase,omitempty"`
	Allowed   []string          `json:"allowed,omitempty"`
	// EarliestEndDate answers a late non-renewal.
	EarliestEndDate string `json:"earliest_end_date,omitempty"`
}

// Codes beyond the domain's, for what only HTTP knows.
const (
	codeMalformed   = "malformed" // the body is not JSON, or a parameter is unreadable
	codeTooLarge    = "too_large" // the body is over the limit
	codeRateLimited = "rate_limited"
	codeUnavailable = "unavailable" // PostgreSQL or Temporal is out of reach
	codeNoRoute     = "no_route"
	codeMethod      = "method_not_allowed"
)

// problems is the one table from error code to status and title.
var problems = map[string]struct {
	status int
	title  string
}{
	codeMalformed:      {http.StatusBadRequest, "The request could not be read"},
	ippo.EINVALID:      {http.StatusUnprocessableEntity, "The request breaks one or more rules"},
	ippo.EUNAUTHORIZED: {http.StatusUnauthorized, "A valid staff token is required"},
	ippo.EFORBIDDEN:    {http.StatusForbidden, "Your role does not allow this"},
	ippo.ENOTFOUND:     {http.StatusNotFound, "Not found"},
	codeNoRoute:        {http.StatusNotFound, "No such endpoint"},
	codeMethod:         {http.StatusMethodNotAllowed, "Method not allowed"},
	ippo.ECONFLICT:     {http.StatusConflict, "The step does not fit the worker's current phase"},
	codeTooLarge:       {http.StatusRequestEntityTooLarge, "The request body is too large"},
	codeRateLimited:    {http.StatusTooManyRequests, "Too many requests"},
	ippo.EINTERNAL:     {http.StatusInternalServerError, "Something went wrong on our side"},
	codeUnavailable:    {http.StatusServiceUnavailable, "A part of Ippo is out of reach; try again shortly"},
}

// fail answers the request with err as problem+json and stops the chain.
// Domain errors keep their message; anything else is logged with the
// request id and answered with a generic 500 (or 503 when a dependency is
// out of reach), never with its text.
func fail(c *gin.Context, err error) {
	var (
		e    *ippo.Error
		code = ippo.EINTERNAL
		p    problem
	)
	switch {
	case errors.As(err, &e):
		code = e.Code
		p.Detail, p.Errors, p.Phase, p.Allowed = e.Message, e.Fields, e.Phase, e.Allowed
		p.EarliestEndDate = e.Details["earliest_end_date"]
	case errors.Is(err, app.ErrStepPending):
		code, p.Detail = codeUnavailable, app.ErrStepPending.Error()
		logger(c).Warn("step pending", "error", err.Error())
	case errors.Is(err, errUnavailable), errors.Is(err, context.DeadlineExceeded):
		code = codeUnavailable
		logger(c).Warn("dependency unavailable", "error", err.Error())
	default:
		logger(c).Error("internal error", "error", err.Error())
	}
	row, ok := problems[code]
	if !ok {
		code, row = ippo.EINTERNAL, problems[ippo.EINTERNAL]
	}
	if code == ippo.EINTERNAL {
		p.Detail = "" // never show an internal error's text
	}
	p.Type = "/api/v1/docs#problem-" + code
	p.Title, p.Status = row.title, row.status
	p.Instance = c.Request.URL.Path
	p.RequestID = requestID(c)
	if p.Status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "2")
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="ippo"`)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
	c.Set(ctxOutcome, code)
}

// errUnavailable marks errors from a dependency that is out of reach.
var errUnavailable = app.ErrUnavailable

func problemf(c *gin.Context, code, format string, args ...any) {
	fail(c, ippo.Errorf(code, format, args...))
}

func logger(c *gin.Context) *slog.Logger { return requestlog.From(c) }
