package api

import (
	"time"

	"github.com/gin-gonic/gin"
)

// accessLog logs each request: route (not the raw path's query), status,
// duration and the token id. Never bodies, names or emails.
func accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		attrs := []any{
			"method", c.Request.Method, "route", route, "status", c.Writer.Status(),
			"duration_ms", time.Since(start).Milliseconds(),
		}
		if a, ok := actorOf(c); ok {
			attrs = append(attrs, "actor_id", a.ID)
		}
		logger(c).Info("request", attrs...)
	}
}
