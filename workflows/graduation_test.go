package workflows_test

import (
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"
)

const (
	agencyA = "0a0a0a0a-0000-4000-8000-00000000000a"
	agencyB = "0b0b0b0b-0000-4000-8000-00000000000b"
	agencyC = "0c0c0c0c-0000-4000-8000-00000000000c"
)

func graduate(handoffs ...workflows.HandoffRequest) workflows.Graduate {
	return workflows.Graduate{Destination: ippo.DestinationGeneralEmployment, NoteID: "note-g", Handoffs: handoffs, Actor: "staff:a"}
}

func handoffTo(agency, consent string) workflows.HandoffRequest {
	return workflows.HandoffRequest{AgencyID: agency, ConsentID: consent}
}

func ack(agency, actor string) workflows.AcknowledgeHandoff {
	return workflows.AcknowledgeHandoff{HandoffID: workflows.HandoffID(workerID, agency), Actor: actor}
}

func (w *world) handoffSteps() []string {
	var out []string
	for _, st := range w.steps {
		switch st.Kind {
		case "graduated", "handoff_sent", "handoff_cancelled", "handoff_acknowledged", "handoff_unacknowledged",
			"handoff_consent_withdrawn", "follow_up_check_in", "lifecycle_completed":
			k := st.Kind + "@" + st.ProgramAt.In(ippo.Tokyo).Format("2006-01-02 15:04")
			if a, ok := st.Data["agency_id"].(string); ok {
				k += " " + map[string]string{agencyA: "A", agencyB: "B", agencyC: "C"}[a]
			}
			out = append(out, k)
		}
	}
	return out
}

