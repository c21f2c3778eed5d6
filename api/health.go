package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
)

// healthz answers while the process is up.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 when PostgreSQL and Temporal both answer, and 503
// naming the part that does not.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]func(context.Context) error{
		"postgres": s.DB.Ping,
		"temporal": func(ctx context.Context) error {
			_, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		},
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		results = map[string]string{}
		down    []string
	)
	for name, check := range checks {
		wg.Go(func() {
			status := "ok"
			if err := check(ctx); err != nil {
				status = "unreachable"
				logger(c).Warn("readiness check failed", "part", name, "error", err.Error())
			}
			mu.Lock()
			defer mu.Unlock()
			results[name] = status
			if status != "ok" {
				down = append(down, name)
			}
		})
	}
	wg.Wait()
	if !s.started.Load() {
		results["ippo"] = "starting"
		down = append(down, "ippo")
	}
	if len(down) > 0 {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": results, "down": down})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": results})
}
