package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/clientlimit"
	"github.com/ippo-center/ippo/postgres"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Server is the staff API.
type Server struct {
	DB        *postgres.DB
	Temporal  client.Client
	TaskQueue string
	// Email configures SendGrid's webhook.
	Email EmailOptions
	// LinkPages are the signed-link pages (linkpages.Pages), served on
	// this engine under their own path with no staff token, sharing its
	// request IDs, logs, metrics, panic recovery and trusted proxies; nil
	// serves none.
	LinkPages interface{ Register(gin.IRouter) }
	// Clock is the installation's program clock (IPPO_MONTH_LENGTH).
	Clock ippo.Clock
	Log   *slog.Logger
	// Metrics is the Prometheus registry served at /metrics (HTTP metrics
	// are added to it; the Temporal SDK's may be too). Nil: a new one.
	Metrics *prometheus.Registry
	// RatePerSecond and RateBurst bound each staff token's requests
	// (zero: 50 a second with bursts of 500); beyond them, 429.
	RatePerSecond float64
	RateBurst     int
	// AnonymousPerMinute bounds the requests without a valid token one
	// client may send a minute (zero: 120); beyond it, 429 before the
	// audit log.
	AnonymousPerMinute int
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For names the client; none by default, so the client is
	// the connection's address and the header cannot be forged.
	TrustedProxies []string
	// Codec configures /codec/{namespace}/decode and /encode.
	Codec CodecOptions

	doc     *openapi3.T
	engine  *gin.Engine
	started atomic.Bool
}

// Start opens the API once the database is ready and the clock is known.
// Until then /api/v1 answers 503.
func (s *Server) Start(clock ippo.Clock) {
	s.Clock = clock
	s.started.Store(true)
}

func (s *Server) whenStarted(c *gin.Context) {
	if !s.started.Load() {
		c.Header("Retry-After", "2")
		problemf(c, codeUnavailable, "Ippo is starting: waiting for PostgreSQL and its migrations")
		return
	}
	c.Next()
}

// permissions is the minimum role for each route. A route missing here is
// open to no one (authorize denies by default), and a test walks the router
// to prove every route is listed.
var permissions = map[string]app.Role{
	"POST /api/v1/applicants":                       app.RoleStaff,
	"GET /api/v1/workers":                           app.RoleViewer,
	"GET /api/v1/workers/:id":                       app.RoleViewer,
	"GET /api/v1/workers/:id/timeline":              app.RoleViewer,
	"POST /api/v1/workers/:id/eligibility":          app.RoleStaff,
	"POST /api/v1/workers/:id/contract":             app.RoleStaff,
	"POST /api/v1/workers/:id/contract/non-renewal": app.RoleStaff,
	"POST /api/v1/workers/:id/withdrawal":           app.RoleStaff,
	"GET /api/v1/agencies":                          app.RoleViewer,
	"POST /api/v1/agencies":                         app.RoleAdmin,
	"GET /api/v1/outbox":                            app.RoleViewer,
	"GET /api/v1/outbox/:id":                        app.RoleViewer,
	"POST /api/v1/outbox/:id/resend":                app.RoleStaff,

	"GET /api/v1/staff-tasks":           app.RoleViewer,
	"POST /api/v1/staff-tasks/:id/done": app.RoleStaff,
	"GET /api/v1/policy":                app.RoleViewer,
	"GET /api/v1/clock":                 app.RoleViewer,
	"PUT /api/v1/policy":                app.RoleAdmin,
	"GET /api/v1/tokens":                app.RoleAdmin,
	"POST /api/v1/tokens":               app.RoleAdmin,
	"DELETE /api/v1/tokens/:id":         app.RoleAdmin,
	"GET /api/v1/audit":                 app.RoleAdmin,

	// schedule, attendance, work and the monthly close (issue 5)
	"GET /api/v1/workers/:id/schedule":       app.RoleViewer,
	"PUT /api/v1/workers/:id/schedule":       app.RoleStaff,
	"PUT /api/v1/workers/:id/other-services": app.RoleStaff,
	"GET /api/v1/workers/:id/absences":       app.RoleViewer,
	"POST /api/v1/workers/:id/absences":      app.RoleStaff,
	"GET /api/v1/workers/:id/work-logs":      app.RoleViewer,
	"POST /api/v1/workers/:id/work-logs":     app.RoleStaff,
	"GET /api/v1/workers/:id/tasks":          app.RoleViewer,
	"POST /api/v1/workers/:id/tasks":         app.RoleStaff,
	"GET /api/v1/workers/:id/statements":     app.RoleViewer,
	"GET /api/v1/tasks":                      app.RoleViewer,
	"POST /api/v1/tasks":                     app.RoleStaff,
	// matching (issue 14)
	"GET /api/v1/tasks/:id/suggestions":   app.RoleViewer,
	"GET /api/v1/tasks/:id/requests":      app.RoleViewer,
	"POST /api/v1/tasks/:id/requests":     app.RoleStaff,
	"POST /api/v1/tasks/:id/assignment":   app.RoleStaff,
	"POST /api/v1/tasks/:id/delivery":     app.RoleStaff,
	"POST /api/v1/tasks/:id/close":        app.RoleStaff,
	"POST /api/v1/tasks/:id/cancellation": app.RoleStaff,
	"GET /api/v1/tasks/:id/timeline":      app.RoleViewer,
	"GET /api/v1/workers/:id/preferences": app.RoleViewer,
	"PUT /api/v1/workers/:id/preferences": app.RoleStaff,
	"GET /api/v1/statements":              app.RoleViewer,
	"GET /api/v1/closes":                  app.RoleViewer,
	"POST /api/v1/closes":                 app.RoleAdmin,
	"POST /api/v1/imports":                app.RoleAdmin,

	// assessments, consents, graduation and handoff (issue 6)
	"GET /api/v1/workers/:id/assessments":                           app.RoleViewer,
	"POST /api/v1/workers/:id/assessments":                          app.RoleStaff,
	"GET /api/v1/workers/:id/consents":                              app.RoleViewer,
	"POST /api/v1/workers/:id/consents":                             app.RoleStaff,
	"POST /api/v1/workers/:id/graduation":                           app.RoleStaff,
	"GET /api/v1/workers/:id/handoffs":                              app.RoleViewer,
	"POST /api/v1/workers/:id/handoffs/:handoff_id/acknowledgement": app.RoleStaff,

	// reports
	"GET /api/v1/reports/monthly": app.RoleViewer,

	// the codec endpoint (codec.go): decoding is reading, encoding a step
	"POST /codec/:namespace/decode": app.RoleViewer,
	"POST /codec/:namespace/encode": app.RoleStaff,
}

