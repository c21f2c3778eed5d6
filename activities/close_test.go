package activities_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

func day(s string) ippo.Date {
	d, err := ippo.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// countingSender stands in for SendGrid and counts what it is handed.
type countingSender struct {
	mu   sync.Mutex
	sent map[string]int // by outbox id
}

func (s *countingSender) Send(_ context.Context, m activities.Outgoing) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	s.sent[m.OutboxID]++
	return "msg-" + m.OutboxID, nil
}

func (s *countingSender) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.sent {
		n += c
	}
	return n
}

// fixture is a store with one client task and the activities on it.
type fixture struct {
	t    *testing.T
	db   *postgres.DB
	acts *activities.Activities
	task string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t)
	task, err := db.CreateClientTask(context.Background(), ippo.ClientTask{Type: "data_entry", Client: "鎌倉商事"}, "staff:a")
	require.NoError(t, err)
	return &fixture{t: t, db: db, task: task.ID, acts: &activities.Activities{
		DB:     db,
		Center: mail.Center{Name: "デジタル就労支援センターKAMAKURA", ShortName: "デジKAMA", Email: "digikama@example.jp"},
	}}
}

// member is a worker as a test sets them up.
type member struct {
	signed string
	slots  []ippo.Slot
	from   string // schedule effective from; signed if empty
	logs   map[string]int
	// leftOn, if set, withdraws the worker on that day.
	leftOn string
}

func mondays(start, end string) []ippo.Slot {
	s, _ := ippo.ParseTimeOfDay(start)
	e, _ := ippo.ParseTimeOfDay(end)
	return []ippo.Slot{{Weekday: time.Monday, Start: s, End: e, Mode: ippo.ModeRemote}}
}

// add registers an active worker signed on m.signed, with the schedule, the
// task assigned and the logs, and returns the worker's id.
func (f *fixture) add(m member) string {
	f.t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	require.NoError(f.t, f.db.CreateApplicant(ctx, id, ippo.Applicant{
		Name: "山田 花子", Email: id[:8] + "@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, Consent: ippo.CollectionConsent{GivenOn: day("2025-01-05"), WordingVersion: "2025-01"},
	}))
	signed := day(m.signed)
	view := ippo.WorkerView{Phase: ippo.PhaseActive, Status: "under_contract", ContractStart: signed, ContractEnd: ippo.AddMonthsCivil(signed, 6)}
	at := signed.Start().Add(10 * time.Hour)
	require.NoError(f.t, f.db.RecordStep(ctx, ippo.Step{Key: "worker/" + id + "/step/1", WorkerID: id, Seq: 1, At: at, ProgramAt: at,
		Kind: "contract_signed", Actor: "staff:a", View: view}))
	if m.slots != nil {
		from := m.from
		if from == "" {
			from = m.signed
		}
		_, err := f.db.DeclareSchedule(ctx, id, ippo.Schedule{EffectiveFrom: day(from), Slots: m.slots}, day(from), "staff:a")
		require.NoError(f.t, err)
	}
	_, _, err := f.db.AssignClientTask(ctx, id, f.task, "staff:a")
	require.NoError(f.t, err)
	for d, minutes := range m.logs {
		_, err := f.db.RecordWorkLog(ctx, id, ippo.WorkLog{Date: day(d), Minutes: minutes, TaskID: f.task, Output: 3}, day(d), "staff:a")
		require.NoError(f.t, err)
	}
	if m.leftOn != "" {
		left := day(m.leftOn).Start().Add(11 * time.Hour)
		v := view
		v.Phase, v.Status = ippo.PhaseWithdrawn, "closed"
		require.NoError(f.t, f.db.RecordStep(ctx, ippo.Step{Key: "worker/" + id + "/step/2", WorkerID: id, Seq: 2, At: left, ProgramAt: left,
			Kind: "withdrawn", Actor: "staff:a", View: v}))
	}
	return id
}

