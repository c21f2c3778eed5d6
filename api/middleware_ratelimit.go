package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Default request budget of one staff token: a person clicking through a
// console stays far below it; a runaway script is slowed, not the API.
const (
	defaultRatePerSecond = 50
	defaultRateBurst     = 500
)

// tokenLimiter keeps one token bucket per staff token.
type tokenLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
}

func newTokenLimiter(perSecond float64, burst int) *tokenLimiter {
	if perSecond <= 0 {
		perSecond = defaultRatePerSecond
	}
	if burst <= 0 {
		burst = defaultRateBurst
	}
	return &tokenLimiter{every: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

func (l *tokenLimiter) bucket(id string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[id]
	if !ok {
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[id] = b
	}
	return b
}

// limitRate answers 429 with Retry-After when a token spends its budget.
// It runs after authorize, so only known tokens have buckets.
func (l *tokenLimiter) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		a, ok := actorOf(c)
		if !ok {
			c.Next()
			return
		}
		r := l.bucket(a.ID).Reserve()
		if delay := r.Delay(); delay > 0 {
			r.Cancel()
			c.Header("Retry-After", strconv.Itoa(int(math.Ceil(max(delay, time.Second).Seconds()))))
			problemf(c, codeRateLimited, "this token sent too many requests; try again in %s", delay.Round(time.Second))
			return
		}
		c.Next()
	}
}
