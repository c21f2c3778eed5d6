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
	// SubmittedAt is the real instant the notice reached Ippo (the link
	// page's first submission, the API request), set by the server, never
	// by the sender. From changeEffects on, the notice is judged on that
	// day: one given in time counts as in time even if it is applied later
	// (Temporal or the worker process was down meanwhile).
	SubmittedAt time.Time `json:",omitzero"`
}

// noticeDay is the program day a notice counts from: the day it was
// submitted, if that is earlier than today (changeEffects on).
func (l *lifecycle) noticeDay(ctx workflow.Context, e EndContract) ippo.Date {
	today := l.today(ctx)
	if l.effects && !e.SubmittedAt.IsZero() {
		if d := l.s.Clock.Today(e.SubmittedAt); d.Before(today) {
			return d
		}
	}
	return today
}

// lateOptOut reports whether e is a worker's opt-out of the extension that
// began the current term, submitted before that extension but applied
// after it: it counts, and the contract ends with the term it named.
func (l *lifecycle) lateOptOut(ctx workflow.Context, e EndContract) bool {
	c := l.s.Contract
	return l.effects && e.By == ByWorker && !e.SubmittedAt.IsZero() && c.Extensions > 0 &&
		e.EndsOn == c.TermStart.AddDays(-1) && !l.noticeDay(ctx, e).After(e.EndsOn)
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
	defer l.answer(ctx)
	if err := l.validateSignContract(ctx, sc); err != nil {
		return StepResult{}, err
	}
	on := sc.SignedOn
	if on.IsZero() {
		on = l.today(ctx)
	}
	var p ippo.Policy
	if err := l.exec(ctx, a.PolicyAt, on).Get(ctx, &p); err != nil {
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

// imported records the contract of an imported worker in its current term,
// so the next reminder, extension and assessment come on their dates. It
// sends no email: the worker already knows their terms.
func (l *lifecycle) imported(ctx workflow.Context, actor string, ic ImportedContract) {
	var p ippo.Policy
	if err := l.exec(ctx, a.PolicyAt, ic.TermStart).Get(ctx, &p); err != nil {
		l.log.Error("read policy failed", "error", err) // retries are unlimited: a cancellation
		return
	}
	c := &ContractState{SignedOn: ic.SignedOn, Extensions: ic.Extensions}
	c.beginTerm(ic.TermStart, ic.TermEnd, p)
	l.s.Contract = c
	l.startCadence(p)
	l.step(ctx, "imported", actor, "", map[string]any{
		"signed_on": ic.SignedOn.String(), "term_start": ic.TermStart.String(), "term_end": ic.TermEnd.String(),
		"extensions": ic.Extensions, "rate_yen": c.RateYen,
	})
	l.dirty = true
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
	today := l.noticeDay(ctx, e)
	switch e.By {
	case ByWorker:
		if !e.EndsOn.IsZero() && e.EndsOn != c.TermEnd && !l.lateOptOut(ctx, e) {
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
	defer l.answer(ctx)
	l.extendDueBy(ctx, l.noticeDay(ctx, e))
	if err := l.validateEndContract(ctx, e); err != nil {
		return StepResult{}, err
	}
	c := l.s.Contract
	ends := e.EndsOn
	if ends.IsZero() {
		ends = c.TermEnd
	}
	if l.lateOptOut(ctx, e) {
		l.endLate(ctx, e)
		return l.result(), nil
	}
	c.Ending = &Ending{By: e.By, NoticeOn: l.noticeDay(ctx, e), EndsOn: ends, NoteID: e.NoteID}
	l.s.Status = StatusEnding
	kind := "opted_out"
	if e.By == ByCenter {
		kind = "non_renewal_given"
	}
	// notice_on is the day the notice counts from (its submission day),
	// so the timeline shows what the decision was made on.
	l.step(ctx, kind, e.Actor, e.NoteID, map[string]any{"by": e.By, "ends_on": ends.String(), "notice_on": c.Ending.NoticeOn.String()})
	if e.By == ByCenter {
		l.notify(ctx, activities.EmailNonRenewalNotice, activities.Facts{TermEnd: ends, NoteID: e.NoteID, NoticeDays: c.NoticeDays})
	}
	l.dirty = true
	return l.result(), nil
}

// extendDueBy makes the extension that came due on or before day but that
// the main loop has not made yet — its timer had not fired when the notice
// arrived (after a Temporal restart the server's timers can lag the
// updates it delivers) — so a notice is judged on the term current on its
// day, never on a term already over: an opt-out submitted after the
// extension date no longer ends the contract retroactively on the last
// term's end. Versioned (changeCatchUp), asked only when an extension is
// actually overdue.
func (l *lifecycle) extendDueBy(ctx workflow.Context, day ippo.Date) {
	for range 4 {
		c := l.s.Contract
		if !l.effects || l.s.Phase != ippo.PhaseActive || c == nil || c.Ending != nil {
			return
		}
		at := c.extensionAt()
		if at.After(day.Start()) || l.now(ctx).Before(at) {
			return
		}
		if workflow.GetVersion(ctx, changeCatchUp, workflow.DefaultVersion, 1) < 1 {
			return
		}
		l.contractOnTime(ctx)
		if c := l.s.Contract; c == nil || c.extensionAt() == at {
			return // nothing moved (the policy could not be read): decide as before
		}
	}
}

// endLate applies a timely opt-out that arrived after the extension it
// declined: the extension is withdrawn and the contract ends with the term
// the worker named, as it would have had the opt-out arrived at once.
func (l *lifecycle) endLate(ctx workflow.Context, e EndContract) {
	c := l.s.Contract
	withdrawn := c.TermStart
	c.Ending = &Ending{By: ByWorker, NoticeOn: l.noticeDay(ctx, e), EndsOn: e.EndsOn, NoteID: e.NoteID}
	c.TermEnd = e.EndsOn
	c.Extensions--
	l.s.Status = StatusEnding
	l.step(ctx, "opted_out", e.Actor, e.NoteID, map[string]any{
		"by": ByWorker, "ends_on": e.EndsOn.String(), "submitted_on": c.Ending.NoticeOn.String(), "extension_withdrawn": withdrawn.String(),
	})
	l.s.Phase, l.s.Status = ippo.PhaseEnded, StatusClosed
	l.releasePlace(ctx)
	l.step(ctx, "contract_ended", ippo.ActorSystem, e.NoteID, map[string]any{"ended_on": e.EndsOn.String(), "by": ByWorker})
	l.dirty = true
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
		switch {
		case l.effects:
			// Never skipped: a reminder whose timer fired late (the worker
			// was down) is still sent, and one that the dispatcher delivers
			// after the extension says so (DeliverBy).
			l.step(ctx, "extension_reminder_sent", ippo.ActorSystem, "", map[string]any{
				"extension_on": c.TermEnd.AddDays(1).String(), "late": !now.Before(c.extensionAt()),
			})
			l.send(ctx, activities.Notice{
				Key:       fmt.Sprintf("%s/%s", l.key(), activities.EmailExtensionReminder),
				Email:     activities.EmailExtensionReminder,
				WorkerID:  l.s.WorkerID,
				Facts:     l.termsFacts(true),
				DeliverBy: l.s.Clock.Real(c.extensionAt()),
			})
		case now.Before(c.extensionAt()):
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
	if err := l.exec(ctx, a.PolicyAt, start).Get(ctx, &p); err != nil {
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