// close runs a month's close as the workflow does, in pages of size.
func (f *fixture) close(m ippo.YearMonth, size int) activities.ClosePageResult {
	f.t.Helper()
	return f.closePages(m, size, false)
}

// closePages runs a month's close in pages of size; with dispatch, the
// pages queue their emails for the dispatcher (closes after the outbox
// change).
func (f *fixture) closePages(m ippo.YearMonth, size int, dispatch bool) activities.ClosePageResult {
	f.t.Helper()
	ctx := context.Background()
	require.NoError(f.t, f.acts.BeginClose(ctx, activities.CloseStart{Month: m, WorkflowID: "test"}))
	var total activities.ClosePageResult
	after := ""
	for {
		r, err := f.acts.ClosePage(ctx, activities.ClosePageInput{Month: m, After: after, Limit: size, Dispatch: dispatch})
		require.NoError(f.t, err)
		total.Add(r)
		if r.Done {
			break
		}
		after = r.Last
	}
	require.NoError(f.t, f.acts.FinishClose(ctx, m))
	return total
}

func (f *fixture) statement(id string, m ippo.YearMonth) ippo.Statement {
	f.t.Helper()
	s, err := f.db.Statement(context.Background(), id, m)
	require.NoError(f.t, err)
	return s
}

// emails returns the worker's outbox templates, oldest first.
func (f *fixture) emails(id string) []ippo.OutboxEmail {
	f.t.Helper()
	list, err := f.db.Outbox(context.Background(), postgres.OutboxFilter{WorkerID: id, Limit: 500})
	require.NoError(f.t, err)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

func templates(list []ippo.OutboxEmail) []string {
	var out []string
	for _, e := range list {
		out = append(out, e.Template)
	}
	return out
}

func (f *fixture) staffTasks(kind string) []ippo.StaffTodo {
	f.t.Helper()
	all, err := f.db.StaffTodos(context.Background(), false, 500)
	require.NoError(f.t, err)
	var out []ippo.StaffTodo
	for _, t := range all {
		if t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

var april = ippo.YearMonth{Year: 2026, Month: 4}

// April 2026 has four Mondays (6, 13, 20, 27): Monday 10:00–12:30 declares
// 600 minutes, and 80% of it is exactly 480.
func TestCloseUtilizationAgainstTheTarget(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		logs       map[string]int
		permille   int
		below      bool
		suggestion bool
	}{
		{"exactly 80%", map[string]int{"2026-04-06": 120, "2026-04-13": 120, "2026-04-20": 120, "2026-04-27": 120}, 800, false, false},
		{"one minute below", map[string]int{"2026-04-06": 120, "2026-04-13": 120, "2026-04-20": 120, "2026-04-27": 119}, 798, true, true},
		{"one minute above", map[string]int{"2026-04-06": 120, "2026-04-13": 120, "2026-04-20": 120, "2026-04-27": 121}, 801, false, false},
	}
	ids := make([]string, len(tests))
	for i, tt := range tests {
		ids[i] = f.add(member{signed: "2026-03-02", slots: mondays("10:00", "12:30"), logs: tt.logs})
	}
	total := f.close(april, 500)
	require.Equal(t, 3, total.Workers)
	require.Equal(t, 1, total.Suggestions)
	require.Zero(t, total.Failed)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := f.statement(ids[i], april)
			require.Equal(t, 600, s.TheoreticalMinutes)
			require.Equal(t, tt.permille, s.UtilizationPermille)
			require.Equal(t, tt.below, s.BelowTarget)
			require.Equal(t, tt.suggestion, s.ReviewSuggested)
			want := []string{"monthly_statement"}
			if tt.suggestion {
				want = append(want, "schedule_review_suggestion")
			}
			require.Equal(t, want, templates(f.emails(ids[i])))
		})
	}
	todos := f.staffTasks("schedule_review")
	require.Len(t, todos, 1)
	require.Equal(t, ids[1], todos[0].WorkerID)
	require.Contains(t, todos[0].Body, "79.8%")
	require.NotContains(t, todos[0].Body, "山田", "staff to-dos name no one")

	review := f.emails(ids[1])[1]
	require.Contains(t, review.Subject, "2026年4月")
	require.Contains(t, review.Text, "申告したスケジュールの時間: 10時間")
	require.Contains(t, review.Text, "実際に作業した時間: 7.98時間")
	require.Contains(t, review.Text, "割合: 79%")
	require.Contains(t, review.Text, "体調がすぐれないときに休むのは、とても大切なことです。")
}

