package api

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OpsHandler serves only /healthz, /readyz and /metrics: what a process
// that runs only the Temporal worker (`ippo worker`) shows its supervisor
// (Kubernetes' probes) and Prometheus (the Temporal SDK's worker metrics).
func (s *Server) OpsHandler() http.Handler {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Metrics == nil {
		s.Metrics = prometheus.NewRegistry()
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(recoverPanics())
	e.NoRoute(func(c *gin.Context) {
		problemf(c, codeNoRoute, "a worker process serves only /healthz, /readyz and /metrics")
	})
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{})))
	return e
}
