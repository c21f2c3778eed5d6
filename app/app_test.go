package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// The API answers with the app's types where it used to answer with the
// workflow's: the JSON must stay byte for byte the same.
func TestResultTypesEncodeAsTheWorkflowPayloadsDid(t *testing.T) {
	d := func(s string) ippo.Date { v, err := ippo.ParseDate(s); require.NoError(t, err); return v }
	step := workflows.StepResult{Phase: ippo.PhaseActive, Status: "under_contract", WaitlistPosition: 3,
		TermStart: d("2026-04-01"), TermEnd: d("2026-09-30"), NextExtension: d("2026-10-01"), EndsOn: d("2026-12-31"), RateYen: 1225}
	same := func(want, got any) {
		t.Helper()
		w, err := json.Marshal(want)
		require.NoError(t, err)
		g, err := json.Marshal(got)
		require.NoError(t, err)
		require.Equal(t, string(w), string(g))
	}
	same(step, standingOf(step))
	same(workflows.StepResult{Phase: ippo.PhaseScreening, Status: "awaiting_decision"}, standingOf(workflows.StepResult{Phase: ippo.PhaseScreening, Status: "awaiting_decision"}))

	h := workflows.HandoffState{ID: "h", AgencyID: "a", ConsentID: "c", Status: "sent", Reason: "r",
		Items: []ippo.ShareItem{"work_history"}, SentOn: d("2027-01-05"), AckBy: d("2027-01-19"), KeepUntil: d("2030-01-05")}
	same(workflows.HandoffAckResult{StepResult: step, Handoff: h, Already: true},
		HandoffAcknowledged{Standing: standingOf(step), Handoff: handoffOf(h), Already: true})

	for _, handoffs := range [][]workflows.HandoffState{nil, {}, {h}} {
		g := workflows.GraduationState{Destination: "general_employment", On: d("2027-01-05"), Handoffs: handoffs,
			FollowUps: []workflows.FollowUp{{Months: 1, On: d("2027-02-05")}}}
		got := graduatedOf(workflows.GraduationResult{StepResult: step, Graduation: g})
		same(workflows.GraduationResult{StepResult: step, Graduation: g}, got)
	}
}

func TestLifecycleErrorsBecomeDomainErrors(t *testing.T) {
	refusal := &ippo.Error{Code: ippo.ECONFLICT, Message: "the contract already ends", Phase: ippo.PhaseActive, Allowed: []string{"withdrawal"}}
	withDetails := temporal.NewApplicationErrorWithOptions(refusal.Message, refusal.Code,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{*refusal}})
	var e *ippo.Error
	require.ErrorAs(t, lifecycleError(withDetails, ippo.PhaseActive), &e)
	require.Equal(t, *refusal, *e)

	typed := temporal.NewApplicationError("no handoff h", ippo.ENOTFOUND)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(lifecycleError(typed, ippo.PhaseGraduated)))

	other := temporal.NewApplicationError("boom", "compose")
	require.Equal(t, ippo.EINTERNAL, ippo.ErrorCode(lifecycleError(other, ippo.PhaseActive)))

	closed := lifecycleError(serviceerror.NewNotFound("workflow not found"), ippo.PhaseEnded)
	require.ErrorAs(t, closed, &e)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Equal(t, ippo.PhaseEnded, e.Phase)

	require.ErrorIs(t, lifecycleError(fmt.Errorf("update: %w", context.DeadlineExceeded), ippo.PhaseActive), ErrUnavailable)
	require.ErrorIs(t, lifecycleError(serviceerror.NewUnavailable("down"), ippo.PhaseActive), ErrUnavailable)
	require.False(t, errors.Is(lifecycleError(other, ippo.PhaseActive), ErrUnavailable))
}

func TestActors(t *testing.T) {
	staff := Actor{ID: "t1", Name: "鎌田", Role: RoleStaff}
	require.Equal(t, "staff:t1", staff.Ref())
	require.Equal(t, "idem/t1/k", StepKey(staff, "k"))
	require.Equal(t, ippo.ActorWorker, LinkActor(ippo.ActorWorker).Ref())
	require.Equal(t, ippo.ActorAgency, LinkActor(ippo.ActorAgency).Ref())
	for _, r := range []Role{RoleNone, RoleViewer, RoleStaff, RoleAdmin} {
		require.Equal(t, r, ParseRole(r.String()))
	}
}

// Steps offered for a worker come from the transition table.
func TestStepsFitting(t *testing.T) {
	require.Equal(t, []ippo.LifecycleStep{ippo.StepContract, ippo.StepWithdrawal},
		StepsFitting(ippo.Worker{Phase: ippo.PhaseOnboarding, Status: ippo.StatusAwaitingContract}))
	require.Empty(t, StepsFitting(ippo.Worker{Phase: ippo.PhaseWithdrawn, Status: ippo.StatusClosed}))
}

// A retried step (same update id) stores its note under the same id, so
// it writes no second note; another step or worker gets its own.
func TestNoteIDFollowsTheStep(t *testing.T) {
	require.Equal(t, NoteID("w1", "idem/t1/k"), NoteID("w1", "idem/t1/k"))
	require.NotEqual(t, NoteID("w1", "idem/t1/k"), NoteID("w1", "idem/t1/k2"))
	require.NotEqual(t, NoteID("w1", "idem/t1/k"), NoteID("w2", "idem/t1/k"))
	require.NotEqual(t, NoteID("w1", ""), NoteID("w1", ""), "without a step id every note is new")
}