// Absences explain missing hours; they never lower the declared ones.
func TestCloseAbsencesReduceActualNotTheoretical(t *testing.T) {
	f := newFixture(t)
	id := f.add(member{signed: "2026-03-02", slots: mondays("10:00", "12:30"), logs: map[string]int{"2026-04-06": 150, "2026-04-20": 150}})
	ctx := context.Background()
	for _, a := range []ippo.Absence{
		{Date: day("2026-04-13"), Kind: ippo.AbsenceAbsent, Reason: "体調がすぐれないため"},
		{Date: day("2026-04-27"), Kind: ippo.AbsenceAbsent},
	} {
		_, err := f.db.RecordAbsence(ctx, id, a, ippo.ActorWorker)
		require.NoError(t, err)
	}
	f.close(april, 500)
	s := f.statement(id, april)
	require.Equal(t, 600, s.TheoreticalMinutes)
	require.Equal(t, 300, s.ActualMinutes)
	require.Equal(t, 500, s.UtilizationPermille)
	require.Equal(t, "50.0%", s.UtilizationText())
}

// October 2025 in Kanagawa: ¥1,162 to the 3rd, ¥1,225 from the 4th.
func TestCloseOctober2025IsPaidAtBothRates(t *testing.T) {
	f := newFixture(t)
	october := ippo.YearMonth{Year: 2025, Month: 10}
	id := f.add(member{signed: "2025-04-01", logs: map[string]int{
		"2025-10-01": 120, "2025-10-03": 120, // 4 h at ¥1,162 = ¥4,648
		"2025-10-06": 150, "2025-10-31": 90, // 4 h at ¥1,225 = ¥4,900
	}})
	f.close(october, 500)
	s := f.statement(id, october)
	require.Equal(t, []ippo.FeeLine{
		{From: day("2025-10-01"), To: day("2025-10-03"), RateYen: 1162, Minutes: 240, AmountYen: 4648},
		{From: day("2025-10-04"), To: day("2025-10-31"), RateYen: 1225, Minutes: 240, AmountYen: 4900},
	}, s.Lines)
	require.Equal(t, 9548, s.TotalYen)
	require.Equal(t, 480, s.TotalMinutes)

	e := f.emails(id)[0]
	require.Equal(t, "monthly_statement", e.Template)
	require.Equal(t, "【デジKAMA】2025年10月の報酬明細", e.Subject)
	for _, line := range []string{
		"・10月1日〜10月3日: 4時間 × 1,162円 = 4,648円",
		"・10月4日〜10月31日: 4時間 × 1,225円 = 4,900円",
		"合計: 8時間、9,548円",
	} {
		require.Contains(t, e.Text, line)
	}
}

// A worker who joins mid-month is measured from the signing date.
func TestCloseWorkerWhoJoinsMidMonth(t *testing.T) {
	f := newFixture(t)
	id := f.add(member{signed: "2026-04-15", slots: mondays("10:00", "12:30"), logs: map[string]int{"2026-04-20": 150, "2026-04-27": 90}})
	f.close(april, 500)
	s := f.statement(id, april)
	require.Equal(t, day("2026-04-15"), s.ActiveFrom)
	require.Equal(t, 300, s.TheoreticalMinutes, "only the Mondays from the 15th: 20 and 27")
	require.Equal(t, 240, s.ActualMinutes)
	require.Equal(t, 800, s.UtilizationPermille)
	require.False(t, s.BelowTarget)
}

