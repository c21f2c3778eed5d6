package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"
)

// Graduation in the lifecycle: active → graduated, then handoffs to
// partner agencies and follow-up check-ins, then the lifecycle completes.
//
// Updates:
//   - UpdateGraduate (Graduate) → GraduationResult
//   - UpdateAcknowledgeHandoff (AcknowledgeHandoff) → HandoffAckResult:
//     an agency (signed link, actor "agency") or staff (received by other
//     means) confirms a handoff arrived.
//
// Signal: SignalConsentWithdrawn (ConsentWithdrawn), sent by the API after
// it has recorded the withdrawal in PostgreSQL.
//
// Each handoff is decided when it is sent: the ProvideHandoff activity
// reads the consent in PostgreSQL and provides (records what, to whom and
// when, then emails the agency) only with the consent in force; otherwise
// the handoff is cancelled and nothing reaches the agency. A sent handoff
// awaits the agency's acknowledgement until its AckBy date; after it staff
// are told once (email and to-do). A consent withdrawn after its handoff
// was sent stops the acknowledgement being chased, and staff get a to-do
// to tell the agency. Each provision record is deleted when its retention
// ends by its own ProvisionRetention workflow (retention.go), which
// outlives the lifecycle. Follow-ups are sent at the policy's months after
// the graduation date; once they are all sent and no handoff awaits its
// acknowledgement, the lifecycle completes (status closed).
const (
	UpdateGraduate           = "graduate"
	UpdateAcknowledgeHandoff = "acknowledge-handoff"
	SignalConsentWithdrawn   = "consent-withdrawn"
)

// Statuses of a graduate.
const (
	StatusFollowingUp = ippo.StatusFollowingUp // graduated: handoffs and follow-ups under way
	// HandoffPending is a handoff not yet sent (inside the graduation step).
	HandoffPending = "pending"
)

// ByGraduation ends a contract at graduation.
const ByGraduation = "graduation"

// Graduate records that the worker steps up to Destination on On (zero:
// today) and hands them over to each agency in Handoffs. The API has
// checked that each agency has a consent in force for the graduation
// handoff (ConsentID); the workflow checks it again when sending.
type Graduate struct {
	Destination ippo.Destination
	On          ippo.Date
	// NoteID is staff's handoff notes (shared only where consented).
	NoteID   string
	Handoffs []HandoffRequest
	Actor    string
}

// HandoffRequest names an agency and the consent that allows the handoff.
type HandoffRequest struct {
	AgencyID  string
	ConsentID string
}

// AcknowledgeHandoff confirms that a handoff reached its agency.
type AcknowledgeHandoff struct {
	HandoffID string
	NoteID    string
	Actor     string
}

// ConsentWithdrawn tells the lifecycle a consent was withdrawn.
type ConsentWithdrawn struct {
	ConsentID string
	Actor     string
}

// GraduationState is the graduate's handoffs and follow-ups.
type GraduationState struct {
	Destination ippo.Destination `json:"destination"`
	On          ippo.Date        `json:"graduated_on"`
	NoteID      string           `json:"-"`
	Handoffs    []HandoffState   `json:"handoffs"`
	FollowUps   []FollowUp       `json:"follow_ups"`
}

// HandoffState is one handoff as the workflow keeps it: IDs, dates and
// the category names of what was shared.
type HandoffState struct {
	ID        string           `json:"id"`
	AgencyID  string           `json:"agency_id"`
	ConsentID string           `json:"consent_id"`
	Status    string           `json:"status"`
	Reason    string           `json:"reason,omitempty"`
	Items     []ippo.ShareItem `json:"items,omitempty"`
	SentOn    ippo.Date        `json:"sent_on,omitzero"`
	AckBy     ippo.Date        `json:"ack_by,omitzero"`
	KeepUntil ippo.Date        `json:"keep_until,omitzero"`
}

// FollowUp is a check-in Months after graduation, on On.
type FollowUp struct {
	Months int       `json:"months"`
	On     ippo.Date `json:"on"`
	Done   bool      `json:"done"`
}

// GraduationResult answers Graduate.
type GraduationResult struct {
	StepResult
	Graduation GraduationState `json:"graduation"`
}

// HandoffAckResult answers AcknowledgeHandoff.
type HandoffAckResult struct {
	StepResult
	Handoff HandoffState `json:"handoff"`
	// Already is set when the handoff had been acknowledged before.
	Already bool `json:"already_acknowledged"`
}

// handoffNamespace derives handoff IDs: one handoff per worker and agency.
var handoffNamespace = uuid.MustParse("3e0f7a52-9c1b-4d8e-a6f4-1b2c3d4e5f60")

