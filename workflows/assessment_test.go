package workflows_test

import (
	"fmt"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
)

var assessmentSeq int

// assess is an assessment by staff or self on date with the four scores.
func assess(by ippo.Assessor, on string, stability, execution, habits, interpersonal int) workflows.RecordAssessment {
	assessmentSeq++
	return workflows.RecordAssessment{
		AssessmentID: fmt.Sprintf("a-%d", assessmentSeq), By: by, On: day(on),
		Scores: ippo.PerDimension[int]{Stability: stability, Execution: execution, Habits: habits, Interpersonal: interpersonal},
		Actor:  "staff:a",
	}
}

// both records a staff and a self assessment on date, middling scores.
func both(s *scenario, on string) {
	s.update(on, workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, on, 3, 3, 3, 3))
	s.update(on, workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, on, 3, 3, 3, 3))
}

// cadenceSteps lists the cadence's steps as "kind due_on@program date".
func cadenceSteps(w *world) []string {
	var out []string
	for _, st := range w.steps {
		switch st.Kind {
		case "assessment_requested", "assessment_reminder_sent", "assessment_overdue":
			at := st.ProgramAt.In(ippo.Tokyo)
			out = append(out, fmt.Sprintf("%s %s@%s", st.Kind, st.Data["due_on"], at.Format("2006-01-02 15:04")))
		}
	}
	return out
}

