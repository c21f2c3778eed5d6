package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
)

// Graduation is staff's record of a graduation: where the worker goes, on
// which day (zero: today), the agencies to hand over to and the notes.
type Graduation struct {
	Destination  ippo.Destination
	On           ippo.Date
	Agencies     []string
	HandoffNotes string
}

// Handoff is one handoff to an agency: IDs, dates and the category names
// of what was shared.
type Handoff struct {
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

func handoffOf(h workflows.HandoffState) Handoff {
	return Handoff{ID: h.ID, AgencyID: h.AgencyID, ConsentID: h.ConsentID, Status: h.Status, Reason: h.Reason,
		Items: h.Items, SentOn: h.SentOn, AckBy: h.AckBy, KeepUntil: h.KeepUntil}
}

// FollowUp is a check-in Months after graduation, on On.
type FollowUp struct {
	Months int       `json:"months"`
	On     ippo.Date `json:"on"`
	Done   bool      `json:"done"`
}

// Graduated is the graduate's standing, handoffs and follow-ups.
type Graduated struct {
	Standing
	Graduation struct {
		Destination ippo.Destination `json:"destination"`
		On          ippo.Date        `json:"graduated_on"`
		Handoffs    []Handoff        `json:"handoffs"`
		FollowUps   []FollowUp       `json:"follow_ups"`
	} `json:"graduation"`
}

// Graduate records a graduation and hands the worker over to the agencies
// named. Every agency must have the worker's consent in force for the
// graduation handoff: one without is refused by name and then nothing is
// sent to any agency. The lifecycle checks each consent again at the
// moment it sends (a withdrawal may land in between).
func (a *App) Graduate(ctx context.Context, actor Actor, workerID, stepID string, in Graduation) (Graduated, error) {
	g := workflows.Graduate{Destination: in.Destination, On: in.On, Actor: actor.Ref()}
	w, err := a.DB.Worker(ctx, workerID)
	if err != nil {
		return Graduated{}, err
	}
	if w.Phase == ippo.PhaseActive {
		if g.Handoffs, err = a.consentedHandoffs(ctx, workerID, in.Agencies); err != nil {
			return Graduated{}, err
		}
	}
	// Out of phase, the lifecycle answers 409 with the steps that fit.
	return stepWithNote(ctx, a, actor, workerID, stepID, in.HandoffNotes, func(noteID string) (Graduated, error) {
		g.NoteID = noteID
		r, err := update[workflows.GraduationResult](ctx, a, workerID, stepID, workflows.UpdateGraduate, g)
		return graduatedOf(r), err
	})
}

func graduatedOf(r workflows.GraduationResult) Graduated {
	var out Graduated
	out.Standing = standingOf(r.StepResult)
	out.Graduation.Destination, out.Graduation.On = r.Graduation.Destination, r.Graduation.On
	// Keep an empty list empty (not null) in the JSON the faces render.
	if r.Graduation.Handoffs != nil {
		out.Graduation.Handoffs = make([]Handoff, 0, len(r.Graduation.Handoffs))
	}
	if r.Graduation.FollowUps != nil {
		out.Graduation.FollowUps = make([]FollowUp, 0, len(r.Graduation.FollowUps))
	}
	for _, h := range r.Graduation.Handoffs {
		out.Graduation.Handoffs = append(out.Graduation.Handoffs, handoffOf(h))
	}
	for _, f := range r.Graduation.FollowUps {
		out.Graduation.FollowUps = append(out.Graduation.FollowUps, FollowUp(f))
	}
	return out
}

// consentedHandoffs pairs each agency with the worker's consent in force
// for the graduation handoff, or names every agency that has none.
func (a *App) consentedHandoffs(ctx context.Context, workerID string, agencies []string) ([]workflows.HandoffRequest, error) {
	consents, err := a.DB.Consents(ctx, workerID)
	if err != nil {
		return nil, err
	}
	today := a.Today()
	var (
		f    ippo.Fields
		out  []workflows.HandoffRequest
		seen = map[string]bool{}
	)
	for i, aid := range agencies {
		field := fmt.Sprintf("agencies[%d]", i)
		if seen[aid] {
			f.Add(field, "names the same agency twice")
			continue
		}
		seen[aid] = true
		agency, err := a.DB.Agency(ctx, aid)
		if ippo.ErrorCode(err) == ippo.ENOTFOUND {
			f.Add(field, "no such agency %s (GET /agencies lists them)", aid)
			continue
		}
		if err != nil {
			return nil, err
		}
		consent := ""
		for _, c := range consents {
			if c.AgencyID == aid && c.Purpose == ippo.PurposeGraduationHandoff && c.InForce(today) {
				consent = c.ID
			}
		}
		if consent == "" {
			f.Add(field, "%s: the worker has not consented to sharing information with this agency for the graduation handoff, so nothing can be sent to it (APPI: 要配慮個人情報 needs the worker's consent); nothing was sent to any agency. Record the consent with POST /workers/%s/consents, or leave this agency out",
				agency.Name, workerID)
			continue
		}
		out = append(out, workflows.HandoffRequest{AgencyID: aid, ConsentID: consent})
	}
	return out, f.Err()
}

// HandoffAcknowledged answers an acknowledgement.
type HandoffAcknowledged struct {
	Standing
	Handoff Handoff `json:"handoff"`
	// Already is set when the handoff had been acknowledged before.
	Already bool `json:"already_acknowledged"`
}

// AcknowledgeHandoff records that a handoff reached its agency. The
// agency's signed link page calls it with LinkActor(ippo.ActorAgency) and
// stepID "link/" + the link's ID; staff who heard from the agency
// otherwise call it with a note saying how. An acknowledgement given
// before answers Already, without a new step.
func (a *App) AcknowledgeHandoff(ctx context.Context, actor Actor, workerID, handoffID, stepID, note string) (HandoffAcknowledged, error) {
	return stepWithNote(ctx, a, actor, workerID, stepID, note, func(noteID string) (HandoffAcknowledged, error) {
		r, err := update[workflows.HandoffAckResult](ctx, a, workerID, stepID, workflows.UpdateAcknowledgeHandoff,
			workflows.AcknowledgeHandoff{HandoffID: handoffID, NoteID: noteID, Actor: actor.Ref()})
		return HandoffAcknowledged{Standing: standingOf(r.StepResult), Handoff: handoffOf(r.Handoff), Already: r.Already}, err
	})
}

// OptOut records the worker's own opt-out through the link in the terms
// email: the contract ends on endsOn (the term's end the link was sent
// for) and is not extended. linkID makes a form sent twice one step;
// submittedAt is when the form first reached Ippo (zero: now), so an
// opt-out made before the extension counts even if applied after it.
func (a *App) OptOut(ctx context.Context, workerID, linkID string, endsOn ippo.Date, submittedAt time.Time) (Standing, error) {
	r, err := update[workflows.StepResult](ctx, a, workerID, "link/"+linkID, workflows.UpdateEndContract,
		workflows.EndContract{By: workflows.ByWorker, EndsOn: endsOn, Actor: ippo.ActorWorker, SubmittedAt: submitted(submittedAt)})
	return standingOf(r), err
}