// HandoffID is the ID of a worker's handoff to an agency (and of its
// provision record and retention workflow).
func HandoffID(workerID, agencyID string) string {
	return uuid.NewSHA1(handoffNamespace, []byte(workerID+"/"+agencyID)).String()
}

// open reports whether the lifecycle still has work: a phase that is not
// final, or a graduate whose handoffs and follow-ups are not done.
func (l *lifecycle) open() bool {
	return !l.s.Phase.Final() || (l.s.Phase == ippo.PhaseGraduated && l.s.Status != StatusClosed)
}

func (l *lifecycle) validateGraduate(ctx workflow.Context, g Graduate) error {
	c := l.s.Contract
	if !ippo.PhaseAllows(l.s.Phase, ippo.StepGraduation) || c == nil {
		return l.wrongPhase("graduation")
	}
	var f ippo.Fields
	if !g.Destination.Valid() {
		f.Add("destination", "must be one of general_employment, employment_type_a, employment_type_b, transition_support, freelance, other")
	}
	today := l.today(ctx)
	switch {
	case g.On.IsZero():
	case g.On.After(today):
		f.Add("graduated_on", "cannot be in the future (today is %s)", today)
	case g.On.Before(c.SignedOn):
		f.Add("graduated_on", "cannot be before the contract was signed (%s)", c.SignedOn)
	}
	seen := map[string]bool{}
	for i, h := range g.Handoffs {
		switch {
		case h.AgencyID == "" || h.ConsentID == "":
			f.Add(fmt.Sprintf("agencies[%d]", i), "needs an agency and the consent that allows the handoff")
		case seen[h.AgencyID]:
			f.Add(fmt.Sprintf("agencies[%d]", i), "names the same agency twice")
		}
		seen[h.AgencyID] = true
	}
	if err := f.Err(); err != nil {
		return refuse(err)
	}
	return nil
}

func (l *lifecycle) graduate(ctx workflow.Context, g Graduate) (GraduationResult, error) {
	l.mu.Lock(ctx)
	defer l.answer(ctx)
	if err := l.validateGraduate(ctx, g); err != nil {
		return GraduationResult{}, err
	}
	today := l.today(ctx)
	on := g.On
	if on.IsZero() {
		on = today
	}
	var p ippo.Policy
	if err := l.exec(ctx, a.PolicyAt, today).Get(ctx, &p); err != nil {
		return GraduationResult{}, err
	}
	gs := &GraduationState{Destination: g.Destination, On: on, NoteID: g.NoteID}
	for _, m := range p.FollowUpMonths {
		gs.FollowUps = append(gs.FollowUps, FollowUp{Months: m, On: ippo.AddMonthsCivil(on.AddDays(1), m)})
	}
	agencies := make([]string, 0, len(g.Handoffs))
	for _, h := range g.Handoffs {
		gs.Handoffs = append(gs.Handoffs, HandoffState{ID: HandoffID(l.s.WorkerID, h.AgencyID), AgencyID: h.AgencyID,
			ConsentID: h.ConsentID, Status: HandoffPending})
		agencies = append(agencies, h.AgencyID)
	}
	l.s.Graduation = gs
	l.s.Phase, l.s.Status = ippo.PhaseGraduated, StatusFollowingUp
	l.s.Contract.Ending = &Ending{By: ByGraduation, NoticeOn: today, EndsOn: on}
	l.releasePlace(ctx)
	l.step(ctx, "graduated", g.Actor, g.NoteID, map[string]any{
		"destination": string(g.Destination), "graduated_on": on.String(), "agencies": agencies,
	})
	for i := range gs.Handoffs {
		l.provide(ctx, &gs.Handoffs[i], p, g.Actor)
	}
	l.dirty = true
	return GraduationResult{StepResult: l.result(), Graduation: gs.snapshot()}, nil
}

// snapshot copies the state for an answer, so later steps do not change it.
func (g *GraduationState) snapshot() GraduationState {
	c := *g
	c.Handoffs = slices.Clone(g.Handoffs)
	c.FollowUps = slices.Clone(g.FollowUps)
	return c
}