// TestHandoffWithMixedConsents: graduation hands over to each agency with a
// consent in force, exactly what that consent names; an agency whose
// consent was withdrawn before its turn gets nothing. Acknowledged and
// unacknowledged handoffs, then three follow-ups, then the end.
func TestHandoffWithMixedConsents(t *testing.T) {
	s := signedScenario(t) // signed 2026-04-01
	s.world.consent("c-a", ippo.ShareWorkHistory, ippo.ShareAssessments)
	s.world.consent("c-b", ippo.ShareContact, ippo.ShareDisabilityType)
	s.world.consent("c-c", ippo.ShareWorkHistory)
	s.world.withdraw("c-c") // after the API checked it, before the handoff went
	graduated := s.update("2026-08-03", workflows.UpdateGraduate, graduate(handoffTo(agencyA, "c-a"), handoffTo(agencyB, "c-b"), handoffTo(agencyC, "c-c")))
	acked := s.update("2026-08-05", workflows.UpdateAcknowledgeHandoff, ack(agencyA, ippo.ActorAgency))
	s.run()

	require.NoError(t, s.err, "the lifecycle completes")
	r := valueOf[workflows.GraduationResult](t, graduated)
	require.Equal(t, ippo.PhaseGraduated, r.Phase)
	require.Equal(t, workflows.StatusFollowingUp, r.Status)
	require.Equal(t, day("2026-08-03"), r.EndsOn, "the contract ends with the graduation")
	g := r.Graduation
	require.Equal(t, ippo.DestinationGeneralEmployment, g.Destination)
	require.Equal(t, day("2026-08-03"), g.On)
	require.Len(t, g.Handoffs, 3)
	require.Equal(t, ippo.HandoffSent, g.Handoffs[0].Status)
	require.Equal(t, []ippo.ShareItem{ippo.ShareWorkHistory, ippo.ShareAssessments}, g.Handoffs[0].Items)
	require.Equal(t, day("2026-08-17"), g.Handoffs[0].AckBy)
	require.Equal(t, day("2029-08-02"), g.Handoffs[0].KeepUntil)
	require.Equal(t, []ippo.ShareItem{ippo.ShareContact, ippo.ShareDisabilityType}, g.Handoffs[1].Items)
	require.Equal(t, ippo.HandoffCancelled, g.Handoffs[2].Status)
	require.Equal(t, "consent_withdrawn", g.Handoffs[2].Reason)
	require.Empty(t, g.Handoffs[2].Items)
	require.Equal(t, []workflows.FollowUp{{1, day("2026-09-03"), false}, {3, day("2026-11-03"), false}, {6, day("2027-02-03"), false}}, g.FollowUps)

	// Emails: one per agency that may receive one, to that agency; none to C.
	sent := s.world.noticesOf(activities.EmailAgencyHandoff)
	require.Len(t, sent, 2)
	require.Equal(t, agencyA, sent[0].AgencyID)
	require.Equal(t, g.Handoffs[0].ID, sent[0].Facts.HandoffID)
	require.Equal(t, agencyB, sent[1].AgencyID)
	require.Equal(t, day("2027-02-03"), sent[0].Facts.LinkExpires, "the ack link works while the lifecycle can record it")
	// The provision records: what (the consent decides), to whom, when, how long.
	require.Len(t, s.world.provided, 3)
	p := s.world.provided[0]
	require.Equal(t, day("2026-08-03"), p.On)
	require.Equal(t, "note-g", p.NoteID)
	require.Equal(t, "staff:a", p.CreatedBy)
	require.Equal(t, "worker/"+workerID+"/handoff/"+p.ID+"/agency_handoff", p.EmailKey)
	require.Equal(t, sent[0].Key, p.EmailKey)
	// Each provision's record is kept by its own workflow; none for C.
	require.Len(t, s.world.retention, 2)
	require.Equal(t, "provision/"+g.Handoffs[0].ID, s.world.retention[0].id)
	require.Equal(t, day("2029-08-02"), s.world.retention[0].in.KeepUntil)

	require.Equal(t, []string{
		"graduated@2026-08-03 10:00",
		"handoff_sent@2026-08-03 10:00 A",
		"handoff_sent@2026-08-03 10:00 B",
		"handoff_cancelled@2026-08-03 10:00 C",
		"handoff_acknowledged@2026-08-05 10:00 A",
		"handoff_unacknowledged@2026-08-18 09:00 B",
		"follow_up_check_in@2026-09-03 09:00",
		"follow_up_check_in@2026-11-03 09:00",
		"follow_up_check_in@2027-02-03 09:00",
		"lifecycle_completed@2027-02-03 09:00",
	}, s.world.handoffSteps())
	require.Equal(t, ippo.ActorAgency, s.world.stepsOf("handoff_acknowledged")[0].Actor)
	require.Equal(t, workflows.StatusFollowingUp, valueOf[workflows.HandoffAckResult](t, acked).Status)
	require.Equal(t, ippo.HandoffAcknowledged, valueOf[workflows.HandoffAckResult](t, acked).Handoff.Status)

	// B's silence reached staff once, by email and to-do.
	late := s.world.noticesOf(activities.EmailHandoffNotAcked)
	require.Len(t, late, 1)
	require.Equal(t, g.Handoffs[1].ID, late[0].Facts.HandoffID)
	require.Equal(t, []string{activities.TodoHandoffUnacknowledged}, todoKinds(s.world))
	follow := s.world.noticesOf(activities.EmailFollowUp)
	require.Len(t, follow, 3)
	require.Equal(t, []int{1, 3, 6}, []int{follow[0].Facts.Months, follow[1].Facts.Months, follow[2].Facts.Months})

	require.Equal(t, ippo.PhaseGraduated, s.state.Phase)
	require.Equal(t, workflows.StatusClosed, s.state.Status)
	require.Len(t, s.world.releases, 1, "graduation gives the place back")
	require.Empty(t, s.world.stepsOf("contract_extended"), "no extension after graduation")
	require.Empty(t, s.world.stepsOf("extension_reminder_sent"))
	// The handoffs' statuses reached PostgreSQL in step order.
	require.Equal(t, []string{ippo.HandoffAcknowledged, ippo.HandoffUnacknowledged}, changeStatuses(s.world))
}

// todoKinds lists the handoffs' staff to-dos (not the assessments').
func todoKinds(w *world) []string {
	var out []string
	for _, t := range w.todos {
		if t.Kind != activities.TodoAssessmentOverdue {
			out = append(out, t.Kind)
		}
	}
	return out
}

func changeStatuses(w *world) []string {
	var out []string
	for _, c := range w.changes {
		out = append(out, c.Status)
	}
	return out
}

