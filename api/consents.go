package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
)

// ListConsents lists the worker's consents, withdrawn ones included.
func (s *Server) ListConsents(c *gin.Context, id WorkerID) {
	items, err := s.DB.Consents(c.Request.Context(), id.String())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// RecordConsent records a consent given or withdrawn. Consents are records
// in PostgreSQL, not lifecycle steps: they may be given or withdrawn in any
// phase, even after the lifecycle has ended. A withdrawal is then told to
// the lifecycle, which stops chasing handoffs the consent allowed; handoffs
// not yet sent read the withdrawal in PostgreSQL when their turn comes.
func (s *Server) RecordConsent(c *gin.Context, id WorkerID, _ RecordConsentParams) {
	var in ConsentInput
	if !bindJSON(c, &in) {
		return
	}
	ctx := c.Request.Context()
	today := s.today()
	r := ippo.ConsentRequest{
		Action: ippo.ConsentAction(in.Action), AgencyID: in.AgencyId.String(), Purpose: ippo.ConsentPurpose(in.Purpose),
		On: deref(in.On), WordingVersion: in.WordingVersion,
	}
	if r.On.IsZero() {
		r.On = today
	}
	for _, it := range deref(in.Items) {
		r.Items = append(r.Items, ippo.ShareItem(it))
	}
	if err := ippo.ValidateConsentRequest(&r, today); err != nil {
		fail(c, err)
		return
	}
	if _, err := s.DB.Worker(ctx, id.String()); err != nil {
		fail(c, err)
		return
	}
	if _, err := s.DB.Agency(ctx, r.AgencyID); err != nil {
		if ippo.ErrorCode(err) == ippo.ENOTFOUND {
			err = ippo.Invalid([]ippo.FieldError{{Field: "agency_id", Message: "no such agency (GET /agencies lists them)"}})
		}
		fail(c, err)
		return
	}
	actor, _ := actorOf(c)
	programAt := s.Clock.Program(time.Now())
	if r.Action == ippo.ConsentGive {
		out, err := s.DB.GiveConsent(ctx, ippo.Consent{
			ID: uuid.NewString(), WorkerID: id.String(), AgencyID: r.AgencyID, Purpose: r.Purpose, Items: r.Items,
			GivenOn: r.On, WordingVersion: r.WordingVersion, GivenBy: actor.Ref(),
		}, programAt)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, out)
		return
	}
	out, err := s.DB.WithdrawConsent(ctx, id.String(), r.AgencyID, r.Purpose, r.On, r.WordingVersion, actor.Ref(), programAt)
	if err != nil {
		fail(c, err)
		return
	}
	s.tellConsentWithdrawn(ctx, logger(c), id.String(), out.ID, actor.Ref())
	c.JSON(http.StatusOK, out)
}

// tellConsentWithdrawn signals the worker's lifecycle. The withdrawal is
// already recorded, so the answer does not depend on it: a lifecycle that
// has completed has nothing left to stop, and one out of reach still
// cannot send a handoff the consent allowed (ProvideHandoff reads the
// consent when sending). What it would miss is no longer chasing an
// acknowledgement; that is logged for staff.
func (s *Server) tellConsentWithdrawn(ctx context.Context, log interface{ Error(string, ...any) }, workerID, consentID, actor string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.Temporal.SignalWorkflow(ctx, workflows.WorkerWorkflowID(workerID), "", workflows.SignalConsentWithdrawn,
		workflows.ConsentWithdrawn{ConsentID: consentID, Actor: actor})
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		log.Error("consent withdrawn but the lifecycle was not told; staff should check its handoffs",
			"worker_id", workerID, "consent_id", consentID, "error", err.Error())
	}
}