// A worker who withdrew mid-month is paid for the work, measured to the
// day they left, and is not asked to review a schedule they no longer keep.
func TestCloseWorkerWhoLeftMidMonth(t *testing.T) {
	f := newFixture(t)
	id := f.add(member{signed: "2026-01-05", slots: mondays("10:00", "12:30"), logs: map[string]int{"2026-04-06": 30}, leftOn: "2026-04-14"})
	f.close(april, 500)
	s := f.statement(id, april)
	require.Equal(t, day("2026-04-14"), s.ActiveUntil)
	require.Equal(t, 300, s.TheoreticalMinutes, "Mondays 6 and 13")
	require.True(t, s.BelowTarget)
	require.False(t, s.ReviewSuggested)
	require.Equal(t, []string{"monthly_statement"}, templates(f.emails(id)))
	require.Empty(t, f.staffTasks("schedule_review"))
}

// Running the close again changes nothing and sends nothing twice, even
// after a work log was added behind the close's back.
func TestCloseRerunChangesNothing(t *testing.T) {
	f := newFixture(t)
	sender := &countingSender{}
	f.acts.Sender = sender
	var ids []string
	for i := range 5 {
		ids = append(ids, f.add(member{signed: "2026-03-02", slots: mondays("10:00", "12:30"),
			logs: map[string]int{"2026-04-06": 60 + 30*i}}))
	}
	first := f.close(april, 2)
	require.Equal(t, 5, first.Workers)
	require.Equal(t, 5, first.NewStatements)
	sent := sender.total()
	require.Equal(t, 5+first.Suggestions, sent)
	before := map[string]ippo.Statement{}
	outbox := map[string][]ippo.OutboxEmail{}
	for _, id := range ids {
		before[id] = f.statement(id, april)
		outbox[id] = f.emails(id)
	}
	todos := len(f.staffTasks("schedule_review"))

	// A log the API would now refuse (the month is closed) is written
	// straight to the table: the stored statement still stands.
	_, err := f.db.RecordWorkLog(context.Background(), ids[0], ippo.WorkLog{Date: day("2026-04-13"), Minutes: 60, TaskID: f.task}, day("2026-05-01"), "staff:a")
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))

	second := f.close(april, 3)
	require.Equal(t, 5, second.Workers)
	require.Zero(t, second.NewStatements)
	require.Equal(t, sent, sender.total(), "nothing is sent twice")
	for _, id := range ids {
		after := f.statement(id, april)
		require.Equal(t, before[id], after)
		require.Equal(t, outbox[id], f.emails(id))
	}
	require.Len(t, f.staffTasks("schedule_review"), todos)
	closes, err := f.db.MonthCloses(context.Background(), &april, 0)
	require.NoError(t, err)
	require.Equal(t, postgres.CloseDone, closes[0].Status)
	require.Equal(t, 5, closes[0].Statements)
	require.Equal(t, map[string]int{"sent": 5}, closes[0].Emails)
}

