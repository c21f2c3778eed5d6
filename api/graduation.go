package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// GraduateWorker records a graduation and hands the worker over to the
// agencies named. Every agency must have the worker's consent in force for
// the graduation handoff: one without is refused by name and then nothing
// is sent to any agency. The lifecycle checks each consent again at the
// moment it sends (a withdrawal may land in between).
func (s *Server) GraduateWorker(c *gin.Context, id WorkerID, _ GraduateWorkerParams) {
	var in GraduationInput
	if !bindJSON(c, &in) {
		return
	}
	ctx := c.Request.Context()
	actor, _ := actorOf(c)
	g := workflows.Graduate{Destination: ippo.Destination(in.Destination), On: deref(in.GraduatedOn), Actor: actor.Ref()}
	w, err := s.DB.Worker(ctx, id.String())
	if err != nil {
		fail(c, err)
		return
	}
	if w.Phase == ippo.PhaseActive {
		if g.Handoffs, err = s.consentedHandoffs(ctx, id.String(), in.Agencies); err != nil {
			fail(c, err)
			return
		}
	}
	// Out of phase, the lifecycle answers 409 with the steps that fit.
	s.updateWithNote(c, id, deref(in.HandoffNotes), func(ctx context.Context, updateID, noteID string) (any, error) {
		g.NoteID = noteID
		return lifecycleUpdate[workflows.GraduationResult](ctx, s, id.String(), updateID, workflows.UpdateGraduate, g)
	})
}

// updateWithNote stores free text as a note, runs a lifecycle update that
// refers to it and answers with the update's result; a refused update
// removes the note again.
func (s *Server) updateWithNote(c *gin.Context, id WorkerID, text string, run func(ctx context.Context, updateID, noteID string) (any, error)) {
	noteID, drop, err := s.note(c, id.String(), text)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := run(c.Request.Context(), updateKey(c), noteID)
	if err != nil {
		if refused(err) {
			drop() // only then: after a time-out the step may still record the note
		}
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// consentedHandoffs pairs each agency with the worker's consent in force
// for the graduation handoff, or names every agency that has none.
func (s *Server) consentedHandoffs(ctx context.Context, workerID string, agencies []openapi_types.UUID) ([]workflows.HandoffRequest, error) {
	consents, err := s.DB.Consents(ctx, workerID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var (
		f    ippo.Fields
		out  []workflows.HandoffRequest
		seen = map[string]bool{}
	)
	for i, u := range agencies {
		field, aid := fmt.Sprintf("agencies[%d]", i), u.String()
		if seen[aid] {
			f.Add(field, "names the same agency twice")
			continue
		}
		seen[aid] = true
		agency, err := s.DB.Agency(ctx, aid)
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

// ListHandoffs lists the worker's handoffs with the records of what was
// provided, to whom and when (until each record's retention ends).
func (s *Server) ListHandoffs(c *gin.Context, id WorkerID) {
	items, err := s.DB.Handoffs(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// AcknowledgeHandoffAs records that a handoff reached its agency. The
// agency's signed link page (links.ActionAgencyAck, the claims' WorkerID
// and Subject = the handoff ID) calls it with actor ippo.ActorAgency and
// requestKey "link/" + the link's ID; staff who heard from the agency
// otherwise call it through POST …/acknowledgement with a note saying how.
// An acknowledgement given before answers Already, without a new step.
func (s *Server) AcknowledgeHandoffAs(ctx context.Context, workerID, handoffID, actor, noteID, requestKey string) (workflows.HandoffAckResult, error) {
	return lifecycleUpdate[workflows.HandoffAckResult](ctx, s, workerID, requestKey, workflows.UpdateAcknowledgeHandoff,
		workflows.AcknowledgeHandoff{HandoffID: handoffID, NoteID: noteID, Actor: actor})
}

// AcknowledgeHandoff records an acknowledgement staff received by other
// means than the agency's link.
func (s *Server) AcknowledgeHandoff(c *gin.Context, id WorkerID, handoffID openapi_types.UUID, _ AcknowledgeHandoffParams) {
	var in AcknowledgementInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	s.updateWithNote(c, id, deref(in.Note), func(ctx context.Context, updateID, noteID string) (any, error) {
		return s.AcknowledgeHandoffAs(ctx, id.String(), handoffID.String(), actor.Ref(), noteID, updateID)
	})
}
