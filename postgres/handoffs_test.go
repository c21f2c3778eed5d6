package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

// newWorker registers an applicant and returns the store and the worker id.
func newGraduate(t *testing.T) (*postgres.DB, string) {
	t.Helper()
	db := pgtest.New(t)
	id := uuid.NewString()
	require.NoError(t, db.CreateApplicant(context.Background(), id, ippo.Applicant{
		Name: "鎌倉 花子", Email: "hanako@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		Consent: ippo.CollectionConsent{GivenOn: ippo.NewDate(2026, 3, 1), WordingVersion: "2026-01"},
	}))
	return db, id
}

// agencies returns the seeded agencies' ids by name.
func agencies(t *testing.T, db *postgres.DB) map[string]string {
	t.Helper()
	list, err := db.Agencies(context.Background())
	require.NoError(t, err)
	out := map[string]string{}
	for _, a := range list {
		out[a.Name] = a.ID
	}
	return out
}

func give(t *testing.T, db *postgres.DB, workerID, agencyID string, items ...ippo.ShareItem) ippo.Consent {
	t.Helper()
	c, err := db.GiveConsent(context.Background(), ippo.Consent{
		ID: uuid.NewString(), WorkerID: workerID, AgencyID: agencyID, Purpose: ippo.PurposeGraduationHandoff,
		Items: items, GivenOn: ippo.NewDate(2027, 3, 1), WordingVersion: "2027-01", GivenBy: "staff:x",
	}, time.Now())
	require.NoError(t, err)
	return c
}

func TestConsentsAreGivenAndWithdrawnOnTheRecord(t *testing.T) {
	ctx := context.Background()
	db, w := newGraduate(t)
	ag := agencies(t, db)
	hw := ag["ハローワーク藤沢"]

	c := give(t, db, w, hw, ippo.ShareWorkHistory, ippo.ShareAssessments)
	require.Equal(t, "ハローワーク藤沢", c.AgencyName)
	require.Equal(t, []ippo.ShareItem{ippo.ShareWorkHistory, ippo.ShareAssessments}, c.Items)
	require.True(t, c.InForce(ippo.NewDate(2027, 3, 1)))

	// A second consent for the same agency and purpose waits for a withdrawal.
	_, err := db.GiveConsent(ctx, ippo.Consent{ID: uuid.NewString(), WorkerID: w, AgencyID: hw, Purpose: ippo.PurposeGraduationHandoff,
		Items: []ippo.ShareItem{ippo.ShareContact}, GivenOn: ippo.NewDate(2027, 3, 2), WordingVersion: "2027-01", GivenBy: "staff:x"}, time.Now())
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))
	require.Contains(t, err.Error(), "ハローワーク藤沢")
	// Another purpose is another consent.
	_, err = db.GiveConsent(ctx, ippo.Consent{ID: uuid.NewString(), WorkerID: w, AgencyID: hw, Purpose: ippo.PurposeSupportCoordination,
		Items: []ippo.ShareItem{ippo.ShareContact}, GivenOn: ippo.NewDate(2027, 3, 2), WordingVersion: "2027-01", GivenBy: "staff:x"}, time.Now())
	require.NoError(t, err)
	// An unknown agency is named.
	_, err = db.GiveConsent(ctx, ippo.Consent{ID: uuid.NewString(), WorkerID: w, AgencyID: uuid.NewString(), Purpose: ippo.PurposeGraduationHandoff,
		Items: []ippo.ShareItem{ippo.ShareContact}, GivenOn: ippo.NewDate(2027, 3, 2), WordingVersion: "2027-01", GivenBy: "staff:x"}, time.Now())
	var e *ippo.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "agency_id", e.Fields[0].Field)

	_, err = db.WithdrawConsent(ctx, w, hw, ippo.PurposeGraduationHandoff, ippo.NewDate(2027, 2, 1), "2027-01w", "staff:x", time.Now())
	require.ErrorAs(t, err, &e)
	require.Equal(t, "on", e.Fields[0].Field, "not before it was given")
	out, err := db.WithdrawConsent(ctx, w, hw, ippo.PurposeGraduationHandoff, ippo.NewDate(2027, 3, 5), "2027-01w", "staff:x", time.Now())
	require.NoError(t, err)
	require.Equal(t, ippo.NewDate(2027, 3, 5), out.WithdrawnOn)
	require.Equal(t, "2027-01w", out.WithdrawalWordingVersion)
	require.False(t, out.InForce(ippo.NewDate(2027, 3, 6)))
	_, err = db.WithdrawConsent(ctx, w, hw, ippo.PurposeGraduationHandoff, ippo.NewDate(2027, 3, 6), "2027-01w", "staff:x", time.Now())
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err), "nothing left in force")

	// After a withdrawal a new consent may be given; the old one stays on record.
	give(t, db, w, hw, ippo.ShareContact)
	all, err := db.Consents(ctx, w)
	require.NoError(t, err)
	require.Len(t, all, 3)
	tl, err := db.Timeline(ctx, w)
	require.NoError(t, err)
	var kinds []string
	for _, e := range tl {
		kinds = append(kinds, e.Kind)
	}
	require.Equal(t, []string{"consent_given", "consent_given", "consent_withdrawn", "consent_given"}, kinds)
	_, err = db.Consents(ctx, uuid.NewString())
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
}

