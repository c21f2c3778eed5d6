package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

type gradFixture struct {
	acts   *activities.Activities
	db     *postgres.DB
	worker string
	agency map[string]ippo.Agency
}

func newGradFixture(t *testing.T) *gradFixture {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	signer, err := links.NewSigner([]byte(strings.Repeat("s", 32)))
	require.NoError(t, err)
	f := &gradFixture{
		db: db, worker: uuid.NewString(), agency: map[string]ippo.Agency{},
		acts: &activities.Activities{
			DB: db, Links: signer, PublicURL: "https://ippo.example.jp",
			Center: mail.Center{Name: "デジタル就労支援センターKAMAKURA", ShortName: "デジKAMA", Email: "digikama@example.jp"},
		},
	}
	require.NoError(t, db.CreateApplicant(ctx, f.worker, ippo.Applicant{
		Name: "鎌倉 花子", Email: "hanako@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental}, IntractableDisease: true,
		Consent: ippo.CollectionConsent{GivenOn: ippo.NewDate(2026, 3, 1), WordingVersion: "2026-01"},
	}))
	// The read model as the lifecycle leaves it: signed on 2026-04-01, graduated.
	require.NoError(t, db.RecordStep(ctx, ippo.Step{Key: "k1", WorkerID: f.worker, Seq: 1, At: time.Now(), ProgramAt: time.Now(),
		Kind: "contract_signed", Actor: "staff:x", View: ippo.WorkerView{Phase: ippo.PhaseActive, ContractStart: ippo.NewDate(2026, 4, 1)}}))
	list, err := db.Agencies(ctx)
	require.NoError(t, err)
	for _, a := range list {
		f.agency[a.Name] = a
	}
	return f
}

func (f *gradFixture) consent(t *testing.T, agency string, items ...ippo.ShareItem) ippo.Consent {
	t.Helper()
	c, err := f.db.GiveConsent(context.Background(), ippo.Consent{ID: uuid.NewString(), WorkerID: f.worker, AgencyID: f.agency[agency].ID,
		Purpose: ippo.PurposeGraduationHandoff, Items: items, GivenOn: ippo.NewDate(2027, 3, 1), WordingVersion: "2027-01", GivenBy: "staff:x"}, time.Now())
	require.NoError(t, err)
	return c
}

func (f *gradFixture) provide(t *testing.T, c ippo.Consent, noteID string) (postgres.HandoffProvision, activities.HandoffOutcome) {
	t.Helper()
	return f.provideBy(t, c, noteID, "staff:x")
}

func (f *gradFixture) provideBy(t *testing.T, c ippo.Consent, noteID, createdBy string) (postgres.HandoffProvision, activities.HandoffOutcome) {
	t.Helper()
	on := ippo.NewDate(2027, 4, 1)
	id := uuid.NewString()
	p := postgres.HandoffProvision{ID: id, WorkerID: f.worker, AgencyID: c.AgencyID, ConsentID: c.ID,
		Destination: ippo.DestinationGeneralEmployment, GraduatedOn: on, NoteID: noteID, CreatedBy: createdBy, On: on,
		AckBy: on.AddDays(14), KeepUntil: ippo.ProvisionKeptUntil(on, 3), EmailKey: "handoff/" + id + "/agency_handoff", Seq: 5}
	out, err := f.acts.ProvideHandoff(context.Background(), p)
	require.NoError(t, err)
	return p, out
}

func (f *gradFixture) send(t *testing.T, p postgres.HandoffProvision) ippo.OutboxEmail {
	t.Helper()
	ctx := context.Background()
	res, err := f.acts.Notify(ctx, activities.Notice{Key: p.EmailKey, Email: activities.EmailAgencyHandoff, WorkerID: f.worker,
		AgencyID: p.AgencyID, Facts: activities.Facts{HandoffID: p.ID, LinkExpires: p.AckBy.AddDays(30)}})
	require.NoError(t, err)
	e, err := f.db.OutboxEmail(ctx, res.OutboxID)
	require.NoError(t, err)
	return e
}