// TestConsentWithdrawnMidHandoff: a withdrawal recorded while the handoffs
// go out cancels the one not yet sent; a withdrawal after a handoff went
// stops chasing its acknowledgement and asks staff to tell the agency.
func TestConsentWithdrawnMidHandoff(t *testing.T) {
	s := signedScenario(t)
	s.world.consent("c-a", ippo.ShareWorkHistory)
	s.world.consent("c-b", ippo.ShareWorkHistory)
	s.world.consent("c-c", ippo.ShareWorkHistory)
	s.world.onProvide = func(p activities.HandoffProvision) {
		if p.AgencyID == agencyB {
			s.world.withdraw("c-c") // the API records C's withdrawal while B's handoff goes out
		}
	}
	graduated := s.update("2026-08-03", workflows.UpdateGraduate, graduate(handoffTo(agencyA, "c-a"), handoffTo(agencyB, "c-b"), handoffTo(agencyC, "c-c")))
	s.signalWith("2026-08-03", workflows.SignalConsentWithdrawn, workflows.ConsentWithdrawn{ConsentID: "c-c", Actor: "staff:a"})
	s.update("2026-08-04", workflows.UpdateAcknowledgeHandoff, ack(agencyA, ippo.ActorAgency))
	s.signalWith("2026-08-06", workflows.SignalConsentWithdrawn, workflows.ConsentWithdrawn{ConsentID: "c-b", Actor: "staff:a"})
	s.signalWith("2026-08-07", workflows.SignalConsentWithdrawn, workflows.ConsentWithdrawn{ConsentID: "c-a", Actor: "staff:a"})
	lateAck := s.update("2026-08-20", workflows.UpdateAcknowledgeHandoff, ack(agencyB, ippo.ActorAgency))
	cancelledAck := s.update("2026-08-20", workflows.UpdateAcknowledgeHandoff, ack(agencyC, ippo.ActorAgency))
	s.run()

	require.NoError(t, s.err)
	g := valueOf[workflows.GraduationResult](t, graduated).Graduation
	require.Equal(t, []string{ippo.HandoffSent, ippo.HandoffSent, ippo.HandoffCancelled},
		[]string{g.Handoffs[0].Status, g.Handoffs[1].Status, g.Handoffs[2].Status})
	require.Len(t, s.world.noticesOf(activities.EmailAgencyHandoff), 2, "nothing reached C")
	require.Len(t, s.world.retention, 2)

	require.Equal(t, []string{
		"graduated@2026-08-03 10:00",
		"handoff_sent@2026-08-03 10:00 A",
		"handoff_sent@2026-08-03 10:00 B",
		"handoff_cancelled@2026-08-03 10:00 C",
		"handoff_acknowledged@2026-08-04 10:00 A",
		"handoff_consent_withdrawn@2026-08-06 10:00 B",
		"handoff_consent_withdrawn@2026-08-07 10:00 A",
		"follow_up_check_in@2026-09-03 09:00",
		"follow_up_check_in@2026-11-03 09:00",
		"follow_up_check_in@2027-02-03 09:00",
		"lifecycle_completed@2027-02-03 09:00",
	}, s.world.handoffSteps(), "C's late signal changes nothing; B is no longer chased")
	require.Empty(t, s.world.noticesOf(activities.EmailHandoffNotAcked))
	w := s.world.stepsOf("handoff_consent_withdrawn")
	require.Equal(t, ippo.HandoffSent, w[0].Data["status_before"])
	require.Equal(t, ippo.HandoffAcknowledged, w[1].Data["status_before"])
	require.Equal(t, []string{activities.TodoHandoffConsentWithdrawn, activities.TodoHandoffConsentWithdrawn}, todoKinds(s.world))
	require.Equal(t, ippo.ECONFLICT, lateAck.Refused(t).Code)
	require.Contains(t, lateAck.Refused(t).Message, "withdrawn")
	require.Equal(t, ippo.ECONFLICT, cancelledAck.Refused(t).Code)
	require.Contains(t, cancelledAck.Refused(t).Message, "nothing was sent")
	require.Equal(t, []string{ippo.HandoffAcknowledged, ippo.HandoffConsentWithdrawn}, changeStatuses(s.world))
	require.Equal(t, ippo.HandoffAcknowledged, s.state.Graduation.Handoffs[0].Status, "an acknowledged handoff stays acknowledged")
}