func provision(w, agency, consent string) postgres.HandoffProvision {
	on := ippo.NewDate(2027, 4, 1)
	id := uuid.NewString()
	return postgres.HandoffProvision{
		ID: id, WorkerID: w, AgencyID: agency, ConsentID: consent, Destination: ippo.DestinationGeneralEmployment,
		GraduatedOn: on, CreatedBy: "staff:x", On: on, AckBy: on.AddDays(14), KeepUntil: ippo.ProvisionKeptUntil(on, 3),
		EmailKey: "worker/" + w + "/handoff/" + id + "/agency_handoff", Seq: 10,
	}
}

func TestProvideHandoffChecksTheConsentWhenSending(t *testing.T) {
	ctx := context.Background()
	db, w := newGraduate(t)
	ag := agencies(t, db)
	a, b, c := ag["ハローワーク藤沢"], ag["スリー・プラス"], ag["とらいむ"]
	ca := give(t, db, w, a, ippo.ShareWorkHistory, ippo.ShareDisabilityType)
	cb := give(t, db, w, b, ippo.ShareContact)
	_, err := db.WithdrawConsent(ctx, w, b, ippo.PurposeGraduationHandoff, ippo.NewDate(2027, 3, 20), "2027-01", "staff:x", time.Now())
	require.NoError(t, err)

	pa := provision(w, a, ca.ID)
	ha, err := db.ProvideHandoff(ctx, pa)
	require.NoError(t, err)
	require.Equal(t, ippo.HandoffSent, ha.Status)
	require.Equal(t, []ippo.ShareItem{ippo.ShareWorkHistory, ippo.ShareDisabilityType}, ha.Items, "what: exactly the consented items")
	require.Equal(t, "ハローワーク藤沢", ha.AgencyName, "to whom")
	require.NotNil(t, ha.ProvidedAt, "when")
	require.Equal(t, ippo.NewDate(2027, 4, 1), ha.ProvidedOn)
	require.Equal(t, ippo.NewDate(2030, 3, 31), ha.KeepUntil)
	require.Equal(t, "2027-01", ha.WordingVersion)

	hb, err := db.ProvideHandoff(ctx, provision(w, b, cb.ID))
	require.NoError(t, err)
	require.Equal(t, ippo.HandoffCancelled, hb.Status)
	require.Equal(t, "consent_withdrawn", hb.Reason)
	require.Empty(t, hb.Items, "nothing was provided")
	require.Nil(t, hb.ProvidedAt)

	// A consent for another agency does not cover this one.
	hc, err := db.ProvideHandoff(ctx, provision(w, c, ca.ID))
	require.NoError(t, err)
	require.Equal(t, ippo.HandoffCancelled, hc.Status)
	require.Equal(t, "no_consent", hc.Reason)

	// A retry after the consent is withdrawn returns the provision as it was made.
	_, err = db.WithdrawConsent(ctx, w, a, ippo.PurposeGraduationHandoff, ippo.NewDate(2027, 4, 2), "2027-01", "staff:x", time.Now())
	require.NoError(t, err)
	again, err := db.ProvideHandoff(ctx, pa)
	require.NoError(t, err)
	require.Equal(t, ippo.HandoffSent, again.Status)
	require.Equal(t, ha.ProvidedAt.UnixMicro(), again.ProvidedAt.UnixMicro())

	list, err := db.Handoffs(ctx, w)
	require.NoError(t, err)
	require.Len(t, list, 3)
}

func TestChangeHandoffKeepsStepOrder(t *testing.T) {
	ctx := context.Background()
	db, w := newGraduate(t)
	a := agencies(t, db)["ハローワーク藤沢"]
	p := provision(w, a, give(t, db, w, a, ippo.ShareWorkHistory).ID)
	_, err := db.ProvideHandoff(ctx, p)
	require.NoError(t, err)

	require.NoError(t, db.ChangeHandoff(ctx, postgres.HandoffChange{ID: p.ID, Status: ippo.HandoffUnacknowledged, Seq: 12}))
	require.NoError(t, db.ChangeHandoff(ctx, postgres.HandoffChange{ID: p.ID, Status: ippo.HandoffAcknowledged, Actor: ippo.ActorAgency, Seq: 13}))
	require.NoError(t, db.ChangeHandoff(ctx, postgres.HandoffChange{ID: p.ID, Status: ippo.HandoffUnacknowledged, Seq: 12}), "a retried older step")
	h, err := db.Handoff(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, ippo.HandoffAcknowledged, h.Status)
	require.Equal(t, ippo.ActorAgency, h.AcknowledgedBy)
	require.NotNil(t, h.AcknowledgedAt)
	require.NotNil(t, h.EscalatedAt, "the escalation stays on record")
}

