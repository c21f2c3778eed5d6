package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo/app"
)

// app is the application layer the handlers call: one per request, over
// the server's store, Temporal client and clock (set by Start).
func (s *Server) app() *app.App {
	return &app.App{DB: s.DB, Temporal: s.Temporal, TaskQueue: s.TaskQueue, Clock: s.Clock, Log: s.Log}
}

// stepKey is the lifecycle update ID for a request, so a retried request
// is one step: its Idempotency-Key, or else its request id.
func stepKey(c *gin.Context) string {
	if key := c.GetString(ctxIdempotencyKey); key != "" {
		actor, _ := actorOf(c)
		return app.StepKey(actor, key)
	}
	return requestID(c)
}

// answer renders a step's result, or its error as problem+json.
func answer[T any](c *gin.Context, status int, res T, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, res)
}

// DecideEligibility approves or rejects an applicant.
func (s *Server) DecideEligibility(c *gin.Context, id WorkerID, _ DecideEligibilityParams) {
	var in EligibilityInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().DecideEligibility(c.Request.Context(), actor, id.String(), stepKey(c),
		app.EligibilityDecision{Approve: in.Decision == Approve, Reason: deref(in.Reason)})
	answer(c, http.StatusOK, res, err)
}

// SignContract signs the contract.
func (s *Server) SignContract(c *gin.Context, id WorkerID, _ SignContractParams) {
	var in ContractInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().SignContract(c.Request.Context(), actor, id.String(), stepKey(c), app.Contract{SignedOn: deref(in.SignedOn)})
	answer(c, http.StatusOK, res, err)
}

// EndContract records the center's non-renewal notice or the worker's opt-out.
func (s *Server) EndContract(c *gin.Context, id WorkerID, _ EndContractParams) {
	var in NonRenewalInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().EndContract(c.Request.Context(), actor, id.String(), stepKey(c),
		app.NonRenewal{By: string(in.By), EndsOn: deref(in.EndsOn), Reason: deref(in.Reason)})
	answer(c, http.StatusOK, res, err)
}

// WithdrawWorker records that the worker leaves the program.
func (s *Server) WithdrawWorker(c *gin.Context, id WorkerID, _ WithdrawWorkerParams) {
	var in WithdrawalInput
	if !bindJSON(c, &in) {
		return
	}
	actor, _ := actorOf(c)
	res, err := s.app().Withdraw(c.Request.Context(), actor, id.String(), stepKey(c), app.Withdrawal{Reason: in.Reason})
	answer(c, http.StatusOK, res, err)
}
