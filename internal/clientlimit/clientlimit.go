// Package clientlimit counts requests per client (an address) in fixed
// windows, remembering a bounded number of clients.
//
// When it is full it forgets the client seen least recently, never stops
// counting: a flood of new addresses pushes out idle clients, while a client
// that keeps sending stays the most recent and keeps being counted. (An
// earlier limiter stopped counting new clients once it knew 10,000, which a
// flood of addresses could use to switch it off.)
package clientlimit

import (
	"container/list"
	"sync"
	"time"
)

// Limiter allows each client Per requests per Window.
type Limiter struct {
	mu      sync.Mutex
	per     int
	window  time.Duration
	max     int
	order   *list.List // of *entry, most recently seen first
	clients map[string]*list.Element
}

type entry struct {
	client string
	start  time.Time // the client's current window
	count  int
}

// New returns a limiter of per requests per window for each of at most max
// clients.
func New(per int, window time.Duration, max int) *Limiter {
	return &Limiter{per: per, window: window, max: max, order: list.New(), clients: map[string]*list.Element{}}
}

// Allow counts a request of client at now and reports whether it is within
// the client's budget.
func (l *Limiter) Allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(client, now)
	e.count++
	return e.count <= l.per
}

// Over reports, without counting, whether client has spent its budget.
func (l *Limiter) Over(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.clients[client]
	if !ok {
		return false
	}
	e := el.Value.(*entry)
	return now.Sub(e.start) < l.window && e.count >= l.per
}

// Add counts a request of client at now without asking.
func (l *Limiter) Add(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entry(client, now).count++
}

// Len is the number of clients remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// entry returns client's entry, in a current window, as the most recent.
func (l *Limiter) entry(client string, now time.Time) *entry {
	if el, ok := l.clients[client]; ok {
		l.order.MoveToFront(el)
		e := el.Value.(*entry)
		if now.Sub(e.start) >= l.window {
			e.start, e.count = now, 0
		}
		return e
	}
	if l.max > 0 && len(l.clients) >= l.max {
		oldest := l.order.Back()
		delete(l.clients, oldest.Value.(*entry).client)
		l.order.Remove(oldest)
	}
	e := &entry{client: client, start: now}
	l.clients[client] = l.order.PushFront(e)
	return e
}
