package workflows_test

import (
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

func approve() workflows.EligibilityDecision {
	return workflows.EligibilityDecision{Approve: true, Actor: "staff:a"}
}

func sign(on string) workflows.SignContract {
	return workflows.SignContract{SignedOn: day(on), Actor: "staff:a"}
}

func withdraw() workflows.Withdraw { return workflows.Withdraw{NoteID: "note-w", Actor: "staff:a"} }

func TestApprovalSigningAndWithdrawal(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	approved := s.update("2026-03-25", workflows.UpdateDecideEligibility, approve())
	signed := s.update("2026-04-01", workflows.UpdateSignContract, sign("2026-04-01"))
	left := s.update("2026-05-01", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.NoError(t, s.err)
	require.Equal(t, ippo.PhaseOnboarding, approved.OK(t).Phase)
	r := signed.OK(t)
	require.Equal(t, ippo.PhaseActive, r.Phase)
	require.Equal(t, day("2026-09-30"), r.TermEnd)
	require.Equal(t, day("2026-10-01"), r.NextExtension)
	require.Equal(t, 1225, r.RateYen) // Kanagawa from 2025-10-04
	require.Equal(t, ippo.PhaseWithdrawn, left.OK(t).Phase)
	require.Equal(t, ippo.PhaseWithdrawn, s.state.Phase)
	require.Equal(t, []string{"applied", "eligibility_approved", "contract_signed", "withdrawn"}, s.world.stepKinds())
	require.Equal(t, []activities.Email{activities.EmailApplicationReceived, activities.EmailEligibilityApproved, activities.EmailContractTerms}, s.world.emails())
	require.Len(t, s.world.claims, 1)
	require.Len(t, s.world.releases, 1, "withdrawal gives the place back")
	// Steps are keyed by sequence; the read model follows them.
	last := s.world.steps[len(s.world.steps)-1]
	require.Equal(t, int64(4), last.Seq)
	require.Equal(t, "worker/"+workerID+"/step/4", last.Key)
	require.Equal(t, "note-w", last.NoteID)
	require.Equal(t, ippo.PhaseWithdrawn, last.View.Phase)
}

func TestRejectionNeedsAReasonAndEndsTheLifecycle(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	bare := s.update("2026-03-21", workflows.UpdateDecideEligibility, workflows.EligibilityDecision{Approve: false, Actor: "staff:a"})
	rejected := s.update("2026-03-22", workflows.UpdateDecideEligibility, workflows.EligibilityDecision{Approve: false, NoteID: "note-r", Actor: "staff:a"})
	s.run()

	e := bare.Refused(t)
	require.Equal(t, ippo.EINVALID, e.Code)
	require.Equal(t, "reason", e.Fields[0].Field)
	require.Equal(t, ippo.PhaseIneligible, rejected.OK(t).Phase)
	require.NoError(t, s.err)
	require.Equal(t, ippo.PhaseIneligible, s.state.Phase)
	require.Empty(t, s.world.claims, "a rejected applicant never asks for a place")
	require.Empty(t, s.world.releases)
	require.Equal(t, []activities.Email{activities.EmailApplicationReceived, activities.EmailEligibilityRejected}, s.world.emails())
	require.Equal(t, "note-r", s.world.noticesOf(activities.EmailEligibilityRejected)[0].Facts.NoteID)
}

func TestWaitlistThenPlaceGranted(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	s.world.claim = activities.PlaceResult{Granted: false, Position: 2}
	approved := s.update("2026-03-21", workflows.UpdateDecideEligibility, approve())
	early := s.update("2026-03-22", workflows.UpdateSignContract, sign("2026-03-22"))
	again := s.update("2026-03-23", workflows.UpdateDecideEligibility, approve())
	s.signal("2026-04-10", workflows.SignalPlaceGranted)
	s.signal("2026-04-11", workflows.SignalPlaceGranted) // a repeated signal changes nothing
	signed := s.update("2026-04-15", workflows.UpdateSignContract, sign("2026-04-15"))
	s.update("2026-04-20", workflows.UpdateWithdraw, withdraw())
	s.run()

	r := approved.OK(t)
	require.Equal(t, ippo.PhaseScreening, r.Phase)
	require.Equal(t, workflows.StatusWaitlisted, r.Status)
	require.Equal(t, 2, r.WaitlistPosition)
	e := early.Refused(t)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Contains(t, e.Message, "waiting for a place (position 2)")
	require.Equal(t, ippo.ECONFLICT, again.Refused(t).Code)
	require.Equal(t, ippo.PhaseActive, signed.OK(t).Phase)
	require.Equal(t, day("2026-10-14"), signed.OK(t).TermEnd)
	require.Equal(t, []string{"applied", "eligibility_approved", "place_granted", "contract_signed", "withdrawn"}, s.world.stepKinds())
	require.Len(t, s.world.noticesOf(activities.EmailPlaceReady), 1)
	require.True(t, s.world.noticesOf(activities.EmailEligibilityApproved)[0].Facts.Waitlisted)
}

func TestLeavingGrantsPlacesToThoseWaiting(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	s.world.promote = []string{"w-2", "w-3"}
	s.update("2026-03-21", workflows.UpdateDecideEligibility, approve())
	s.update("2026-03-22", workflows.UpdateWithdraw, withdraw())
	s.run()
	// Each promoted worker is signalled once; the signals go out together.
	require.ElementsMatch(t, []string{"worker/w-2", "worker/w-3"}, s.world.signals)
}

func TestContractTermsFollowTheCivilCode(t *testing.T) {
	cases := []struct{ signed, end, nextEnd string }{
		{"2026-04-01", "2026-09-30", "2026-12-31"},
		{"2026-08-31", "2027-02-28", "2027-05-31"},
		{"2027-08-31", "2028-02-29", "2028-05-31"}, // leap year
		{"2026-02-28", "2026-08-27", "2026-11-27"},
		{"2026-12-31", "2027-06-30", "2027-09-30"},
	}
	for _, c := range cases {
		t.Run(c.signed, func(t *testing.T) {
			s := newScenario(t, day(c.signed).AddDays(-5).String())
			s.update(day(c.signed).AddDays(-1).String(), workflows.UpdateDecideEligibility, approve())
			signed := s.update(c.signed, workflows.UpdateSignContract, workflows.SignContract{Actor: "staff:a"}) // today
			s.at(ippo.AddMonthsCivil(day(c.end).AddDays(1), 3).AddDays(-3).String(), func(*testsuite.TestWorkflowEnvironment) {})
			s.update(day(c.end).AddDays(20).String(), workflows.UpdateWithdraw, withdraw())
			s.run()
			r := signed.OK(t)
			require.Equal(t, day(c.signed), r.TermStart)
			require.Equal(t, day(c.end), r.TermEnd)
			terms := s.world.noticesOf(activities.EmailContractTerms)
			require.Len(t, terms, 2, "terms at signing and at the extension")
			require.False(t, terms[0].Facts.Extension)
			require.True(t, terms[1].Facts.Extension)
			require.Equal(t, day(c.end).AddDays(1), terms[1].Facts.TermStart)
			require.Equal(t, day(c.nextEnd), terms[1].Facts.TermEnd)
		})
	}
}

// TestAStepInTheFirstTaskComesAfterTheApplication: an approval that reaches
// the lifecycle before it has run at all is recorded after "applied".
func TestAStepInTheFirstTaskComesAfterTheApplication(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	s.atTime(s.start, func(env *testsuite.TestWorkflowEnvironment) {
		env.UpdateWorkflow(workflows.UpdateDecideEligibility, "first", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {},
		}, approve())
	})
	s.update("2026-03-21", workflows.UpdateWithdraw, withdraw())
	s.run()
	require.Equal(t, []string{"applied", "eligibility_approved", "withdrawn"}, s.world.stepKinds())
}
