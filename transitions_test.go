package ippo_test

import (
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// The 409 answers have always listed these steps, in this order; the
// table must keep answering them (API clients and tests read them).
func TestStepNamesPerStanding(t *testing.T) {
	for _, c := range []struct {
		phase  ippo.Phase
		status string
		want   []string
	}{
		{ippo.PhaseScreening, ippo.StatusAwaitingDecision, []string{"eligibility", "withdrawal"}},
		{ippo.PhaseScreening, ippo.StatusWaitlisted, []string{"withdrawal"}},
		{ippo.PhaseOnboarding, ippo.StatusAwaitingContract, []string{"contract", "withdrawal"}},
		{ippo.PhaseActive, ippo.StatusUnderContract, []string{"non-renewal", "withdrawal", "assessments", "graduation"}},
		{ippo.PhaseActive, ippo.StatusEnding, []string{"withdrawal", "assessments", "graduation"}},
		{ippo.PhaseGraduated, ippo.StatusFollowingUp, []string{"handoff acknowledgement"}},
		{ippo.PhaseGraduated, ippo.StatusClosed, nil},
		{ippo.PhaseWithdrawn, ippo.StatusClosed, nil},
		{ippo.PhaseIneligible, ippo.StatusClosed, nil},
		{ippo.PhaseEnded, ippo.StatusClosed, nil},
	} {
		require.Equal(t, c.want, ippo.StepNames(c.phase, c.status), "%s/%s", c.phase, c.status)
	}
}

func TestTransitionsAreWellFormed(t *testing.T) {
	seen := map[[3]string]bool{}
	for _, tr := range ippo.Transitions {
		require.True(t, tr.Phase.Valid(), "phase %q", tr.Phase)
		require.NotEmpty(t, tr.Next, "%s/%s %s leads nowhere", tr.Phase, tr.Status, tr.Step)
		for _, n := range tr.Next {
			require.True(t, n.Valid(), "next phase %q", n)
		}
		key := [3]string{string(tr.Phase), tr.Status, string(tr.Step)}
		require.False(t, seen[key], "row %v twice", key)
		seen[key] = true
		require.False(t, tr.Phase.Final() && tr.Step != ippo.StepHandoffAck, "a final phase takes no step but a graduate's handoff acknowledgement")
	}
}

// Withdrawal fits every phase that is not final, as it always has.
func TestWithdrawalFitsEveryOpenPhase(t *testing.T) {
	for _, p := range ippo.Phases {
		require.Equal(t, !p.Final(), ippo.PhaseAllows(p, ippo.StepWithdrawal), "phase %s", p)
	}
	require.True(t, ippo.StepFits(ippo.PhaseActive, ippo.StatusEnding, ippo.StepGraduation))
	require.False(t, ippo.StepFits(ippo.PhaseActive, ippo.StatusEnding, ippo.StepNonRenewal))
	require.True(t, ippo.PhaseAllows(ippo.PhaseActive, ippo.StepNonRenewal))
}