func TestDeleteProvisionRemovesTheRecordAndTheEmailBody(t *testing.T) {
	ctx := context.Background()
	db, w := newGraduate(t)
	a := agencies(t, db)["ハローワーク藤沢"]
	p := provision(w, a, give(t, db, w, a, ippo.ShareDisabilityType).ID)
	_, err := db.ProvideHandoff(ctx, p)
	require.NoError(t, err)
	_, err = db.EnqueueEmail(ctx, ippo.OutboxEmail{ID: uuid.NewString(), Key: p.EmailKey, Template: "agency_handoff", WorkerID: w, AgencyID: a,
		Recipient: "hw@example.jp", Subject: "引き継ぎ", Text: "障害の種別: 精神障害", HTML: "<p>障害の種別: 精神障害</p>"})
	require.NoError(t, err)
	other, err := db.EnqueueEmail(ctx, ippo.OutboxEmail{ID: uuid.NewString(), Key: "other", Template: "follow_up_check_in", WorkerID: w,
		Recipient: "hanako@example.jp", Subject: "その後", Text: "お元気ですか", HTML: "<p>お元気ですか</p>"})
	require.NoError(t, err)

	deleted, err := db.DeleteProvision(ctx, p.ID, time.Now())
	require.NoError(t, err)
	require.True(t, deleted)
	_, err = db.Handoff(ctx, p.ID)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
	emails, err := db.Outbox(ctx, postgres.OutboxFilter{WorkerID: w})
	require.NoError(t, err)
	for _, e := range emails {
		if e.Key == p.EmailKey {
			require.NotContains(t, e.Text, "精神障害")
			require.NotContains(t, e.HTML, "精神障害")
			require.Equal(t, postgres.RedactedHandoffBody, e.Text)
			require.Equal(t, "引き継ぎ", e.Subject)
		} else {
			require.Equal(t, other.Text, e.Text, "other emails are left alone")
		}
	}
	deleted, err = db.DeleteProvision(ctx, p.ID, time.Now())
	require.NoError(t, err)
	require.False(t, deleted, "deleting twice changes nothing")
	tl, err := db.Timeline(ctx, w)
	require.NoError(t, err)
	n := 0
	for _, e := range tl {
		if e.Kind == "provision_record_deleted" {
			n++
		}
	}
	require.Equal(t, 1, n)
}

func TestOnlyAcceptedAssessmentsAreListed(t *testing.T) {
	ctx := context.Background()
	db, w := newGraduate(t)
	rec := func(by ippo.Assessor, on ippo.Date, s int) ippo.AssessmentRecord {
		return ippo.AssessmentRecord{ID: uuid.NewString(), WorkerID: w, RecordedBy: "staff:x", Assessment: ippo.Assessment{
			By: by, On: on, Scores: ippo.PerDimension[int]{Stability: s, Execution: s, Habits: s, Interpersonal: 4},
			Comments: ippo.PerDimension[string]{Habits: "毎朝同じ時間に始められた"}, Comment: "順調"}}
	}
	later := rec(ippo.AssessorStaff, ippo.NewDate(2026, 7, 1), 4)
	earlier := rec(ippo.AssessorSelf, ippo.NewDate(2026, 6, 28), 3)
	refused := rec(ippo.AssessorStaff, ippo.NewDate(2026, 7, 2), 5)
	for _, r := range []ippo.AssessmentRecord{later, earlier, refused} {
		require.NoError(t, db.CreateAssessment(ctx, r))
	}
	require.NoError(t, db.AcceptAssessment(ctx, w, later.ID))
	require.NoError(t, db.AcceptAssessment(ctx, w, earlier.ID))
	require.NoError(t, db.AcceptAssessment(ctx, w, earlier.ID), "accepting twice is harmless")
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(db.AcceptAssessment(ctx, w, uuid.NewString())))
	require.NoError(t, db.DeleteUnacceptedAssessment(ctx, refused.ID))
	require.NoError(t, db.DeleteUnacceptedAssessment(ctx, later.ID), "an accepted one is kept")

	list, err := db.Assessments(ctx, w)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, earlier.ID, list[0].ID, "by date")
	require.Equal(t, later.ID, list[1].ID)
	require.Equal(t, "毎朝同じ時間に始められた", list[1].Comments.Habits)
	require.Equal(t, "順調", list[1].Comment)
	require.Equal(t, 4.0, list[1].Average)
	require.Equal(t, 3.25, list[0].Average)
	require.Equal(t, ippo.PerDimension[int]{Stability: 3, Execution: 3, Habits: 3, Interpersonal: 4}, list[0].Scores)

	stray := rec(ippo.AssessorSelf, ippo.NewDate(2026, 7, 1), 3)
	stray.WorkerID = uuid.NewString()
	err = db.CreateAssessment(ctx, stray)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
}