// TestHandoffEmailsCarryOnlyWhatWasConsented: each agency's email holds
// the items its consent names and nothing else about the worker.
func TestHandoffEmailsCarryOnlyWhatWasConsented(t *testing.T) {
	ctx := context.Background()
	f := newGradFixture(t)
	for _, r := range []ippo.AssessmentRecord{
		{ID: uuid.NewString(), WorkerID: f.worker, RecordedBy: "staff:x", Assessment: ippo.Assessment{By: ippo.AssessorStaff, On: ippo.NewDate(2027, 3, 10),
			Scores: ippo.PerDimension[int]{Stability: 4, Execution: 4, Habits: 5, Interpersonal: 4}, Comment: "体調の波を自分で調整できている"}},
		{ID: uuid.NewString(), WorkerID: f.worker, RecordedBy: "staff:x", Assessment: ippo.Assessment{By: ippo.AssessorSelf, On: ippo.NewDate(2027, 3, 12),
			Scores: ippo.PerDimension[int]{Stability: 4, Execution: 3, Habits: 4, Interpersonal: 5}}},
	} {
		require.NoError(t, f.db.CreateAssessment(ctx, r))
		require.NoError(t, f.acts.AcceptAssessment(ctx, activities.AssessmentAcceptance{WorkerID: f.worker, AssessmentID: r.ID}))
	}
	noteID := uuid.NewString()
	require.NoError(t, f.db.CreateNote(ctx, noteID, f.worker, "連絡はメールで、\n文章でお願いします", "staff:x"))

	pa, oa := f.provide(t, f.consent(t, "ハローワーク藤沢", ippo.ShareWorkHistory, ippo.ShareAssessments, ippo.ShareContact), noteID)
	require.Equal(t, ippo.HandoffSent, oa.Status)
	require.Equal(t, []ippo.ShareItem{ippo.ShareWorkHistory, ippo.ShareAssessments, ippo.ShareContact}, oa.Items)
	ea := f.send(t, pa)
	require.Equal(t, "hw-fujisawa@example.jp", ea.Recipient)
	require.Equal(t, pa.AgencyID, ea.AgencyID)
	require.Contains(t, ea.Text, "ハローワーク藤沢 ご担当者様")
	require.Contains(t, ea.Text, "鎌倉 花子 様が、次のステップ(一般就労)")
	require.Contains(t, ea.Text, "・当センターの利用の経過: 2026年4月1日から2027年4月1日まで")
	require.Contains(t, ea.Text, "スタッフによる評価(2027年3月10日) 作業安定度 4、作業遂行 4、基本的労働習慣 5、対人技能 4(平均 4.25)")
	require.Contains(t, ea.Text, "ご本人による評価(2027年3月12日) 作業安定度 4、作業遂行 3、基本的労働習慣 4、対人技能 5(平均 4.00)")
	require.Contains(t, ea.Text, "・ご本人の連絡先: メール hanako@example.jp")
	require.Contains(t, ea.Text, "2027年4月15日までに")
	require.Contains(t, ea.Text, "https://ippo.example.jp/l/")
	for _, never := range []string{"精神障害", "難病", "障害の種別", "文章でお願いします", "体調の波"} {
		require.NotContains(t, ea.Text, never)
		require.NotContains(t, ea.HTML, never)
	}

	pb, _ := f.provide(t, f.consent(t, "スリー・プラス", ippo.ShareDisabilityType, ippo.ShareHandoffNotes), noteID)
	eb := f.send(t, pb)
	require.Equal(t, "threeplus@example.jp", eb.Recipient)
	require.Contains(t, eb.Text, "・障害の種別: 精神障害、難病")
	require.Contains(t, eb.Text, "・引き継ぎの要点: 連絡はメールで、 文章でお願いします")
	for _, never := range []string{"hanako@example.jp", "作業安定度", "2026年4月1日"} {
		require.NotContains(t, eb.Text, never)
	}

	// The ack link is for this handoff only.
	url := ea.Text[strings.Index(ea.Text, "https://ippo.example.jp/l/"):]
	token := strings.Fields(strings.TrimPrefix(url, "https://ippo.example.jp/l/"))[0]
	claims, err := f.acts.Links.VerifyFor(token, links.ActionAgencyAck, time.Now())
	require.NoError(t, err)
	require.Equal(t, f.worker, claims.WorkerID)
	require.Equal(t, pa.ID, claims.Subject)
}

func TestNoConsentNoEmail(t *testing.T) {
	ctx := context.Background()
	f := newGradFixture(t)
	c := f.consent(t, "とらいむ", ippo.ShareContact)
	_, err := f.db.WithdrawConsent(ctx, f.worker, c.AgencyID, ippo.PurposeGraduationHandoff, ippo.NewDate(2027, 3, 30), "2027-01", "staff:x", time.Now())
	require.NoError(t, err)
	p, out := f.provide(t, c, "")
	require.Equal(t, ippo.HandoffCancelled, out.Status)
	require.Equal(t, "consent_withdrawn", out.Reason)
	require.Empty(t, out.Items)
	_, err = f.acts.Notify(ctx, activities.Notice{Key: p.EmailKey, Email: activities.EmailAgencyHandoff, WorkerID: f.worker,
		AgencyID: p.AgencyID, Facts: activities.Facts{HandoffID: p.ID, LinkExpires: p.AckBy}})
	require.Error(t, err, "a cancelled handoff is never composed")
	emails, err := f.db.Outbox(ctx, postgres.OutboxFilter{WorkerID: f.worker})
	require.NoError(t, err)
	require.Empty(t, emails)
}

