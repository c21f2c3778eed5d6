package workflows_test

import (
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
)

// signedScenario: applied 2026-03-20, approved 03-25, signed 04-01 (term ends 09-30).
func signedScenario(t *testing.T) *scenario {
	s := newScenario(t, "2026-03-20")
	s.update("2026-03-25", workflows.UpdateDecideEligibility, approve())
	s.update("2026-04-01", workflows.UpdateSignContract, sign("2026-04-01"))
	return s
}

func TestFiveYearsOfExtensionsContinueAsNew(t *testing.T) {
	s := signedScenario(t)
	s.update("2031-04-15", workflows.UpdateWithdraw, withdraw())
	start := time.Now()
	s.run()
	t.Logf("five years of lifecycle in %s over %d runs", time.Since(start), s.runs)

	require.NoError(t, s.err)
	require.Equal(t, ippo.PhaseWithdrawn, s.state.Phase)
	// Extensions every three months from 2026-10-01 to 2031-04-01.
	ext := s.world.stepsOf("contract_extended")
	require.Len(t, ext, 19)
	require.Equal(t, "2026-10-01", ext[0].Data["term_start"])
	require.Equal(t, "2026-12-31", ext[0].Data["term_end"])
	require.Equal(t, "2031-04-01", ext[18].Data["term_start"])
	require.Equal(t, "2031-06-30", ext[18].Data["term_end"])
	require.Equal(t, 19, s.state.Contract.Extensions)
	require.Equal(t, 20, s.runs, "a new run at every extension")
	// Terms at signing and at every extension; a reminder before each.
	require.Len(t, s.world.noticesOf(activities.EmailContractTerms), 20)
	reminders := s.world.stepsOf("extension_reminder_sent")
	require.Len(t, reminders, 19)
	for i, r := range reminders {
		// 14 days before the extension, at 09:00 in Tokyo, and never after it.
		ext := day(ext[i].Data["term_start"].(string))
		require.Equal(t, ext.AddDays(-14).Start().Add(9*time.Hour), r.ProgramAt.In(ippo.Tokyo), "reminder %d", i)
	}
	// Every step and email is keyed once, across all runs.
	keys := map[string]bool{}
	for _, st := range s.world.steps {
		require.False(t, keys[st.Key], "step %s recorded twice", st.Key)
		keys[st.Key] = true
	}
}

func TestWorkerOptOutEndsWithTheTerm(t *testing.T) {
	s := signedScenario(t)
	out := s.update("2026-09-10", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByWorker, Actor: "worker"})
	s.run()

	r := out.OK(t)
	require.Equal(t, workflows.StatusEnding, r.Status)
	require.Equal(t, day("2026-09-30"), r.EndsOn)
	require.NoError(t, s.err)
	require.Equal(t, ippo.PhaseEnded, s.state.Phase)
	require.Empty(t, s.world.stepsOf("contract_extended"))
	require.Empty(t, s.world.stepsOf("extension_reminder_sent"), "no reminder of an extension that will not happen")
	require.Empty(t, s.world.noticesOf(activities.EmailNonRenewalNotice), "the center's notice is the center's")
	ended := s.world.stepsOf("contract_ended")
	require.Len(t, ended, 1)
	require.Equal(t, day("2026-10-01").Start(), ended[0].ProgramAt.In(ippo.Tokyo))
	require.Len(t, s.world.releases, 1)
}

func TestWorkerMayOptOutOnTheLastDay(t *testing.T) {
	s := signedScenario(t)
	out := s.update("2026-09-30", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByWorker})
	s.run()
	require.Equal(t, day("2026-09-30"), out.OK(t).EndsOn)
	require.Equal(t, ippo.PhaseEnded, s.state.Phase)
	require.Len(t, s.world.stepsOf("extension_reminder_sent"), 1, "the reminder went on 09-17")
}

func TestCenterNoticeInTime(t *testing.T) {
	s := signedScenario(t)
	// 30 days before 09-30 is 08-31: the last day notice ends the current term.
	given := s.update("2026-08-31", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter, NoteID: "note-n", Actor: "staff:a"})
	twice := s.update("2026-09-01", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter, Actor: "staff:a"})
	s.run()

	require.Equal(t, day("2026-09-30"), given.OK(t).EndsOn)
	e := twice.Refused(t)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Contains(t, e.Message, "already ends on 2026-09-30")
	notice := s.world.noticesOf(activities.EmailNonRenewalNotice)
	require.Len(t, notice, 1)
	require.Equal(t, day("2026-09-30"), notice[0].Facts.TermEnd)
	require.Equal(t, "note-n", notice[0].Facts.NoteID)
	require.Equal(t, ippo.PhaseEnded, s.state.Phase)
	require.Empty(t, s.world.stepsOf("contract_extended"))
}