// A close after the outbox change only queues its emails: the page hands
// nothing to SendGrid, the dispatcher delivers each email once, and a
// rerun queues nothing again. An email an earlier close left queued for
// itself (before the change) is handed to the dispatcher too.
func TestCloseQueuesEmailsForTheDispatcher(t *testing.T) {
	f := newFixture(t)
	sender := &countingSender{}
	f.acts.Sender = sender
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		ids = append(ids, f.add(member{signed: "2026-03-02", slots: mondays("10:00", "12:30"),
			logs: map[string]int{"2026-04-06": 60 + 200*i}}))
	}
	// Before the change, a page wrote this statement email and SendGrid
	// refused it (429): it stayed queued for the page's retry.
	oldKey := postgres.StatementEmailKey(april, ids[0])
	_, err := f.db.EnqueueEmail(ctx, ippo.OutboxEmail{ID: activities.OutboxID(oldKey), Key: oldKey,
		Template: string(activities.EmailMonthlyStatement), WorkerID: ids[0], Recipient: "old@example.jp", Subject: "old", Text: "old"})
	require.NoError(t, err)

	first := f.closePages(april, 2, true)
	require.Equal(t, 3, first.Workers)
	require.Zero(t, sender.total(), "the close sends nothing itself")
	want := first.Emails
	require.Equal(t, 3+first.Suggestions, want)
	for _, id := range ids {
		for _, e := range f.emails(id) {
			require.Equal(t, ippo.EmailQueued, e.Status, e.Template)
		}
	}

	d := &activities.Dispatcher{A: f.acts, Log: slog.New(slog.DiscardHandler), Poll: 10 * time.Millisecond}
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(dctx) }()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	defer stop()
	require.Eventually(t, func() bool { return sender.total() >= want }, time.Minute, 10*time.Millisecond)

	second := f.closePages(april, 3, true)
	require.Equal(t, want, second.Emails)
	require.Equal(t, activities.OutboxID(oldKey), f.emails(ids[0])[0].ID, "the old row is the one sent, not a second")
	for _, id := range ids {
		for _, e := range f.emails(id) {
			require.Eventually(t, func() bool {
				got, err := f.db.OutboxEmail(ctx, e.ID)
				return err == nil && got.Status == ippo.EmailSent
			}, time.Minute, 10*time.Millisecond, "%s is sent", e.Template)
		}
	}
	stop()
	sender.mu.Lock()
	defer sender.mu.Unlock()
	require.Len(t, sender.sent, want)
	for id, n := range sender.sent {
		require.Equal(t, 1, n, "email %s sent once", id)
	}
}

// A worker whose fee cannot be computed is left for staff; the others close.
func TestCloseFailureOfOneWorker(t *testing.T) {
	f := newFixture(t)
	ok := f.add(member{signed: "2026-03-02", logs: map[string]int{"2026-04-01": 60, "2026-04-20": 60}})
	bad := f.add(member{signed: "2026-03-02", logs: map[string]int{"2026-04-02": 60, "2026-04-20": 60}})
	// From April 10 the policy's wage table starts on the 10th only, so
	// the log of the 2nd has no rate (a policy mistake staff must fix).
	p := ippo.DefaultPolicy()
	p.Wages = ippo.WageTable{{From: day("2026-04-01"), Yen: 1225}}
	require.NoError(t, f.db.PutPolicy(context.Background(), ippo.PolicyVersion{EffectiveFrom: day("2026-04-01"), Policy: p}, "test"))
	p.Wages = ippo.WageTable{{From: day("2026-04-10"), Yen: 1300}}
	require.NoError(t, f.db.PutPolicy(context.Background(), ippo.PolicyVersion{EffectiveFrom: day("2026-04-02"), Policy: p}, "test"))

	total := f.close(april, 500)
	require.Equal(t, 1, total.Failed)
	require.Equal(t, []int{1225, 1300}, []int{f.statement(ok, april).Lines[0].RateYen, f.statement(ok, april).Lines[1].RateYen})
	_, err := f.db.Statement(context.Background(), bad, april)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err))
	failed := f.staffTasks("close_failed")
	require.Len(t, failed, 1)
	require.Equal(t, bad, failed[0].WorkerID)
	require.Contains(t, failed[0].Body, "2026-04-02")
	require.Empty(t, f.emails(bad))
}

func TestClosePagesCoverEveryWorker(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for range 7 {
		ids = append(ids, f.add(member{signed: "2026-03-02"}))
	}
	// Not closed in April: never signed, or signed in May.
	f.add(member{signed: "2026-05-01"})
	total := f.close(april, 3)
	require.Equal(t, 7, total.Workers)
	statements, err := f.db.Statements(context.Background(), postgres.StatementFilter{Month: &april, All: true})
	require.NoError(t, err)
	require.Len(t, statements, 7)
	for _, s := range statements {
		require.Contains(t, ids, s.WorkerID)
		require.Zero(t, s.TotalYen)
	}
	e := f.emails(ids[0])[0]
	require.Contains(t, e.Text, "この月の作業時間はありませんでした。")
	require.True(t, strings.HasPrefix(e.Key, "close/2026-04/"), e.Key)
}

