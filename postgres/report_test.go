package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

// TestMonthlyReportOfASeededMonth checks every figure of the city's report
// against a month seeded step by step, with steps just outside the month
// on both sides.
func TestMonthlyReportOfASeededMonth(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	april := ippo.YearMonth{Year: 2026, Month: 4}

	person := func(a ippo.Applicant) string {
		id := uuid.NewString()
		a.Name, a.Email, a.MunicipalityCode = "鎌倉 花子", id[:8]+"@example.jp", "14204"
		a.Consent = ippo.CollectionConsent{GivenOn: day("2026-01-05"), WordingVersion: "2026-01"}
		require.NoError(t, db.CreateApplicant(ctx, id, a))
		return id
	}
	seq := map[string]int64{}
	step := func(id, on, kind string, phase ippo.Phase, data map[string]any) {
		seq[id]++
		at := day(on).Start().Add(10 * time.Hour)
		require.NoError(t, db.RecordStep(ctx, ippo.Step{
			Key: fmt.Sprintf("worker/%s/step/%d", id, seq[id]), WorkerID: id, Seq: seq[id], At: at, ProgramAt: at,
			Kind: kind, Actor: ippo.ActorSystem, Data: data, View: ippo.WorkerView{Phase: phase},
		}))
	}
	disabled := ippo.Applicant{Category: ippo.CategoryDisability, RecognizedByDoctor: true,
		DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental, ippo.DisabilityDevelopmental}, IntractableDisease: true}
	withdrawn := ippo.Applicant{Category: ippo.CategoryHikikomori, WithdrawnSince: day("2024-01-01"), SupportingBody: "鎌倉市生活福祉課"}

	a := person(disabled) // under contract since March
	step(a, "2026-03-10", "applied", ippo.PhaseScreening, nil)
	step(a, "2026-03-12", "eligibility_approved", ippo.PhaseOnboarding, map[string]any{"waitlisted": false})
	step(a, "2026-03-20", "contract_signed", ippo.PhaseActive, nil)
	b := person(disabled) // applied and waitlisted in April
	step(b, "2026-04-02", "applied", ippo.PhaseScreening, nil)
	step(b, "2026-04-03", "eligibility_approved", ippo.PhaseScreening, map[string]any{"waitlisted": true})
	c := person(withdrawn) // applied and not approved in April
	step(c, "2026-04-05", "applied", ippo.PhaseScreening, nil)
	step(c, "2026-04-06", "eligibility_rejected", ippo.PhaseIneligible, nil)
	d := person(withdrawn) // graduated in April, two handoffs
	step(d, "2026-02-01", "applied", ippo.PhaseScreening, nil)
	step(d, "2026-02-10", "contract_signed", ippo.PhaseActive, nil)
	step(d, "2026-04-20", "graduated", ippo.PhaseGraduated, map[string]any{"destination": "general_employment"})
	step(d, "2026-04-20", "handoff_sent", ippo.PhaseGraduated, nil)
	step(d, "2026-04-20", "handoff_sent", ippo.PhaseGraduated, nil)
	step(d, "2026-04-25", "handoff_acknowledged", ippo.PhaseGraduated, nil)
	step(d, "2026-05-10", "handoff_unacknowledged", ippo.PhaseGraduated, nil) // May: not April's
	e := person(disabled)                                                     // applied in May: not in April's report at all
	step(e, "2026-05-02", "applied", ippo.PhaseScreening, nil)
	step(a, "2026-04-30", "assessment_recorded", ippo.PhaseActive, nil) // the month's last day counts
	step(b, "2026-05-01", "place_granted", ippo.PhaseOnboarding, nil)   // the next month's first day does not

	statement := func(id string, theo, actual, perm, yen int) ippo.Statement {
		return ippo.Statement{WorkerID: id, ActiveFrom: april.First(), ClosedAt: time.Now(), MonthFigures: ippo.MonthFigures{
			Month: april, TheoreticalMinutes: theo, ActualMinutes: actual, UtilizationPermille: perm, TargetPercent: 80,
			TotalMinutes: actual, TotalYen: yen}}
	}
	g := person(disabled) // left in March; April's statement pays only work logged late
	lateOnly := ippo.Statement{WorkerID: g, ActiveFrom: ippo.NewDate(2026, 1, 5), ActiveUntil: ippo.NewDate(2026, 3, 31), ClosedAt: time.Now(),
		MonthFigures: ippo.MonthFigures{Month: april, TargetPercent: 80, LateMinutes: 30, LateYen: 612}}
	_, err := db.InsertStatements(ctx, []ippo.Statement{
		statement(a, 600, 480, 800, 9800), statement(d, 300, 100, 333, 2041), statement(c, 0, 0, 0, 0), lateOnly,
	})
	require.NoError(t, err)

	closed, err := db.MonthClosed(ctx, april)
	require.NoError(t, err)
	require.False(t, closed)
	require.NoError(t, db.BeginClose(ctx, april, "test"))
	require.NoError(t, db.FinishClose(ctx, april))
	closed, err = db.MonthClosed(ctx, april)
	require.NoError(t, err)
	require.True(t, closed)

	r, err := db.MonthlyReport(ctx, april, "鎌倉市")
	require.NoError(t, err)
	require.Equal(t, 2, r.Registrations)
	require.Equal(t, 1, r.Approved)
	require.Equal(t, 1, r.NotApproved)
	require.Equal(t, map[ippo.Phase]int{
		ippo.PhaseScreening: 1, ippo.PhaseOnboarding: 0, ippo.PhaseActive: 1, ippo.PhaseGraduated: 1,
		ippo.PhaseWithdrawn: 0, ippo.PhaseIneligible: 1, ippo.PhaseEnded: 0,
	}, r.WorkersByPhase)
	require.Equal(t, 1, r.Waitlisted)
	require.Equal(t, 3, r.Statements)
	require.Equal(t, 900, r.DeclaredMinutes)
	require.Equal(t, 580, r.ActualMinutes)
	require.Equal(t, 11841+612, r.FeesYen, "late work paid in April counts in April's fees, and in nothing else")
	require.Equal(t, []ippo.Count{{Label: "100%以上", Count: 0}, {Label: "80%以上100%未満", Count: 1}, {Label: "50%以上80%未満", Count: 0}, {Label: "50%未満", Count: 1}, {Label: "申告時間なし", Count: 1}}, r.UtilizationBuckets)
	require.Equal(t, map[ippo.Category]int{ippo.CategoryDisability: 1}, r.Categories, "only a is under contract at the month's end")
	require.Equal(t, map[ippo.DisabilityType]int{ippo.DisabilityMental: 1, ippo.DisabilityDevelopmental: 1}, r.DisabilityTypes)
	require.Equal(t, 1, r.IntractableDisease)
	require.Equal(t, 1, r.Graduations[ippo.DestinationGeneralEmployment])
	require.Equal(t, 0, r.Graduations[ippo.DestinationFreelance])
	require.Equal(t, 2, r.HandoffsSent)
	require.Equal(t, 1, r.HandoffsAcknowledged)
	require.Equal(t, 0, r.HandoffsUnacknowledged)

	may, err := db.MonthlyReport(ctx, april.Next(), "鎌倉市")
	require.NoError(t, err)
	require.Equal(t, 1, may.Registrations)
	require.Equal(t, 1, may.HandoffsUnacknowledged)
	require.Equal(t, 1, may.WorkersByPhase[ippo.PhaseOnboarding], "b got a place on May 1")
	require.Zero(t, may.Statements)
}