func TestCenterNoticeTooLateNamesTheEarliestEnd(t *testing.T) {
	s := signedScenario(t)
	late := s.update("2026-09-01", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter})
	notAnEnd := s.update("2026-09-02", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter, EndsOn: day("2026-11-30")})
	tooEarly := s.update("2026-09-03", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter, EndsOn: day("2026-09-30")})
	later := s.update("2026-09-04", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter, EndsOn: day("2026-12-31")})
	s.run()

	e := late.Refused(t)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Equal(t, "2026-12-31", e.Details["earliest_end_date"])
	require.Contains(t, e.Message, "at least 30 days")
	require.Equal(t, ippo.EINVALID, notAnEnd.Refused(t).Code)
	require.Equal(t, "ends_on", notAnEnd.Refused(t).Fields[0].Field)
	require.Equal(t, "2026-12-31", tooEarly.Refused(t).Details["earliest_end_date"])
	require.Equal(t, day("2026-12-31"), later.OK(t).EndsOn)

	// The contract extends once more (the notice came too late for 09-30),
	// then ends with that term.
	ext := s.world.stepsOf("contract_extended")
	require.Len(t, ext, 1)
	require.Equal(t, "2026-12-31", ext[0].Data["term_end"])
	require.Len(t, s.world.stepsOf("extension_reminder_sent"), 1, "a reminder of the one extension still coming, none of the last term")
	// Its terms email says the contract ends with that term: no extension
	// "will follow automatically", no opt-out.
	terms := s.world.noticesOf(activities.EmailContractTerms)
	require.Len(t, terms, 2)
	require.False(t, terms[0].Facts.Final, "signing: extensions follow")
	require.True(t, terms[1].Facts.Extension)
	require.True(t, terms[1].Facts.Final, "the last term's terms")
	require.Equal(t, day("2026-12-31"), terms[1].Facts.TermEnd)
	require.Equal(t, ippo.PhaseEnded, s.state.Phase)
	ended := s.world.stepsOf("contract_ended")
	require.Equal(t, "2026-12-31", ended[0].Data["ended_on"])
}

func TestWithdrawalInEachPhase(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(s *scenario)
		from     ippo.Phase
		releases int
	}{
		{"screening", func(s *scenario) {}, ippo.PhaseScreening, 0},
		{"waitlisted", func(s *scenario) {
			s.world.claim = activities.PlaceResult{Position: 1}
			s.update("2026-03-21", workflows.UpdateDecideEligibility, approve())
		}, ippo.PhaseScreening, 1},
		{"onboarding", func(s *scenario) { s.update("2026-03-21", workflows.UpdateDecideEligibility, approve()) }, ippo.PhaseOnboarding, 1},
		{"active", func(s *scenario) {
			s.update("2026-03-21", workflows.UpdateDecideEligibility, approve())
			s.update("2026-03-22", workflows.UpdateSignContract, sign("2026-03-22"))
		}, ippo.PhaseActive, 1},
		{"active, ending", func(s *scenario) {
			s.update("2026-03-21", workflows.UpdateDecideEligibility, approve())
			s.update("2026-03-22", workflows.UpdateSignContract, sign("2026-03-22"))
			s.update("2026-03-23", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByWorker})
		}, ippo.PhaseActive, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScenario(t, "2026-03-20")
			c.setup(s)
			left := s.update("2026-04-01", workflows.UpdateWithdraw, withdraw())
			s.run()
			require.Equal(t, ippo.PhaseWithdrawn, left.OK(t).Phase)
			require.NoError(t, s.err, "the lifecycle completes")
			require.Equal(t, ippo.PhaseWithdrawn, s.state.Phase)
			require.Len(t, s.world.releases, c.releases)
			w := s.world.stepsOf("withdrawn")
			require.Len(t, w, 1)
			require.Equal(t, string(c.from), w[0].Data["from_phase"])
		})
	}
}

