package app

// Consent, graduation and acknowledgement for the console, until branch
// app lands with the shared ones (same signatures; see interim_steps.go).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
)

// RecordConsent records a consent given or withdrawn (a record in
// PostgreSQL, not a lifecycle step); a withdrawal is told to the lifecycle.
func (a *App) RecordConsent(ctx context.Context, actor Actor, workerID string, r ippo.ConsentRequest) (ippo.Consent, error) {
	today := a.Today()
	if r.On.IsZero() {
		r.On = today
	}
	if err := ippo.ValidateConsentRequest(&r, today); err != nil {
		return ippo.Consent{}, err
	}
	if _, err := a.DB.Worker(ctx, workerID); err != nil {
		return ippo.Consent{}, err
	}
	if _, err := a.DB.Agency(ctx, r.AgencyID); err != nil {
		if ippo.ErrorCode(err) == ippo.ENOTFOUND {
			err = ippo.Invalid([]ippo.FieldError{{Field: "agency_id", Message: "no such agency"}})
		}
		return ippo.Consent{}, err
	}
	programAt := a.Clock.Program(time.Now())
	if r.Action == ippo.ConsentGive {
		return a.DB.GiveConsent(ctx, ippo.Consent{
			ID: uuid.NewString(), WorkerID: workerID, AgencyID: r.AgencyID, Purpose: r.Purpose, Items: r.Items,
			GivenOn: r.On, WordingVersion: r.WordingVersion, GivenBy: actor.Ref(),
		}, programAt)
	}
	out, err := a.DB.WithdrawConsent(ctx, workerID, r.AgencyID, r.Purpose, r.On, r.WordingVersion, actor.Ref(), programAt)
	if err != nil {
		return out, err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = a.Temporal.SignalWorkflow(sctx, workflows.WorkerWorkflowID(workerID), "", workflows.SignalConsentWithdrawn,
		workflows.ConsentWithdrawn{ConsentID: out.ID, Actor: actor.Ref()})
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		a.Log.Error("consent withdrawn but the lifecycle was not told; staff should check its handoffs",
			"worker_id", workerID, "consent_id", out.ID, "error", err.Error())
	}
	return out, nil
}

// Graduation is staff's record of a graduation.
type Graduation struct {
	Destination  ippo.Destination
	On           ippo.Date
	Agencies     []string
	HandoffNotes string
}

// Graduated is the lifecycle's answer to a graduation.
type Graduated = workflows.GraduationResult

// Graduate records a graduation and hands the worker over to the agencies
// named, each with the worker's consent in force.
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
	return stepWithNote(ctx, a, actor, workerID, in.HandoffNotes, func(noteID string) (Graduated, error) {
		g.NoteID = noteID
		return update[Graduated](ctx, a, workerID, stepID, workflows.UpdateGraduate, g)
	})
}

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
			f.Add(field, "no such agency %s", aid)
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
			f.Add(field, "%s: the worker has not consented to sharing information with this agency for the graduation handoff, so nothing can be sent to it; nothing was sent to any agency", agency.Name)
			continue
		}
		out = append(out, workflows.HandoffRequest{AgencyID: aid, ConsentID: consent})
	}
	return out, f.Err()
}

// HandoffAcknowledged answers an acknowledgement.
type HandoffAcknowledged = workflows.HandoffAckResult

// AcknowledgeHandoff records that a handoff reached its agency.
func (a *App) AcknowledgeHandoff(ctx context.Context, actor Actor, workerID, handoffID, stepID, note string) (HandoffAcknowledged, error) {
	return stepWithNote(ctx, a, actor, workerID, note, func(noteID string) (HandoffAcknowledged, error) {
		return update[HandoffAcknowledged](ctx, a, workerID, stepID, workflows.UpdateAcknowledgeHandoff,
			workflows.AcknowledgeHandoff{HandoffID: handoffID, NoteID: noteID, Actor: actor.Ref()})
	})
}