// TestAcknowledgementAndTimeout: an acknowledgement in time stops the
// escalation; one after it is still recorded; repeats and strangers are
// answered without a step.
func TestAcknowledgementAndTimeout(t *testing.T) {
	s := signedScenario(t)
	s.world.consent("c-a", ippo.ShareWorkHistory)
	s.world.consent("c-b", ippo.ShareWorkHistory)
	tooEarly := s.update("2026-08-01", workflows.UpdateAcknowledgeHandoff, ack(agencyA, ippo.ActorAgency))
	s.update("2026-08-03", workflows.UpdateGraduate, graduate(handoffTo(agencyA, "c-a"), handoffTo(agencyB, "c-b")))
	onTime := s.update("2026-08-17", workflows.UpdateAcknowledgeHandoff, ack(agencyA, ippo.ActorAgency)) // the last day
	again := s.update("2026-08-18", workflows.UpdateAcknowledgeHandoff, ack(agencyA, "staff:a"))
	stranger := s.update("2026-08-18", workflows.UpdateAcknowledgeHandoff, workflows.AcknowledgeHandoff{HandoffID: "nope", Actor: "staff:a"})
	late := s.update("2026-08-25", workflows.UpdateAcknowledgeHandoff, workflows.AcknowledgeHandoff{
		HandoffID: workflows.HandoffID(workerID, agencyB), NoteID: "note-phone", Actor: "staff:a"})
	s.run()

	require.Equal(t, ippo.ECONFLICT, tooEarly.Refused(t).Code, "no handoff before graduation")
	require.Equal(t, ippo.PhaseActive, tooEarly.Refused(t).Phase)
	require.False(t, valueOf[workflows.HandoffAckResult](t, onTime).Already)
	require.True(t, valueOf[workflows.HandoffAckResult](t, again).Already)
	require.Equal(t, ippo.ENOTFOUND, stranger.Refused(t).Code)
	require.Equal(t, ippo.HandoffAcknowledged, valueOf[workflows.HandoffAckResult](t, late).Handoff.Status)
	require.Equal(t, []string{
		"graduated@2026-08-03 10:00",
		"handoff_sent@2026-08-03 10:00 A",
		"handoff_sent@2026-08-03 10:00 B",
		"handoff_acknowledged@2026-08-17 10:00 A",
		"handoff_unacknowledged@2026-08-18 09:00 B",
		"handoff_acknowledged@2026-08-25 10:00 B",
		"follow_up_check_in@2026-09-03 09:00",
		"follow_up_check_in@2026-11-03 09:00",
		"follow_up_check_in@2027-02-03 09:00",
		"lifecycle_completed@2027-02-03 09:00",
	}, s.world.handoffSteps())
	acks := s.world.stepsOf("handoff_acknowledged")
	require.Equal(t, false, acks[0].Data["after_reminder"])
	require.Equal(t, true, acks[1].Data["after_reminder"])
	require.Equal(t, "staff:a", acks[1].Actor)
	require.Equal(t, "note-phone", acks[1].NoteID, "how staff heard of it")
	require.Len(t, s.world.noticesOf(activities.EmailHandoffNotAcked), 1)
	require.Equal(t, []string{ippo.HandoffAcknowledged, ippo.HandoffUnacknowledged, ippo.HandoffAcknowledged}, changeStatuses(s.world))
}

// TestFollowUpsThenTheLifecycleCompletes: follow-ups follow the policy in
// force at graduation, counted from the graduation date; a lifecycle
// without handoffs completes with the last one.
func TestFollowUpsThenTheLifecycleCompletes(t *testing.T) {
	s := signedScenario(t)
	p := ippo.DefaultPolicy()
	p.FollowUpMonths = []int{1, 2}
	s.world.policy = append(s.world.policy, ippo.PolicyVersion{EffectiveFrom: day("2026-08-01"), Policy: p})
	g := graduate()
	g.Destination, g.On = ippo.DestinationFreelance, day("2026-08-31") // recorded a day late
	graduated := s.update("2026-09-01", workflows.UpdateGraduate, g)
	withdrawn := s.update("2026-09-15", workflows.UpdateWithdraw, withdraw())
	s.run()

	require.NoError(t, s.err)
	r := valueOf[workflows.GraduationResult](t, graduated)
	require.Equal(t, []workflows.FollowUp{{1, day("2026-09-30"), false}, {2, day("2026-10-31"), false}}, r.Graduation.FollowUps)
	require.Equal(t, ippo.ECONFLICT, withdrawn.Refused(t).Code, "a graduate does not withdraw")
	require.Equal(t, []string{"handoff acknowledgement"}, withdrawn.Refused(t).Allowed)
	require.Equal(t, []string{
		"graduated@2026-09-01 10:00",
		"follow_up_check_in@2026-09-30 09:00",
		"follow_up_check_in@2026-10-31 09:00",
		"lifecycle_completed@2026-10-31 09:00",
	}, s.world.handoffSteps())
	st := s.world.stepsOf("graduated")[0]
	require.Equal(t, "freelance", st.Data["destination"])
	require.Equal(t, "2026-08-31", st.Data["graduated_on"])
	require.Equal(t, "note-g", st.NoteID)
	require.Equal(t, ippo.PhaseGraduated, st.View.Phase)
	last := s.world.steps[len(s.world.steps)-1]
	require.Equal(t, "lifecycle_completed", last.Kind)
	require.Equal(t, workflows.StatusClosed, last.View.Status)
	require.True(t, last.View.NextDeadline.IsZero())
	require.Equal(t, "follow_up", s.world.stepsOf("graduated")[0].View.NextDeadlineKind)
	require.Len(t, s.world.noticesOf(activities.EmailFollowUp), 2)
	for _, k := range []string{"assessment_requested", "assessment_reminder_sent", "assessment_overdue"} {
		for _, st := range s.world.stepsOf(k) {
			require.True(t, st.ProgramAt.Before(day("2026-09-01").Start()), "no cadence after graduation: %s", k)
		}
	}
}