// Handler builds the HTTP handler: public routes (health, documentation)
// and the authenticated /api/v1 group, all routes in this one place.
func (s *Server) Handler() (http.Handler, error) {
	doc, err := GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route OpenAPI document: %w", err)
	}
	s.doc = doc
	if s.Log == nil {
		s.Log = slog.Default()
	}

	if s.Metrics == nil {
		s.Metrics = prometheus.NewRegistry()
	}
	metrics := newHTTPMetrics(s.Metrics)

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	if err := e.SetTrustedProxies(s.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(requestIDs(s.Log), metrics.middleware(), accessLog(), recoverPanics())
	e.NoRoute(func(c *gin.Context) {
		problemf(c, codeNoRoute, "no endpoint %s %s", c.Request.Method, c.Request.URL.Path)
	})
	e.NoMethod(func(c *gin.Context) {
		problemf(c, codeMethod, "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path)
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{})))
	e.GET("/api/v1/openapi.json", s.openapiJSON)
	e.GET("/api/v1/docs", s.docsPage)
	s.emailRoutes(e) // SendGrid's webhook: no staff token
	if s.LinkPages != nil {
		s.LinkPages.Register(e) // the signed-link pages: a link is its own credential
	}
	s.codecRoutes(e) // the Temporal Web UI's codec endpoint: a staff token, CORS for the UI

	anonymous := s.AnonymousPerMinute
	if anonymous <= 0 {
		anonymous = defaultAnonymousPerMinute
	}
	anonymousLimit := clientlimit.New(anonymous, time.Minute, maxAnonymousClients)
	v1 := e.Group("/api/v1", s.whenStarted, limitBody(), limitAnonymous(s.DB, anonymousLimit), audit(s.DB), authorize(s.DB), newTokenLimiter(s.RatePerSecond, s.RateBurst).middleware(), checkInput(), validateRequests(router), idempotency(s.DB))
	RegisterHandlersWithOptions(v1, s, GinServerOptions{ErrorHandler: parameterError})
	s.engine = e
	return e, nil
}

// Routes lists the registered routes (for tests that walk the router).
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

func init() {
	// kin-openapi checks formats only when told how.
	openapi3.DefineStringFormatCallback("uuid", func(s string) error {
		if !isUUID(s) {
			return errors.New("must be a UUID")
		}
		return nil
	})
}

// parameterError answers a parameter the generated router could not read
// (the validator catches most first) with the parameter's name.
func parameterError(c *gin.Context, err error, _ int) {
	msg := err.Error()
	name := "parameter"
	if _, rest, ok := strings.Cut(msg, "parameter "); ok {
		name, _, _ = strings.Cut(rest, ":")
	}
	fail(c, ippo.Invalid([]ippo.FieldError{{Field: name, Message: "has an invalid format"}}))
}

// Permission returns the minimum role for a route ("GET", "/api/v1/workers/:id"),
// and whether the route is listed at all.
func Permission(method, route string) (app.Role, bool) {
	r, ok := permissions[method+" "+route]
	return r, ok
}