// TestStaffEmailsGoToStaffAndNameNoOne: escalations go to the policy's
// staff address and name the worker by ID only.
// TestStaffEmailsGoToStaffAndNameTheWorker: staff emails go to the center's
// own address and name the worker with their ID, never their email; to-dos
// are listed with the worker's name, which is not stored in them.
func TestStaffEmailsGoToStaffAndNameTheWorker(t *testing.T) {
	ctx := context.Background()
	f := newGradFixture(t)
	p, _ := f.provide(t, f.consent(t, "ハローワーク藤沢", ippo.ShareWorkHistory), "")
	on := ippo.NewDate(2027, 4, 16)
	for i, n := range []activities.Notice{
		{Email: activities.EmailAssessmentOverdue, Facts: activities.Facts{On: on, DueOn: on.AddDays(-14), SelfMissing: true}},
		{Email: activities.EmailStepUpStaff, Facts: activities.Facts{On: on, StaffAverage: 4, SelfAverage: 4.25, Threshold: 4}},
		{Email: activities.EmailHandoffNotAcked, Facts: activities.Facts{On: on, HandoffID: p.ID}},
	} {
		n.Key, n.WorkerID = "staff/"+string(n.Email), f.worker
		res, err := f.acts.Notify(ctx, n)
		require.NoError(t, err, "%d", i)
		e, err := f.db.OutboxEmail(ctx, res.OutboxID)
		require.NoError(t, err)
		require.Equal(t, ippo.DefaultPolicy().StaffEmail, e.Recipient)
		require.Contains(t, e.Text, f.worker)
		require.Contains(t, e.Text, "鎌倉 花子さん")
		require.NotContains(t, e.Text, "hanako@example.jp")
	}
	require.NoError(t, f.acts.CreateStaffTodo(ctx, activities.StaffTodo{Key: "todo/1", Kind: activities.TodoHandoffUnacknowledged, WorkerID: f.worker, HandoffID: p.ID}))
	require.NoError(t, f.acts.CreateStaffTodo(ctx, activities.StaffTodo{Key: "todo/1", Kind: activities.TodoHandoffUnacknowledged, WorkerID: f.worker, HandoffID: p.ID}))
	require.NoError(t, f.acts.CreateStaffTodo(ctx, activities.StaffTodo{Key: "todo/2", Kind: activities.TodoAssessmentOverdue, WorkerID: f.worker,
		DueOn: on, StaffMissing: true, SelfMissing: true}))
	tasks, err := f.db.StaffTodos(ctx, true, 10)
	require.NoError(t, err)
	require.Len(t, tasks, 2, "one to-do per key")
	bodies := tasks[0].Body + tasks[1].Body
	require.Contains(t, bodies, "ハローワーク藤沢")
	require.Contains(t, bodies, "スタッフ評価と本人の自己評価")
	require.NotContains(t, bodies, "鎌倉 花子", "the name is read with the list, not kept in the to-do")
	require.Equal(t, "鎌倉 花子", tasks[0].WorkerName)
	require.Equal(t, "鎌倉 花子", tasks[1].WorkerName)
}

// TestHandoffEmailNamesThePersonAsContact: the agency's email names the
// person who handed over (their token's display name), and the center for
// a token that is no one's (the bootstrap admin's), never a token label.
func TestHandoffEmailNamesThePersonAsContact(t *testing.T) {
	ctx := context.Background()
	f := newGradFixture(t)
	person, err := f.db.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: "鎌田のノートPC", DisplayName: "鎌田 一郎", Role: "staff", CreatedBy: "test"}, "secret-person-0123456789")
	require.NoError(t, err)
	bootstrap, err := f.db.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: "bootstrap admin", Role: "admin", CreatedBy: "IPPO_BOOTSTRAP_ADMIN_TOKEN"}, "secret-bootstrap-0123456789")
	require.NoError(t, err)
	for _, c := range []struct {
		token, contact, agency string
	}{
		{person.ID, "鎌田 一郎(", "ハローワーク藤沢"},
		{bootstrap.ID, f.acts.Center.Name + "(", "とらいむ"},
	} {
		p, _ := f.provideBy(t, f.consent(t, c.agency, ippo.ShareWorkHistory), "", "staff:"+c.token)
		e := f.send(t, p)
		require.Contains(t, e.Text, c.contact)
		require.NotContains(t, e.Text, "bootstrap admin")
		require.NotContains(t, e.Text, "ノートPC")
	}
}
