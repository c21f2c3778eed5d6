// Package requestlog carries a request's logger, which names the request's
// id, from the middleware that makes it (api's request IDs) to whatever
// serves the request on the same Gin engine: the API's handlers and the
// signed-link pages (linkpages), so their log lines join up by request id.
package requestlog

import (
	"log/slog"

	"github.com/gin-gonic/gin"
)

// key is where the logger is kept on the gin.Context.
const key = "ippo.logger"

// Set gives the request its logger.
func Set(c *gin.Context, l *slog.Logger) { c.Set(key, l) }

// From returns the request's logger, or slog.Default() if none was set.
func From(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(key); ok {
		if l, ok := l.(*slog.Logger); ok {
			return l
		}
	}
	return slog.Default()
}