// provide sends one handoff if the worker's consent is in force when it
// goes, and records its retention.
func (l *lifecycle) provide(ctx workflow.Context, h *HandoffState, p ippo.Policy, actor string) {
	gs := l.s.Graduation
	today := l.today(ctx)
	ackBy := today.AddDays(p.AckTimeoutDays)
	keep := ippo.ProvisionKeptUntil(today, p.ProvisionRetentionYears)
	emailKey := fmt.Sprintf("%s/handoff/%s/%s", WorkerWorkflowID(l.s.WorkerID), h.ID, activities.EmailAgencyHandoff)
	var out activities.HandoffOutcome
	err := l.exec(ctx, a.ProvideHandoff, activities.HandoffProvision{
		ID: h.ID, WorkerID: l.s.WorkerID, AgencyID: h.AgencyID, ConsentID: h.ConsentID,
		Destination: gs.Destination, GraduatedOn: gs.On, NoteID: gs.NoteID, CreatedBy: actor,
		On: today, AckBy: ackBy, KeepUntil: keep, EmailKey: emailKey, Seq: l.s.Seq + 1,
	}).Get(ctx, &out)
	if err != nil {
		l.log.Error("provide handoff failed", "handoff", h.ID, "error", err)
		out = activities.HandoffOutcome{Status: ippo.HandoffCancelled, Reason: "not_recorded"}
	}
	if out.Status != ippo.HandoffSent {
		h.Status, h.Reason = ippo.HandoffCancelled, out.Reason
		l.step(ctx, "handoff_cancelled", ippo.ActorSystem, "", map[string]any{
			"handoff_id": h.ID, "agency_id": h.AgencyID, "reason": out.Reason,
		})
		return
	}
	h.Status, h.Items, h.SentOn, h.AckBy, h.KeepUntil = ippo.HandoffSent, out.Items, today, ackBy, keep
	l.step(ctx, "handoff_sent", actor, "", map[string]any{
		"handoff_id": h.ID, "agency_id": h.AgencyID, "ack_by": ackBy.String(), "keep_until": keep.String(),
	})
	// The ack link works as long as the lifecycle can record it.
	linkUntil := ackBy
	if n := len(gs.FollowUps); n > 0 && gs.FollowUps[n-1].On.After(linkUntil) {
		linkUntil = gs.FollowUps[n-1].On
	}
	n := activities.Notice{Key: emailKey, Email: activities.EmailAgencyHandoff, WorkerID: l.s.WorkerID, AgencyID: h.AgencyID,
		Facts: activities.Facts{HandoffID: h.ID, LinkExpires: linkUntil}}
	l.send(ctx, n)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        ProvisionWorkflowID(h.ID),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	child := workflow.ExecuteChildWorkflow(cctx, ProvisionRetentionWorkflow, ProvisionRetentionInput{
		HandoffID: h.ID, KeepUntil: keep, Clock: l.s.Clock,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		l.log.Error("start provision retention failed", "handoff", h.ID, "error", err)
	}
}

func (l *lifecycle) handoff(id string) *HandoffState {
	if g := l.s.Graduation; g != nil {
		for i := range g.Handoffs {
			if g.Handoffs[i].ID == id {
				return &g.Handoffs[i]
			}
		}
	}
	return nil
}

func (l *lifecycle) validateAcknowledgeHandoff(ctx workflow.Context, ack AcknowledgeHandoff) error {
	if !l.fits(ippo.StepHandoffAck) {
		return l.wrongPhase("acknowledging a handoff")
	}
	h := l.handoff(ack.HandoffID)
	switch {
	case h == nil:
		return refuse(ippo.Errorf(ippo.ENOTFOUND, "no handoff %s for this worker", ack.HandoffID))
	case h.Status == ippo.HandoffCancelled:
		return refuse(&ippo.Error{Code: ippo.ECONFLICT, Phase: l.s.Phase, Allowed: l.allowed(),
			Message: "nothing was sent to this agency: the handoff was cancelled because the worker's consent was not in force"})
	case h.Status == ippo.HandoffConsentWithdrawn:
		return refuse(&ippo.Error{Code: ippo.ECONFLICT, Phase: l.s.Phase, Allowed: l.allowed(),
			Message: "the worker has withdrawn the consent for this agency; the handoff is no longer awaiting acknowledgement"})
	case h.Status == HandoffPending:
		return refuse(&ippo.Error{Code: ippo.ECONFLICT, Phase: l.s.Phase, Message: "the handoff has not been sent yet"})
	}
	return nil
}

func (l *lifecycle) acknowledgeHandoff(ctx workflow.Context, ack AcknowledgeHandoff) (HandoffAckResult, error) {
	l.mu.Lock(ctx)
	defer l.answer(ctx)
	if err := l.validateAcknowledgeHandoff(ctx, ack); err != nil {
		return HandoffAckResult{}, err
	}
	h := l.handoff(ack.HandoffID)
	if h.Status == ippo.HandoffAcknowledged {
		return HandoffAckResult{StepResult: l.result(), Handoff: *h, Already: true}, nil
	}
	late := h.Status == ippo.HandoffUnacknowledged
	h.Status = ippo.HandoffAcknowledged
	l.changeHandoff(ctx, h, ack.Actor)
	l.step(ctx, "handoff_acknowledged", ack.Actor, ack.NoteID, map[string]any{
		"handoff_id": h.ID, "agency_id": h.AgencyID, "after_reminder": late,
	})
	l.dirty = true
	return HandoffAckResult{StepResult: l.result(), Handoff: *h}, nil
}

// changeHandoff writes a handoff's new status, ordered by the step about
// to be recorded.
func (l *lifecycle) changeHandoff(ctx workflow.Context, h *HandoffState, actor string) {
	c := activities.HandoffChange{ID: h.ID, Status: h.Status, Actor: actor, Seq: l.s.Seq + 1}
	if err := l.exec(ctx, a.ChangeHandoff, c).Get(ctx, nil); err != nil {
		l.log.Error("change handoff failed", "handoff", h.ID, "error", err)
	}
}

// receiveWithdrawals handles consent-withdrawn signals (with the mutex
// held). Handoffs not yet sent need nothing here: ProvideHandoff reads the
// withdrawal in PostgreSQL when their turn comes.
func (l *lifecycle) receiveWithdrawals(ctx workflow.Context) {
	var w ConsentWithdrawn
	for l.withdrawals.ReceiveAsync(&w) {
		g := l.s.Graduation
		if g == nil || l.s.Phase != ippo.PhaseGraduated {
			continue // no handoffs: the consent record in PostgreSQL is all there is
		}
		for i := range g.Handoffs {
			h := &g.Handoffs[i]
			if h.ConsentID != w.ConsentID {
				continue
			}
			was := h.Status
			switch was {
			case ippo.HandoffSent, ippo.HandoffUnacknowledged:
				h.Status = ippo.HandoffConsentWithdrawn
				l.changeHandoff(ctx, h, w.Actor)
			case ippo.HandoffAcknowledged:
			default:
				continue // cancelled (nothing sent) or already handled
			}
			l.step(ctx, "handoff_consent_withdrawn", w.Actor, "", map[string]any{
				"handoff_id": h.ID, "agency_id": h.AgencyID, "consent_id": h.ConsentID, "status_before": was,
			})
			l.todo(ctx, activities.StaffTodo{Kind: activities.TodoHandoffConsentWithdrawn, HandoffID: h.ID})
		}
		l.dirty = true
	}
}

// ackDueAt is when a sent handoff's acknowledgement is overdue: 09:00 the
// day after AckBy.
func (h *HandoffState) ackDueAt() time.Time {
	if h.Status != ippo.HandoffSent {
		return time.Time{}
	}
	return at9(h.AckBy.AddDays(1))
}

func (l *lifecycle) graduationWake(consider func(time.Time, string)) {
	g := l.s.Graduation
	if g == nil || l.s.Phase != ippo.PhaseGraduated {
		return
	}
	for i := range g.Handoffs {
		consider(g.Handoffs[i].ackDueAt(), "handoff_acknowledgement")
	}
	for _, f := range g.FollowUps {
		if !f.Done {
			consider(at9(f.On), "follow_up")
		}
	}
}

// graduationOnTime escalates overdue acknowledgements, sends follow-ups
// and completes the lifecycle when nothing is left.
func (l *lifecycle) graduationOnTime(ctx workflow.Context) {
	g := l.s.Graduation
	if g == nil || !l.open() {
		return
	}
	now := l.now(ctx)
	for i := range g.Handoffs {
		h := &g.Handoffs[i]
		if at := h.ackDueAt(); at.IsZero() || now.Before(at) {
			continue
		}
		h.Status = ippo.HandoffUnacknowledged
		l.changeHandoff(ctx, h, ippo.ActorSystem)
		l.step(ctx, "handoff_unacknowledged", ippo.ActorSystem, "", map[string]any{
			"handoff_id": h.ID, "agency_id": h.AgencyID, "ack_by": h.AckBy.String(),
		})
		l.notify(ctx, activities.EmailHandoffNotAcked, activities.Facts{On: l.today(ctx), HandoffID: h.ID})
		l.todo(ctx, activities.StaffTodo{Kind: activities.TodoHandoffUnacknowledged, HandoffID: h.ID})
	}
	for i := range g.FollowUps {
		f := &g.FollowUps[i]
		if f.Done || now.Before(at9(f.On)) {
			continue
		}
		f.Done = true
		l.step(ctx, "follow_up_check_in", ippo.ActorSystem, "", map[string]any{"months": f.Months, "on": f.On.String()})
		l.notify(ctx, activities.EmailFollowUp, activities.Facts{Months: f.Months})
	}
	for _, f := range g.FollowUps {
		if !f.Done {
			return
		}
	}
	for _, h := range g.Handoffs {
		if h.Status == ippo.HandoffSent || h.Status == HandoffPending {
			return
		}
	}
	l.s.Status = StatusClosed
	l.step(ctx, "lifecycle_completed", ippo.ActorSystem, "", nil)
}