// Work logged late for a closed month is paid once, by the worker's next
// statement — also to someone whose contract has ended — and a late log
// that arrives after that statement waits for the one after.
func TestCloseLateWork(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	may, june := april.Next(), april.Next().Next()
	a := f.add(member{signed: "2026-01-05", slots: mondays("10:00", "12:30"), logs: map[string]int{"2026-04-06": 60}})
	b := f.add(member{signed: "2026-01-05", slots: mondays("10:00", "12:30"), logs: map[string]int{"2026-04-06": 30}, leftOn: "2026-04-14"})
	f.close(april, 500)

	logWork := func(id, on string, minutes int, late bool) (postgres.WorkLogRecord, error) {
		return f.db.RecordWorkLog(ctx, id, ippo.WorkLog{Date: day(on), Minutes: minutes, TaskID: f.task, Late: late}, day("2026-05-10"), "staff:a")
	}
	_, err := logWork(a, "2026-04-20", 60, false)
	require.Equal(t, ippo.ECONFLICT, ippo.ErrorCode(err))
	require.ErrorContains(t, err, `"late": true`, "the refusal says how to have it paid")
	_, err = logWork(a, "2026-05-04", 60, true)
	var e *ippo.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "late", e.Fields[0].Field, "late is only for closed months")

	lateA, err := logWork(a, "2026-04-13", 90, true)
	require.NoError(t, err)
	_, err = logWork(b, "2026-04-13", 60, true)
	require.NoError(t, err)
	_, err = logWork(a, "2026-05-04", 60, false)
	require.NoError(t, err)
	require.Equal(t, 60, f.statement(a, april).ActualMinutes, "April's statement stays as issued")

	f.close(may, 500)
	sa := f.statement(a, may)
	require.Equal(t, 60, sa.ActualMinutes, "late work is not May's work")
	require.Equal(t, []ippo.LateLine{{LateWork: ippo.LateWork{LogID: lateA.ID, Date: day("2026-04-13"), Minutes: 90, RateYen: 1225}, AmountYen: 1837}}, sa.LateLines)
	require.Equal(t, 1225+1837, sa.PayableYen)
	sb := f.statement(b, may)
	require.Zero(t, sb.ActualMinutes)
	require.Equal(t, 1225, sb.LateYen, "paid after the contract ended")
	mails := f.emails(b)
	require.Equal(t, "monthly_statement", mails[len(mails)-1].Template)
	require.Contains(t, mails[len(mails)-1].Text, "あとから記録したもの")
	require.Contains(t, mails[len(mails)-1].Text, "今回のお支払い額: 1,225円")
	require.Contains(t, mails[len(mails)-1].Text, "お支払い予定日: 2026年6月30日", "May is paid by the end of June (翌月末日)")
	logs, err := f.db.WorkLogs(ctx, a, &april)
	require.NoError(t, err)
	for _, l := range logs {
		if l.ID == lateA.ID {
			require.Equal(t, &may, l.SettledIn)
		}
	}

	// A late log after May's statement: a rerun of May keeps the
	// statement as issued, and June pays it.
	lateA2, err := logWork(a, "2026-04-27", 30, true)
	require.NoError(t, err)
	f.close(may, 500)
	require.Equal(t, sa, f.statement(a, may))
	f.close(june, 500)
	sj := f.statement(a, june)
	require.Len(t, sj.LateLines, 1)
	require.Equal(t, lateA2.ID, sj.LateLines[0].LogID)
	require.Equal(t, 612, sj.LateYen) // 30 × 1225 / 60 = 612.5
	_, err = f.db.Statement(ctx, b, june)
	require.Equal(t, ippo.ENOTFOUND, ippo.ErrorCode(err), "nothing left to pay b in June")
}
