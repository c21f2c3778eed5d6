package workflows

import (
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/workflow"
)

// ContractState is the worker's contract (業務委託契約, 準委任): the current
// term and the policy values it was made under.
type ContractState struct {
	SignedOn   ippo.Date
	TermStart  ippo.Date
	TermEnd    ippo.Date
	Extensions int
	// Policy of the current term, read when it began, so validators can
	// answer without an activity.
	ExtensionMonths int
	NoticeDays      int
	ReminderDays    int
	RateYen         int
	// Reminded is set once the current term's extension reminder is sent.
	Reminded bool
	Ending   *Ending `json:",omitempty"`
}

// Ending is a notice that the contract will not be extended.
type Ending struct {
	By       string // center or worker
	NoticeOn ippo.Date
	EndsOn   ippo.Date
	NoteID   string `json:",omitempty"`
}

// Who ends a contract.
const (
	ByCenter = "center"
	ByWorker = "worker"
)

// SignContract signs the contract on SignedOn (zero: today).
type SignContract struct {
	SignedOn ippo.Date
	Actor    string
}

// EndContract stops the automatic extension. The worker may opt out any
// time before the extension date; the center must give notice NoticeDays
// before the end. EndsOn (optional, center only) names a later term end
// when it is too late for the current one.
type EndContract struct {
	By     string
	EndsOn ippo.Date
	NoteID string
	Actor  string
}

// extensionAt is when the next term would begin.
func (c *ContractState) extensionAt() time.Time { return c.TermEnd.AddDays(1).Start() }

// reminderAt is when the worker is told of the coming extension (09:00 on
// the day, not at midnight), or zero if no extension is coming.
func (c *ContractState) reminderAt() time.Time {
	if c.Reminded || c.endsAtTermEnd() {
		return time.Time{}
	}
	return c.TermEnd.AddDays(1 - c.ReminderDays).Start().Add(9 * time.Hour)
}

// endsAtTermEnd reports whether the contract ends with the current term.
func (c *ContractState) endsAtTermEnd() bool {
	return c.Ending != nil && !c.Ending.EndsOn.After(c.TermEnd)
}

// termEnds returns the current and the next n-1 term ends, assuming the
// current extension length holds.
func (c *ContractState) termEnds(n int) []ippo.Date {
	ends := []ippo.Date{c.TermEnd}
	for len(ends) < n {
		ends = append(ends, ippo.AddMonthsCivil(ends[len(ends)-1].AddDays(1), c.ExtensionMonths))
	}
	return ends
}

// earliestCenterEnd is the first term end the center can still give notice for.
func (c *ContractState) earliestCenterEnd(today ippo.Date) ippo.Date {
	for _, end := range c.termEnds(64) {
		if !today.After(end.AddDays(-c.NoticeDays)) {
			return end
		}
	}
	return ippo.Date{}
}

func (l *lifecycle) validateSignContract(ctx workflow.Context, sc SignContract) error {
	if !l.fits(ippo.StepContract) {
		return l.wrongPhase("signing a contract")
	}
	today := l.today(ctx)
	switch on := sc.SignedOn; {
	case on.IsZero():
	case on.After(today):
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "signed_on", Message: fmt.Sprintf("cannot be in the future (today is %s)", today)}}))
	case on.Before(l.s.AppliedOn):
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "signed_on", Message: fmt.Sprintf("cannot be before the application (%s)", l.s.AppliedOn)}}))
	}
	return nil
}

func (l *lifecycle) signContract(ctx workflow.Context, sc SignContract) (StepResult, error) {
	l.mu.Lock(ctx)
	defer l.mu.Unlock()
	if err := l.validateSignContract(ctx, sc); err != nil {
		return StepResult{}, err
	}
	on := sc.SignedOn
	if on.IsZero() {
		on = l.today(ctx)
	}
	var p ippo.Policy
	if err := execute(ctx, a.PolicyAt, on).Get(ctx, &p); err != nil {
		return StepResult{}, err
	}
	c := &ContractState{SignedOn: on}
	c.beginTerm(on, ippo.AddMonthsCivil(on, p.TermMonths), p)
	l.s.Contract, l.s.Phase, l.s.Status = c, ippo.PhaseActive, StatusUnderContract
	l.startCadence(p)
	l.step(ctx, "contract_signed", sc.Actor, "", map[string]any{
		"signed_on": on.String(), "term_end": c.TermEnd.String(), "rate_yen": c.RateYen,
	})
	l.notify(ctx, activities.EmailContractTerms, l.termsFacts(false))
	l.dirty = true
	return l.result(), nil
}

func (c *ContractState) beginTerm(start, end ippo.Date, p ippo.Policy) {
	c.TermStart, c.TermEnd = start, end
	c.ExtensionMonths, c.NoticeDays, c.ReminderDays = p.ExtensionMonths, p.NoticeDays, p.ReminderDays
	c.RateYen = p.Wages.RateOn(start)
	c.Reminded = false
}

func (l *lifecycle) termsFacts(extension bool) activities.Facts {
	c := l.s.Contract
	next := c.TermEnd.AddDays(1)
	return activities.Facts{
		Extension:       extension,
		Final:           c.endsAtTermEnd(),
		TermStart:       c.TermStart,
		TermEnd:         c.TermEnd,
		NextStart:       next,
		NextEnd:         ippo.AddMonthsCivil(next, c.ExtensionMonths),
		OptOutBy:        c.TermEnd,
		RateYen:         c.RateYen,
		ExtensionMonths: c.ExtensionMonths,
		LinkExpires:     c.TermEnd,
	}
}