func TestOutOfPhaseStepsAreRefusedAndChangeNothing(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	signEarly := s.update("2026-03-21", workflows.UpdateSignContract, sign("2026-03-21"))
	endEarly := s.update("2026-03-21", workflows.UpdateEndContract, workflows.EndContract{By: workflows.ByCenter})
	s.update("2026-03-22", workflows.UpdateDecideEligibility, approve())
	future := s.update("2026-03-23", workflows.UpdateSignContract, sign("2026-03-30"))
	beforeApplied := s.update("2026-03-23", workflows.UpdateSignContract, sign("2026-03-19"))
	badBy := s.update("2026-03-23", workflows.UpdateEndContract, workflows.EndContract{By: "nobody"})
	s.update("2026-03-24", workflows.UpdateWithdraw, withdraw())
	s.run()

	for _, o := range []*outcome{signEarly, endEarly} {
		e := o.Refused(t)
		require.Equal(t, ippo.ECONFLICT, e.Code)
		require.Equal(t, ippo.PhaseScreening, e.Phase)
		require.Equal(t, []string{"eligibility", "withdrawal"}, e.Allowed)
	}
	require.Equal(t, "signed_on", future.Refused(t).Fields[0].Field)
	require.Equal(t, "signed_on", beforeApplied.Refused(t).Fields[0].Field)
	require.Equal(t, ippo.ECONFLICT, badBy.Refused(t).Code, "non-renewal before a contract is out of phase")
	// Refused steps recorded nothing.
	require.Equal(t, []string{"applied", "eligibility_approved", "withdrawn"}, s.world.stepKinds())
}

// TestTimelyOptOutAppliedAfterTheExtension: an opt-out submitted on the
// last day of the term that reaches the lifecycle only after the extension
// (Temporal was restarting) still counts: the extension is withdrawn and
// the contract ends with the term the worker named.
func TestTimelyOptOutAppliedAfterTheExtension(t *testing.T) {
	s := signedScenario(t)
	submitted := day("2026-09-30").Start().Add(23*time.Hour + 59*time.Minute)
	out := s.update("2026-10-01", workflows.UpdateEndContract, workflows.EndContract{
		By: workflows.ByWorker, EndsOn: day("2026-09-30"), Actor: "worker", SubmittedAt: submitted})
	s.run()

	r := out.OK(t)
	require.Equal(t, ippo.PhaseEnded, r.Phase)
	require.Equal(t, day("2026-09-30"), r.EndsOn)
	require.Equal(t, day("2026-09-30"), r.TermEnd)
	require.NoError(t, s.err)
	require.Equal(t, ippo.PhaseEnded, s.state.Phase)
	require.Equal(t, 0, s.state.Contract.Extensions, "the extension nobody wanted is withdrawn")
	opted := s.world.stepsOf("opted_out")
	require.Len(t, opted, 1)
	require.Equal(t, "2026-09-30", opted[0].Data["submitted_on"])
	require.Equal(t, "2026-10-01", opted[0].Data["extension_withdrawn"])
	ended := s.world.stepsOf("contract_ended")
	require.Len(t, ended, 1)
	require.Equal(t, "2026-09-30", ended[0].Data["ended_on"])
	require.Equal(t, ippo.PhaseEnded, ended[0].View.Phase)
	require.Equal(t, day("2026-09-30"), ended[0].View.ContractEnd, "the read model shows the end the worker asked for")
}

// TestOptOutSubmittedAfterTheExtensionIsRefused: the submission instant
// decides: one made after the extension is not made timely by naming the
// previous term.
func TestOptOutSubmittedAfterTheExtensionIsRefused(t *testing.T) {
	s := signedScenario(t)
	out := s.update("2026-10-02", workflows.UpdateEndContract, workflows.EndContract{
		By: workflows.ByWorker, EndsOn: day("2026-09-30"), Actor: "worker", SubmittedAt: day("2026-10-01").Start().Add(time.Hour)})
	s.update("2026-10-03", workflows.UpdateWithdraw, withdraw())
	s.run()
	require.Equal(t, ippo.EINVALID, out.Refused(t).Code)
	require.Len(t, s.world.stepsOf("contract_extended"), 1)
	require.Empty(t, s.world.stepsOf("opted_out"))
}

