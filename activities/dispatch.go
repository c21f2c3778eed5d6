package activities

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ippo-center/ippo"
)

// Dispatcher delivers the emails lifecycles write with their steps
// (RecordEffects), in the worker process, outside every workflow.
//
// Why a dispatcher and not an activity or a workflow per email: the email
// row is written in the same transaction as the step that asked for it, so
// an email exists if and only if its step does; a claim on the row is the
// whole hand-over, with no second system (a workflow start after the
// commit) that could be lost between the two and would need a sweeper
// anyway. Lifecycles spend no workflow task, activity or history event on
// delivery, and SendGrid's outages and 429s are met in one place, with
// backoff that follows the program clock.
//
// Exactly once: an email is claimed queued → sending in one statement
// (SKIP LOCKED, so several worker processes share the queue) before it
// goes to SendGrid, and its outcome is recorded after, by the rule of
// Notify: 2xx sent; 429, 5xx or no connection back to queued with a later
// dispatch_at; any other 4xx failed with a staff task; no answer unknown
// with a staff task. An email found still sending well after every
// attempt would have ended (the process was killed between the claim and
// the answer) becomes unknown with a staff task: never resent
// automatically.
type Dispatcher struct {
	A   *Activities
	Log *slog.Logger
	// Poll is how often the queue is read when it was empty (default 250 ms).
	Poll time.Duration
	// Parallel is how many emails are sent at once (default 8).
	Parallel int
	paused   *pause
	// StaleAfter is how long a claimed email may stay "sending" before its
	// attempt is taken to have died (default 2 minutes: longer than a send,
	// sendTimeout, and the recording of its answer, persist, together).
	StaleAfter time.Duration
}

// Run delivers due emails until ctx ends. It keeps going when PostgreSQL
// or SendGrid is out of reach. Sends under way when ctx ends are finished
// (an email half-sent would become unknown).
func (d *Dispatcher) Run(ctx context.Context) {
	poll := d.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	parallel := max(d.Parallel, 1)
	if d.Parallel == 0 {
		parallel = 8
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	d.paused = &pause{}
	staleAfter := d.StaleAfter
	if staleAfter <= 0 {
		staleAfter = 2 * time.Minute
	}
	slots := make(chan struct{}, parallel)
	lastSweep := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastSweep) > staleAfter/4 {
			d.sweep(ctx, staleAfter)
			lastSweep = time.Now()
		}
		// While SendGrid refuses (an outage, a rate limit), the whole
		// queue waits and one email at a time probes whether it is back:
		// no churn of claims that a crash could leave half-done.
		if wait := d.paused.until(); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			continue
		}
		// Claim no more than can go to SendGrid at once: a claimed email
		// then waits for no slot before its send, so a crash (SIGKILL)
		// cuts off as few claims as possible — each of those becomes
		// unknown with a staff task, never resent.
		batch := parallel - len(slots)
		if d.paused.failing() {
			batch = 1
			wg.Wait()
		}
		if batch <= 0 {
			select {
			case <-ctx.Done():
			case <-time.After(poll / 10):
			}
			continue
		}
		emails, err := d.A.DB.ClaimDueEmails(ctx, batch)
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("email dispatcher: cannot read the queue", "error", err.Error())
		}
		for _, e := range emails {
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				d.send(context.WithoutCancel(ctx), e)
			}()
		}
		if len(emails) == batch && !d.paused.failing() {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// send hands one claimed email to SendGrid and records what came of it.
func (d *Dispatcher) send(ctx context.Context, e ippo.OutboxEmail) {
	a := d.A
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	msgID, sendErr := a.Sender.Send(sendCtx, Outgoing{
		OutboxID: e.ID, To: e.Recipient, ToName: e.RecipientName, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Category: e.Template,
	})
	var err error
	switch {
	case sendErr == nil:
		d.paused.clear()
		_, err = a.recordSent(ctx, e, msgID)
	case a.classify(sendErr) == SendPermanent:
		_, err = a.markForStaff(ctx, e, ippo.EmailFailed, ippo.EmailSending, sendErr.Error())
	case a.classify(sendErr) == SendAmbiguous:
		_, err = a.markForStaff(ctx, e, ippo.EmailUnknown, ippo.EmailSending, sendErr.Error())
	default:
		delay := d.paused.fail(a.retryDelay, retryAfter(sendErr))
		next := time.Now().Add(max(delay, a.retryDelay(e.Attempts, retryAfter(sendErr))))
		err = a.persist(ctx, func(ctx context.Context) error { return a.DB.RequeueEmail(ctx, e.ID, next, sendErr.Error()) })
	}
	if err != nil {
		// The row stays "sending"; the sweep turns it into unknown for staff.
		d.Log.Error("email dispatcher: outcome not recorded", "outbox_id", e.ID, "error", err.Error())
	}
}

// sweep turns emails whose attempt died after the claim into unknown.
func (d *Dispatcher) sweep(ctx context.Context, staleAfter time.Duration) {
	stale, err := d.A.DB.StaleDispatches(ctx, time.Now().Add(-staleAfter))
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("email dispatcher: cannot look for interrupted sends", "error", err.Error())
		}
		return
	}
	for _, e := range stale {
		if _, err := d.A.markForStaff(ctx, e, ippo.EmailUnknown, ippo.EmailSending,
			"an earlier attempt was interrupted after it was claimed for SendGrid; it was not sent again"); err != nil {
			d.Log.Warn("email dispatcher: cannot mark an interrupted send", "outbox_id", e.ID, "error", err.Error())
		}
	}
}

// pause is the dispatcher's backoff while SendGrid refuses every email
// (429 or 5xx): one clock for the whole queue, doubling with each refusal
// in a row, cleared by the first email it takes.
type pause struct {
	mu    sync.Mutex
	fails int
	at    time.Time
}

// fail records a refusal and returns how long the queue waits.
func (p *pause) fail(delay func(int, time.Duration) time.Duration, asked time.Duration) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails++
	d := delay(p.fails, asked)
	p.at = time.Now().Add(d)
	return d
}

func (p *pause) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails, p.at = 0, time.Time{}
}

func (p *pause) failing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fails > 0
}

// until is how long the queue still waits.
func (p *pause) until() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Until(p.at)
}

// retryDelay is the wait before the next attempt after attempts tries that
// SendGrid did not take: doubling from one second up to a ceiling that
// follows the program clock (five minutes in real time, a few program
// hours on a compressed clock, so a reminder is not held back for days of
// program time), or longer if SendGrid asked for it (a 429's Retry-After,
// itself bounded by five minutes).
func (a *Activities) retryDelay(attempts int, asked time.Duration) time.Duration {
	ceiling := RetryCeiling(a.Clock)
	d := time.Second
	for i := 1; i < attempts && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return max(d, min(asked, 5*time.Minute))
}

// RetryCeiling is the longest wait between two tries of something that
// matters on the program's calendar (an email, a step's write): five
// minutes in real time, an eighth of a program day on a compressed clock
// (at least half a second: a SendGrid or PostgreSQL outage is not hammered
// however short the program's days).
func RetryCeiling(c ippo.Clock) time.Duration {
	if !c.Compressed() {
		return 5 * time.Minute
	}
	return max(c.MonthLength/30/8, 500*time.Millisecond)
}
