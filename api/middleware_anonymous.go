package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/internal/clientlimit"
)

// Requests without a valid staff token that one client (an address) may
// send a minute before it is refused unaudited. A person who mistypes a
// token stays far below it; a script trying tokens, or flooding the audit
// log with refusals, does not.
const (
	defaultAnonymousPerMinute = 120
	maxAnonymousClients       = 10000
)

// limitAnonymous runs before the audit log. It counts each client's
// requests that were refused for want of a valid token (401); a client over
// its budget is answered 429 before anything is written, unless its request
// carries a valid token (staff behind the same address as a noisy client
// keep working). The client is the connection's address, or behind a
// trusted proxy the address it forwarded.
func limitAnonymous(tokens Tokens, l *clientlimit.Limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		client := c.ClientIP()
		if l.Over(client, time.Now()) && !validToken(c, tokens) {
			c.Header("Retry-After", "60")
			problemf(c, codeRateLimited, "too many requests without a valid staff token from this address; try again in a minute")
			return
		}
		c.Next()
		if c.Writer.Status() == http.StatusUnauthorized {
			l.Add(client, time.Now())
		}
	}
}

func validToken(c *gin.Context, tokens Tokens) bool {
	secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(secret) == "" {
		return false
	}
	_, err := tokens.TokenBySecret(c.Request.Context(), strings.TrimSpace(secret))
	return err == nil
}