// TestNoticeDayIsTheSubmissionDay: a notice applied days after it first
// reached Ippo (a link claim taken over after a crash keeps its first
// submission; an API retry keeps its request's) counts from the day it was
// submitted, and the timeline records that day as notice_on — the center's
// notice given exactly notice_days before the end still ends that term,
// and so does the worker's opt-out.
func TestNoticeDayIsTheSubmissionDay(t *testing.T) {
	s := signedScenario(t)
	center := s.update("2026-09-02", workflows.UpdateEndContract, workflows.EndContract{
		By: workflows.ByCenter, Actor: "staff", SubmittedAt: day("2026-08-31").Start().Add(20 * time.Hour)})
	s.update("2026-10-05", workflows.UpdateWithdraw, withdraw())
	s.run()

	r := center.OK(t)
	require.Equal(t, day("2026-09-30"), r.EndsOn, "30 days' notice from the submission day, 2026-08-31")
	given := s.world.stepsOf("non_renewal_given")
	require.Len(t, given, 1)
	require.Equal(t, "2026-08-31", given[0].Data["notice_on"])
	require.Equal(t, "2026-09-30", given[0].Data["ends_on"])
	require.Empty(t, s.world.stepsOf("contract_extended"))

	w := signedScenario(t)
	opt := w.update("2026-09-30", workflows.UpdateEndContract, workflows.EndContract{
		By: workflows.ByWorker, EndsOn: day("2026-09-30"), Actor: "worker", SubmittedAt: day("2026-09-27").Start().Add(time.Hour)})
	w.update("2026-10-05", workflows.UpdateWithdraw, withdraw())
	w.run()
	require.Equal(t, day("2026-09-30"), opt.OK(t).EndsOn)
	opted := w.world.stepsOf("opted_out")
	require.Len(t, opted, 1)
	require.Equal(t, "2026-09-27", opted[0].Data["notice_on"])
	require.Empty(t, w.world.stepsOf("contract_extended"))
}

// TestRetriedStepAfterContinueAsNew: a step retried with its update ID
// (the same Idempotency-Key) after the lifecycle continued as new is
// answered as it was the first time, not refused by the new run; a new
// step of the same kind is still refused.
func TestRetriedStepAfterContinueAsNew(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	s.update("2026-03-25", workflows.UpdateDecideEligibility, approve())
	first := s.updateAs("2026-04-01", workflows.UpdateSignContract, "idem/staff/sign-1", sign("2026-04-01"))
	// The extension on 2026-10-01 continues the lifecycle as new.
	retried := s.updateAs("2026-10-05", workflows.UpdateSignContract, "idem/staff/sign-1", sign("2026-04-01"))
	other := s.updateAs("2026-10-05", workflows.UpdateSignContract, "idem/staff/sign-2", sign("2026-04-01"))
	s.update("2026-10-20", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.NoError(t, s.err)
	require.GreaterOrEqual(t, s.runs, 2, "the extension continued the lifecycle as new")
	want := first.OK(t)
	require.Equal(t, day("2026-04-01"), want.TermStart)
	require.Equal(t, want, retried.OK(t), "the retry gets the first answer")
	require.Equal(t, ippo.ECONFLICT, other.Refused(t).Code, "a new signing does not fit the phase")
	require.Len(t, s.world.stepsOf("contract_signed"), 1, "signed once")
	require.Len(t, s.world.noticesOf(activities.EmailContractTerms), 2, "terms at signing and at the extension, not again")
}

// TestNoticeAfterAnOverdueExtension: a worker's opt-out that reaches the
// lifecycle at the extension's instant is judged on the term current on its
// day: the contract is extended and ends with the new term, not
// retroactively on the last term's end. (In the test environment the
// extension's timer is handled first; on a real server, after a restart,
// the update can come before the timer, which is what extendDueBy is for.)
func TestNoticeAfterAnOverdueExtension(t *testing.T) {
	s := signedScenario(t)
	extension := day("2026-10-01").Start()
	opt := s.updateAt(extension, workflows.UpdateEndContract, "late-opt-out",
		workflows.EndContract{By: workflows.ByWorker, Actor: "worker", SubmittedAt: extension.Add(time.Minute)})
	s.update("2027-01-05", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.NoError(t, s.err)
	require.Equal(t, day("2026-12-31"), opt.OK(t).EndsOn, "the opt-out ends the term that began on its day")
	ext := s.world.stepsOf("contract_extended")
	require.Len(t, ext, 1)
	require.Equal(t, "2026-10-01", ext[0].Data["term_start"])
	opted := s.world.stepsOf("opted_out")
	require.Len(t, opted, 1)
	require.Equal(t, "2026-12-31", opted[0].Data["ends_on"])
	require.Equal(t, ippo.PhaseEnded, s.state.Phase)
}