// TestAssessmentCadenceOverTwoYears: rounds every three months and before
// each extension, across the runs that every extension starts; a round
// done early is not asked again, a round left undone is reminded and
// escalated once.
func TestAssessmentCadenceOverTwoYears(t *testing.T) {
	s := signedScenario(t) // signed 2026-04-01: extensions 10-01, 01-01, 04-01, …
	// Round 1, due 07-01 (three months from signing): done on time.
	s.update("2026-06-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-06-10", 3, 3, 3, 3))
	s.update("2026-06-12", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-06-12", 3, 3, 3, 3))
	// Round 2, due 09-12 (three months from 06-12): nothing until after the extension.
	both(s, "2026-10-06")
	// Round 3, due 12-31 (the day before the 2027-01-01 extension).
	s.update("2026-12-02", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-12-02", 3, 3, 3, 3))
	s.update("2026-12-03", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-12-03", 3, 3, 3, 3))
	// Round 4, due 2027-03-03: the worker on time, staff late.
	s.update("2027-02-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2027-02-10", 3, 3, 3, 3))
	s.update("2027-03-20", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2027-03-20", 3, 3, 3, 3))
	both(s, "2027-06-01") // round 5, due 06-20
	both(s, "2027-08-20") // round 6, due 09-01
	both(s, "2027-09-15") // round 7, due 09-30 (before the 10-01 extension)
	both(s, "2028-01-10") // round 8, due 12-15: late
	s.update("2028-04-15", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.NoError(t, s.err)
	require.Equal(t, ippo.PhaseWithdrawn, s.state.Phase)
	require.GreaterOrEqual(t, s.runs, 8, "the cadence continues across the runs of each extension")
	require.Equal(t, []string{
		"assessment_requested 2026-07-01@2026-06-02 09:00",
		"assessment_requested 2026-09-12@2026-08-13 09:00",
		"assessment_reminder_sent 2026-09-12@2026-09-05 09:00",
		"assessment_overdue 2026-09-12@2026-09-26 09:00",
		"assessment_requested 2026-12-31@2026-12-01 09:00",
		"assessment_requested 2027-03-03@2027-02-04 09:00",
		"assessment_overdue 2027-03-03@2027-03-17 09:00",
		"assessment_requested 2027-06-20@2027-05-21 09:00",
		"assessment_requested 2027-09-01@2027-08-02 09:00",
		"assessment_requested 2027-09-30@2027-09-01 09:00",
		"assessment_requested 2027-12-15@2027-11-16 09:00",
		"assessment_reminder_sent 2027-12-15@2027-12-08 09:00",
		"assessment_overdue 2027-12-15@2027-12-29 09:00",
		"assessment_requested 2028-03-31@2028-03-01 09:00",
		"assessment_reminder_sent 2028-03-31@2028-03-24 09:00",
		"assessment_overdue 2028-03-31@2028-04-14 09:00",
	}, cadenceSteps(s.world))

	// Every request and reminder is an email with the due date and a link
	// that outlives it; every overdue round tells staff once.
	requests := s.world.noticesOf(activities.EmailSelfAssessmentRequest)
	require.Len(t, requests, 12, "nine requests and three reminders")
	require.Equal(t, day("2026-07-01"), requests[0].Facts.DueOn)
	require.Equal(t, day("2026-08-01"), requests[0].Facts.LinkExpires)
	overdue := s.world.noticesOf(activities.EmailAssessmentOverdue)
	require.Len(t, overdue, 4)
	require.True(t, overdue[0].Facts.StaffMissing)
	require.True(t, overdue[0].Facts.SelfMissing)
	require.True(t, overdue[1].Facts.StaffMissing, "round 4: staff had not assessed")
	require.False(t, overdue[1].Facts.SelfMissing, "round 4: the worker had")
	require.Len(t, s.world.todos, 4)
	require.Equal(t, activities.TodoAssessmentOverdue, s.world.todos[1].Kind)
	require.Equal(t, day("2027-03-03"), s.world.todos[1].DueOn)
	require.Len(t, s.world.accepted, 16)
	require.Len(t, s.world.stepsOf("assessment_recorded"), 16)
	// Middling scores never reach the step-up threshold.
	require.Empty(t, s.world.stepsOf("step_up_recommended"))
}

// TestAssessmentOverdueEscalation: a round nobody does is asked for,
// reminded and escalated to staff once; doing it late starts the next round
// from the day it was done.
func TestAssessmentOverdueEscalation(t *testing.T) {
	s := signedScenario(t)
	staff := s.update("2026-07-20", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-07-20", 3, 3, 3, 3))
	self := s.update("2026-07-21", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-07-20", 2, 3, 3, 3))
	s.update("2026-08-01", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.Equal(t, []string{
		"assessment_requested 2026-07-01@2026-06-02 09:00",
		"assessment_reminder_sent 2026-07-01@2026-06-24 09:00",
		"assessment_overdue 2026-07-01@2026-07-15 09:00",
	}, cadenceSteps(s.world))
	o := s.world.stepsOf("assessment_overdue")[0]
	require.Equal(t, true, o.Data["staff_missing"])
	require.Equal(t, true, o.Data["self_missing"])
	n := s.world.noticesOf(activities.EmailAssessmentOverdue)
	require.Len(t, n, 1)
	require.Equal(t, day("2026-07-15"), n[0].Facts.On)
	require.Equal(t, []activities.StaffTodo{{Key: o.Key + "/todo", Kind: activities.TodoAssessmentOverdue, WorkerID: workerID,
		DueOn: day("2026-07-01"), StaffMissing: true, SelfMissing: true}}, s.world.todos)

	r := valueOf[workflows.AssessmentResult](t, staff)
	require.False(t, r.RoundComplete)
	require.Equal(t, day("2026-07-01"), r.NextDue, "still the overdue round")
	r = valueOf[workflows.AssessmentResult](t, self)
	require.True(t, r.RoundComplete)
	require.Equal(t, 2.75, r.Average)
	// 07-20 + 3 months is after the 10-01 extension and 07-20 is outside
	// its window, so the next round is due the day before it.
	require.Equal(t, day("2026-09-30"), r.NextDue)
	require.Equal(t, ippo.PhaseActive, r.Phase)
}

func TestStepUpAtBelowAndAboveTheThreshold(t *testing.T) {
	cases := []struct {
		name        string
		threshold   float64
		staff, self [4]int
		want        bool
	}{
		{"both exactly at 4.0", 4, [4]int{4, 4, 4, 4}, [4]int{5, 3, 4, 4}, true},
		{"both above", 4, [4]int{5, 5, 4, 4}, [4]int{5, 5, 5, 4}, true},
		{"staff just below (3.75)", 4, [4]int{4, 4, 4, 3}, [4]int{5, 5, 5, 5}, false},
		{"self just below (3.75)", 4, [4]int{5, 5, 5, 5}, [4]int{3, 4, 4, 4}, false},
		{"the policy's threshold (3.5), exactly", 3.5, [4]int{4, 3, 4, 3}, [4]int{3, 4, 3, 4}, true},
		{"a 4.5 threshold, 4.25 is below", 4.5, [4]int{5, 4, 4, 4}, [4]int{5, 5, 5, 5}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := signedScenario(t)
			p := ippo.DefaultPolicy()
			p.StepUpThreshold = c.threshold
			s.world.policy = append(s.world.policy, ippo.PolicyVersion{EffectiveFrom: day("2026-05-01"), Policy: p})
			s.update("2026-05-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-05-10", c.staff[0], c.staff[1], c.staff[2], c.staff[3]))
			second := s.update("2026-05-11", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-05-11", c.self[0], c.self[1], c.self[2], c.self[3]))
			s.update("2026-05-20", workflows.UpdateWithdraw, withdraw())
			s.run()

			r := valueOf[workflows.AssessmentResult](t, second)
			require.Equal(t, c.want, r.StepUpRecommended)
			require.Equal(t, ippo.PhaseActive, r.Phase, "a recommendation never graduates anyone")
			steps := s.world.stepsOf("step_up_recommended")
			worker := s.world.noticesOf(activities.EmailStepUp)
			staff := s.world.noticesOf(activities.EmailStepUpStaff)
			if !c.want {
				require.Empty(t, steps)
				require.Empty(t, worker)
				require.Empty(t, staff)
				return
			}
			require.Len(t, steps, 1)
			require.Len(t, worker, 1)
			require.Len(t, staff, 1)
			staffAvg := float64(c.staff[0]+c.staff[1]+c.staff[2]+c.staff[3]) / 4
			selfAvg := float64(c.self[0]+c.self[1]+c.self[2]+c.self[3]) / 4
			require.Equal(t, staffAvg, worker[0].Facts.StaffAverage)
			require.Equal(t, selfAvg, worker[0].Facts.SelfAverage)
			require.Equal(t, c.threshold, staff[0].Facts.Threshold)
			require.Equal(t, day("2026-05-11"), staff[0].Facts.On)
			require.Equal(t, c.threshold, steps[0].Data["threshold"])
		})
	}
}

func TestStepUpIsNotRepeatedForTheSamePair(t *testing.T) {
	s := signedScenario(t)
	s.update("2026-05-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-05-10", 4, 4, 4, 4))
	first := s.update("2026-05-11", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-05-11", 4, 4, 4, 4))
	// An older assessment recorded late leaves the latest pair as it was.
	backdated := s.update("2026-05-12", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-05-01", 5, 5, 5, 5))
	// A new staff assessment makes a new pair, still above the threshold.
	newer := s.update("2026-06-15", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-06-15", 5, 4, 4, 4))
	// A new self-assessment below it: no recommendation.
	below := s.update("2026-06-16", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-06-16", 3, 4, 4, 4))
	s.update("2026-06-20", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.True(t, valueOf[workflows.AssessmentResult](t, first).StepUpRecommended)
	require.False(t, valueOf[workflows.AssessmentResult](t, backdated).StepUpRecommended)
	require.True(t, valueOf[workflows.AssessmentResult](t, newer).StepUpRecommended)
	require.False(t, valueOf[workflows.AssessmentResult](t, below).StepUpRecommended)
	require.Len(t, s.world.stepsOf("step_up_recommended"), 2)
	require.Len(t, s.world.noticesOf(activities.EmailStepUp), 2)
}

func TestAssessmentRefusals(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	early := s.update("2026-03-21", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-03-21", 3, 3, 3, 3))
	s.update("2026-03-25", workflows.UpdateDecideEligibility, approve())
	s.update("2026-04-01", workflows.UpdateSignContract, sign("2026-04-01"))
	six := s.update("2026-04-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorStaff, "2026-04-10", 3, 3, 3, 6))
	before := s.update("2026-04-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-03-31", 3, 3, 3, 3))
	future := s.update("2026-04-10", workflows.UpdateRecordAssessment, assess(ippo.AssessorSelf, "2026-04-11", 3, 3, 3, 3))
	nobody := s.update("2026-04-10", workflows.UpdateRecordAssessment, assess("manager", "2026-04-10", 3, 3, 3, 3))
	ok := assess(ippo.AssessorStaff, "2026-04-10", 3, 3, 3, 3)
	s.update("2026-04-10", workflows.UpdateRecordAssessment, ok)
	twice := s.update("2026-04-11", workflows.UpdateRecordAssessment, ok)
	s.update("2026-04-20", workflows.UpdateWithdraw, withdraw())
	s.run()

	e := early.Refused(t)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Equal(t, ippo.PhaseScreening, e.Phase)
	require.Equal(t, "scores.interpersonal", six.Refused(t).Fields[0].Field)
	require.Equal(t, "on", before.Refused(t).Fields[0].Field)
	require.Contains(t, before.Refused(t).Fields[0].Message, "2026-04-01")
	require.Equal(t, "on", future.Refused(t).Fields[0].Field)
	require.Equal(t, "by", nobody.Refused(t).Fields[0].Field)
	require.Equal(t, ippo.ECONFLICT, twice.Refused(t).Code)
	require.Len(t, s.world.stepsOf("assessment_recorded"), 1, "refused assessments record nothing")
	require.Len(t, s.world.accepted, 1)
}

// TestCadenceRecomputedAtAnExtension: with a six-month interval, a round
// done early for one extension would fall after the next; at the extension
// it is brought before it.
func TestCadenceRecomputedAtAnExtension(t *testing.T) {
	s := signedScenario(t)
	p := ippo.DefaultPolicy()
	p.AssessmentIntervalMonths = 6
	s.world.policy = []ippo.PolicyVersion{{EffectiveFrom: day("2022-10-01"), Policy: p}}
	// Signed 04-01: due 09-30 (six months would pass the 10-01 extension).
	both(s, "2026-09-20") // in the window: next due 2027-03-20 …
	s.update("2026-12-20", workflows.UpdateWithdraw, withdraw())
	s.run()
	// … which passes the 2027-01-01 extension: at 10-01 it becomes 12-31.
	require.Equal(t, []string{
		"assessment_requested 2026-09-30@2026-09-01 09:00",
		"assessment_requested 2026-12-31@2026-12-01 09:00",
	}, cadenceSteps(s.world))
}