func (l *lifecycle) validateEndContract(ctx workflow.Context, e EndContract) error {
	c := l.s.Contract
	// An active contract that already ends is refused below, saying when.
	if !ippo.PhaseAllows(l.s.Phase, ippo.StepNonRenewal) || c == nil {
		return l.wrongPhase("ending the contract")
	}
	if c.Ending != nil {
		return refuse(&ippo.Error{Code: ippo.ECONFLICT, Phase: l.s.Phase, Allowed: l.allowed(),
			Message: fmt.Sprintf("the contract already ends on %s (notice by the %s on %s)", c.Ending.EndsOn, c.Ending.By, c.Ending.NoticeOn)})
	}
	today := l.today(ctx)
	switch e.By {
	case ByWorker:
		if !e.EndsOn.IsZero() && e.EndsOn != c.TermEnd {
			return refuse(ippo.Invalid([]ippo.FieldError{{Field: "ends_on", Message: fmt.Sprintf("a worker's opt-out ends the contract with the current term, on %s", c.TermEnd)}}))
		}
	case ByCenter:
		earliest := c.earliestCenterEnd(today)
		if e.EndsOn.IsZero() {
			if earliest != c.TermEnd {
				return refuse(&ippo.Error{
					Code:  ippo.ECONFLICT,
					Phase: l.s.Phase,
					Message: fmt.Sprintf("too late to end the contract on %s: the center must give notice at least %d days before the end (by %s); the earliest possible end date is %s",
						c.TermEnd, c.NoticeDays, c.TermEnd.AddDays(-c.NoticeDays), earliest),
					Details: map[string]string{"earliest_end_date": earliest.String()},
				})
			}
			return nil
		}
		ends := c.termEnds(64)
		isEnd := false
		for _, end := range ends {
			isEnd = isEnd || end == e.EndsOn
		}
		switch {
		case !isEnd:
			return refuse(ippo.Invalid([]ippo.FieldError{{Field: "ends_on", Message: fmt.Sprintf("must be the last day of a term (%s, %s, %s, …)", ends[0], ends[1], ends[2])}}))
		case e.EndsOn.Before(earliest):
			return refuse(&ippo.Error{
				Code:    ippo.ECONFLICT,
				Phase:   l.s.Phase,
				Message: fmt.Sprintf("too late to end the contract on %s: notice must be given at least %d days before; the earliest possible end date is %s", e.EndsOn, c.NoticeDays, earliest),
				Details: map[string]string{"earliest_end_date": earliest.String()},
			})
		}
	default:
		return refuse(ippo.Invalid([]ippo.FieldError{{Field: "by", Message: "must be center or worker"}}))
	}
	return nil
}

func (l *lifecycle) endContract(ctx workflow.Context, e EndContract) (StepResult, error) {
	l.mu.Lock(ctx)
	defer l.mu.Unlock()
	if err := l.validateEndContract(ctx, e); err != nil {
		return StepResult{}, err
	}
	c := l.s.Contract
	ends := e.EndsOn
	if ends.IsZero() {
		ends = c.TermEnd
	}
	c.Ending = &Ending{By: e.By, NoticeOn: l.today(ctx), EndsOn: ends, NoteID: e.NoteID}
	l.s.Status = StatusEnding
	kind := "opted_out"
	if e.By == ByCenter {
		kind = "non_renewal_given"
	}
	l.step(ctx, kind, e.Actor, e.NoteID, map[string]any{"by": e.By, "ends_on": ends.String()})
	if e.By == ByCenter {
		l.notify(ctx, activities.EmailNonRenewalNotice, activities.Facts{TermEnd: ends, NoteID: e.NoteID, NoticeDays: c.NoticeDays})
	}
	l.dirty = true
	return l.result(), nil
}

// contractOnTime sends the reminder, and at the end of a term extends the
// contract or ends it.
func (l *lifecycle) contractOnTime(ctx workflow.Context) {
	c := l.s.Contract
	if c == nil {
		return
	}
	now := l.now(ctx)
	if at := c.reminderAt(); !at.IsZero() && !now.Before(at) {
		c.Reminded = true
		if now.Before(c.extensionAt()) {
			l.step(ctx, "extension_reminder_sent", ippo.ActorSystem, "", map[string]any{"extension_on": c.TermEnd.AddDays(1).String()})
			l.notify(ctx, activities.EmailExtensionReminder, l.termsFacts(true))
		}
	}
	if now.Before(c.extensionAt()) {
		return
	}
	if c.endsAtTermEnd() {
		l.s.Phase, l.s.Status = ippo.PhaseEnded, StatusClosed
		l.releasePlace(ctx)
		l.step(ctx, "contract_ended", ippo.ActorSystem, c.Ending.NoteID, map[string]any{"ended_on": c.TermEnd.String(), "by": c.Ending.By})
		return
	}
	start := c.TermEnd.AddDays(1)
	var p ippo.Policy
	if err := execute(ctx, a.PolicyAt, start).Get(ctx, &p); err != nil {
		l.log.Error("read policy failed", "error", err)
		return
	}
	end := ippo.AddMonthsCivil(start, p.ExtensionMonths)
	if c.Ending != nil && c.Ending.EndsOn.Before(end) {
		end = c.Ending.EndsOn // the center's notice named an earlier end
	}
	c.beginTerm(start, end, p)
	c.Extensions++
	l.cadenceAtExtension(p)
	l.step(ctx, "contract_extended", ippo.ActorSystem, "", map[string]any{
		"term_start": start.String(), "term_end": end.String(), "extensions": c.Extensions, "rate_yen": c.RateYen,
	})
	l.notify(ctx, activities.EmailContractTerms, l.termsFacts(true))
	l.can = true // a new term starts a new run: histories stay short for years
}