func TestGraduationRefusals(t *testing.T) {
	s := newScenario(t, "2026-03-20")
	early := s.update("2026-03-21", workflows.UpdateGraduate, graduate())
	s.update("2026-03-25", workflows.UpdateDecideEligibility, approve())
	s.update("2026-04-01", workflows.UpdateSignContract, sign("2026-04-01"))
	badDest := s.update("2026-05-01", workflows.UpdateGraduate, workflows.Graduate{Destination: "retired", Actor: "staff:a"})
	future := s.update("2026-05-01", workflows.UpdateGraduate, workflows.Graduate{Destination: ippo.DestinationOther, On: day("2026-05-02")})
	beforeSigning := s.update("2026-05-01", workflows.UpdateGraduate, workflows.Graduate{Destination: ippo.DestinationOther, On: day("2026-03-31")})
	twice := s.update("2026-05-01", workflows.UpdateGraduate, graduate(handoffTo(agencyA, "c-a"), handoffTo(agencyA, "c-a")))
	s.update("2026-05-02", workflows.UpdateWithdraw, withdraw())
	s.run()

	e := early.Refused(t)
	require.Equal(t, ippo.ECONFLICT, e.Code)
	require.Equal(t, ippo.PhaseScreening, e.Phase)
	require.Equal(t, "destination", badDest.Refused(t).Fields[0].Field)
	require.Equal(t, "graduated_on", future.Refused(t).Fields[0].Field)
	require.Equal(t, "graduated_on", beforeSigning.Refused(t).Fields[0].Field)
	require.Equal(t, "agencies[1]", twice.Refused(t).Fields[0].Field)
	require.Empty(t, s.world.stepsOf("graduated"))
	require.Empty(t, s.world.provided, "a refused graduation sends nothing")
	require.Equal(t, ippo.PhaseWithdrawn, s.state.Phase)
}

// TestProvisionRecordsAreDeletedAfterThreeYears runs the retention
// workflows a graduation started, with time skipping: each deletes its
// record on the day after the last day it is kept, and not before.
func TestProvisionRecordsAreDeletedAfterThreeYears(t *testing.T) {
	for _, clock := range []ippo.Clock{
		{},
		{Anchor: day("2026-03-20").Start(), MonthLength: 3 * time.Second}, // IPPO_MONTH_LENGTH=3s
	} {
		t.Run(clock.MonthLength.String(), func(t *testing.T) {
			s := signedScenario(t)
			s.world.consent("c-a", ippo.ShareWorkHistory)
			s.world.consent("c-b", ippo.ShareContact)
			s.update("2026-08-03", workflows.UpdateGraduate, graduate(handoffTo(agencyA, "c-a"), handoffTo(agencyB, "c-b")))
			s.run()
			require.NoError(t, s.err)
			require.Len(t, s.world.retention, 2)

			for _, r := range s.world.retention {
				in := r.in
				in.Clock = clock
				start := clock.Real(r.at) // the same program instant on this clock
				env := patient(s.suite.NewTestWorkflowEnvironment())
				env.SetStartTime(start)
				env.RegisterWorkflowWithOptions(workflows.ProvisionRetention, workflow.RegisterOptions{Name: workflows.ProvisionRetentionWorkflow})
				s.world.registerActivities(env)
				deletedBefore, before := len(s.world.deletions), -1
				env.RegisterDelayedCallback(func() {
					s.world.mu.Lock()
					defer s.world.mu.Unlock()
					before = len(s.world.deletions) - deletedBefore
				}, clock.Wait(start, day("2029-08-02").Start().Add(23*time.Hour)))
				env.ExecuteWorkflow(workflows.ProvisionRetentionWorkflow, in)
				require.True(t, env.IsWorkflowCompleted())
				require.NoError(t, env.GetWorkflowError())
				require.Zero(t, before, "kept through its last day")
				last := s.world.deletions[len(s.world.deletions)-1]
				require.Equal(t, in.HandoffID, last.HandoffID)
				deleteAt := day("2029-08-03").Start() // the day after KeepUntil (2029-08-02)
				require.Equal(t, deleteAt, last.ProgramAt.In(ippo.Tokyo).Truncate(time.Second))
				require.False(t, env.Now().Before(clock.Real(deleteAt)))
			}
			require.Len(t, s.world.deletions, 2)
			require.Empty(t, s.world.handoffs, "both records are gone")
		})
	}
}
