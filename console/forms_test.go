package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/stretchr/testify/require"
)

// The worker page's record forms and 管理's forms: each refusal says why
// beside the field, keeps what was typed and changes nothing; a viewer
// sees no form and is refused if they post anyway.

func TestAbsenceFormRefusesPlainlyThenRecordsKindly(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	_, body, _ := b.get("/console/workers/" + id)
	require.Contains(t, body, `id="form-absence"`)

	// A late start without the time: refused beside the time, the reason kept.
	status, body, _ := b.post("/console/workers/"+id+"/absences", url.Values{"csrf": {csrf}, "absence_kind": {"late"}, "absence_reason": {"通院のため 🏥"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "時刻: 遅れて始めるとき・早めに終えるときは、時刻を入れてください")
	require.Contains(t, body, "通院のため 🏥</textarea>")
	status, body, _ = b.post("/console/workers/"+id+"/absences", url.Values{"csrf": {csrf}, "absence_kind": {"late"}, "absence_time": {"25:99"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "時刻: 10:00 のような形で入力してください")
	status, body, _ = b.post("/console/workers/"+id+"/absences", url.Values{"csrf": {csrf}, "absence_kind": {"holiday"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "連絡の種類: 「お休み」「遅れて始める」「早めに終える」から選んでください")
	status, body, _ = b.post("/console/workers/"+id+"/absences", url.Values{"csrf": {csrf}, "absence_kind": {"absent"}, "absence_reason": {"\u202e休み"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "理由: 文字の向きを変える特殊な文字がふくまれています")
	absences, err := h.db.Absences(context.Background(), id, nil)
	require.NoError(t, err)
	require.Empty(t, absences)

	// A day off with no date and no reason: today, as the server reads it.
	status, _, resp := b.post("/console/workers/"+id+"/absences", url.Values{"csrf": {csrf}, "absence_kind": {"absent"}})
	require.Equal(t, http.StatusSeeOther, status)
	_, body, _ = b.get(resp.Header.Get("Location"))
	require.Contains(t, body, "お休みも大切な時間です")
	status, _, _ = b.post("/console/workers/"+id+"/absences", url.Values{"csrf": {csrf}, "absence_kind": {"early_leave"}, "absence_time": {"15:00"}, "absence_reason": {"体調をみて"}})
	require.Equal(t, http.StatusSeeOther, status)
	absences, err = h.db.Absences(context.Background(), id, nil)
	require.NoError(t, err)
	require.Len(t, absences, 2)
	kinds := []ippo.AbsenceKind{absences[0].Kind, absences[1].Kind}
	require.ElementsMatch(t, []ippo.AbsenceKind{ippo.AbsenceAbsent, ippo.AbsenceEarlyLeave}, kinds)
	_, body, _ = b.get("/console/workers/" + id)
	require.Contains(t, body, "体調をみて")
}

func TestWorkLogFormChecksHoursAndTask(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	ctx := context.Background()
	_, body, _ := b.get("/console/workers/" + id)
	require.NotContains(t, body, `id="form-worklog"`, "no task asked of the worker yet: nothing to log")
	status, _, _ := b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"}, "output_unit": {"ページ"}})
	require.Equal(t, http.StatusSeeOther, status)
	tasks, err := h.db.ClientTasks(ctx)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	status, _, _ = b.post("/console/workers/"+id+"/tasks", url.Values{"csrf": {csrf}, "task_id": {tasks[0].ID}})
	require.Equal(t, http.StatusSeeOther, status)
	_, body, _ = b.get("/console/workers/" + id)
	require.Contains(t, body, `id="form-worklog"`)

	for _, c := range []struct{ hours, output, want string }{
		{"abc", "", "時間: 1.5 のような数で、時間を入力してください"},
		{"30", "", "時間: "},
		{"0", "", "時間: "},
		{"1.5", "-3", "成果: 0から1000000までの整数を入力してください"},
	} {
		status, body, _ := b.post("/console/workers/"+id+"/work-logs", url.Values{"csrf": {csrf}, "log_task_id": {tasks[0].ID}, "log_hours": {c.hours}, "log_output": {c.output}, "log_quality": {"丁寧 ✨"}})
		require.Equal(t, http.StatusUnprocessableEntity, status, "hours %q output %q", c.hours, c.output)
		require.Contains(t, body, c.want)
		require.Contains(t, body, `value="丁寧 ✨"`, "what was typed is kept")
	}
	status, body, _ = b.post("/console/workers/"+id+"/work-logs", url.Values{"csrf": {csrf}, "log_task_id": {uuid.NewString()}, "log_hours": {"1"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "案件: 一覧から案件を選んでください")
	logs, err := h.db.WorkLogs(ctx, id, nil)
	require.NoError(t, err)
	require.Empty(t, logs)

	status, _, _ = b.post("/console/workers/"+id+"/work-logs", url.Values{"csrf": {csrf}, "log_task_id": {tasks[0].ID}, "log_hours": {"1.5"}, "log_output": {"12"}})
	require.Equal(t, http.StatusSeeOther, status)
	logs, err = h.db.WorkLogs(ctx, id, nil)
	require.NoError(t, err)
	require.Len(t, logs, 1)
	require.Equal(t, 90, logs[0].Minutes)
	require.Equal(t, 12, logs[0].Output)
}

func TestOtherServicesFormKeepsTheScheduleDaysFree(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	ctx := context.Background()
	status, _, _ := b.post("/console/workers/"+id+"/schedule", url.Values{"csrf": {csrf}, "slot-1-start": {"10:00"}, "slot-1-end": {"12:00"}, "slot-1-mode": {"remote"}})
	require.Equal(t, http.StatusSeeOther, status)

	// Monday is in the schedule: refused with why, the ticks kept.
	b1 := "svc-" + string(ippo.ServiceContinuationB) + "-"
	status, body, _ := b.post("/console/workers/"+id+"/other-services", url.Values{"csrf": {csrf}, b1 + "1": {"yes"}, b1 + "3": {"yes"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "週の予定にこの曜日の時間が入っています")
	require.Regexp(t, `name="`+b1+`3" id="f-`+b1+`3" value="yes" checked`, body)
	services, err := h.db.OtherServices(ctx, id)
	require.NoError(t, err)
	require.Empty(t, services)

	status, _, _ = b.post("/console/workers/"+id+"/other-services", url.Values{"csrf": {csrf}, b1 + "3": {"yes"}, b1 + "99": {"yes"}})
	require.Equal(t, http.StatusSeeOther, status)
	services, err = h.db.OtherServices(ctx, id)
	require.NoError(t, err)
	require.Len(t, services, 1)
	require.Equal(t, ippo.ServiceContinuationB, services[0].Kind)
	require.Len(t, services[0].Weekdays, 1)
	require.EqualValues(t, 3, services[0].Weekdays[0])
}

func TestViewerSeesNoRecordOrAdminFormsAndIsRefused(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("見学", "viewer")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	_, body, _ := b.get("/console/workers/" + id)
	for _, form := range []string{"form-absence", "form-worklog", "form-services"} {
		require.NotContains(t, body, form)
	}
	for path, form := range map[string]url.Values{
		"/console/workers/" + id + "/absences":       {"absence_kind": {"absent"}},
		"/console/workers/" + id + "/work-logs":      {"log_hours": {"1"}},
		"/console/workers/" + id + "/other-services": {"svc-employment_transition-2": {"yes"}},
		"/console/admin/policy":                      {"capacity": {"99"}},
		"/console/admin/agencies":                    {"agency_name": {"x"}, "agency_email": {"x@example.jp"}},
		"/console/admin/closes":                      {"month": {"2026-01"}},
	} {
		form.Set("csrf", csrf)
		status, _, _ := b.post(path, form)
		require.Equal(t, http.StatusForbidden, status, path)
	}
	absences, err := h.db.Absences(context.Background(), id, nil)
	require.NoError(t, err)
	require.Empty(t, absences)
	agencies, err := h.db.Agencies(context.Background())
	require.NoError(t, err)
	for _, a := range agencies {
		require.NotEqual(t, "x", a.Name)
	}
}

func TestAdminAddsAPolicyVersionAnAgencyAndStartsAClose(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("管理者", "admin")
	b := h.browser()
	b.signIn(secret)
	csrf := b.csrf()
	ctx := context.Background()
	before, err := h.db.PolicyVersions(ctx)
	require.NoError(t, err)

	status, body, _ := b.post("/console/admin/policy", url.Values{"csrf": {csrf}, "effective_from": {"2001-04-01"}, "capacity": {"25"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "適用を始める日: 今日(")
	require.Contains(t, body, `value="25"`)
	status, body, _ = b.post("/console/admin/policy", url.Values{"csrf": {csrf}, "capacity": {"2.5"}, "weekly_cap_hours": {"99"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "定員: 整数を入力してください")
	status, body, _ = b.post("/console/admin/policy", url.Values{"csrf": {csrf}, "weekly_cap_hours": {"99"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "週の予定の上限(時間): 0より大きく、40以下の数を入力してください")
	after, err := h.db.PolicyVersions(ctx)
	require.NoError(t, err)
	require.Equal(t, before, after, "a refused version changes nothing")

	// "From today": the server picks the date.
	status, _, resp := b.post("/console/admin/policy", url.Values{"csrf": {csrf}, "weekly_cap_hours": {"18"}})
	require.Equal(t, http.StatusSeeOther, status)
	_, body, _ = b.get(resp.Header.Get("Location"))
	require.Contains(t, body, "ポリシーの新しい版を追加しました")
	after, err = h.db.PolicyVersions(ctx)
	require.NoError(t, err)
	require.Len(t, after, len(before)+1)
	latest := after[len(after)-1]
	require.Equal(t, 18.0, latest.Policy.WeeklyCapHours)
	require.Equal(t, before[len(before)-1].Policy.Capacity, latest.Policy.Capacity, "values left empty carry over")

	status, body, _ = b.post("/console/admin/agencies", url.Values{"csrf": {csrf}, "agency_name": {"鎌倉市 障害福祉課"}, "agency_email": {"not an address"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "連絡先のメールアドレス: hanako@example.jp のような形のメールアドレスを入力してください")
	require.Contains(t, body, `value="鎌倉市 障害福祉課"`)
	status, _, _ = b.post("/console/admin/agencies", url.Values{"csrf": {csrf}, "agency_name": {"鎌倉市 障害福祉課"}, "agency_email": {"fukushi@example.jp"}, "agency_kind": {"municipality"}})
	require.Equal(t, http.StatusSeeOther, status)
	agencies, err := h.db.Agencies(ctx)
	require.NoError(t, err)
	names := make([]string, len(agencies))
	for i, a := range agencies {
		names[i] = a.Name
	}
	require.Contains(t, names, "鎌倉市 障害福祉課")

	// The month now is not over: refused; a month that has ended starts once.
	a := &app.App{DB: h.db}
	now := a.Today().YearMonth()
	status, body, _ = b.post("/console/admin/closes", url.Values{"csrf": {csrf}, "month": {now.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "この月はまだ終わっていません")
	status, body, _ = b.post("/console/admin/closes", url.Values{"csrf": {csrf}, "month": {"not-a-month"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "締める月: 一覧から月を選んでください")
	past := now.AddMonths(-3).String()
	status, _, _ = b.post("/console/admin/closes", url.Values{"csrf": {csrf}, "month": {past}})
	require.Equal(t, http.StatusSeeOther, status)
	status, body, _ = b.post("/console/admin/closes", url.Values{"csrf": {csrf}, "month": {past}})
	require.Equal(t, http.StatusConflict, status, "no worker polls here, so the first close is still running")
	require.Contains(t, body, "の締めはいま進んでいます")
}

func TestHostileInputToTheNewFormsNeverReachesA500(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("管理者", "admin")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	hostile := []string{"a\x00b", "\xff\xfe", "🌊🏖️", "\u202eevil\u202c", "99999999999999999999999", strings.Repeat("長", 5000), "-1", "NaN", "Inf", "'; DROP TABLE workers; --", "2026-02-30"}
	for _, v := range hostile {
		for path, fields := range map[string][]string{
			"/console/workers/" + id + "/absences":       {"absence_kind", "absence_date", "absence_time", "absence_reason"},
			"/console/workers/" + id + "/work-logs":      {"log_task_id", "log_date", "log_hours", "log_output", "log_quality", "log_late"},
			"/console/workers/" + id + "/other-services": {"svc-employment_transition-2", "svc-" + v},
			"/console/admin/policy":                      {"effective_from", "capacity", "weekly_cap_hours", "max_daily_hours", "utilization_target_percent"},
			"/console/admin/agencies":                    {"agency_name", "agency_kind", "agency_email", "agency_description"},
			"/console/admin/closes":                      {"month"},
		} {
			for _, f := range fields {
				status, _, _ := b.post(path, url.Values{"csrf": {csrf}, f: {v}, "absence_kind": {"late"}, "log_hours": {"1"}})
				require.Less(t, status, 500, "%s %s=%q", path, f, v)
			}
		}
	}
	absences, err := h.db.Absences(context.Background(), id, nil)
	require.NoError(t, err)
	require.Empty(t, absences)
	logs, err := h.db.WorkLogs(context.Background(), id, nil)
	require.NoError(t, err)
	require.Empty(t, logs)
}

var stepKeyRE = regexp.MustCompile(`name="step_key" value="([A-Za-z0-9_-]+)"`)

// TestRecordFormsSentTwiceRecordOnce: the absence and work-log forms carry
// the page's random key, so the same form sent twice (a double click, a
// reload that posts again) records one absence and one work log; a form
// from a fresh page records again.
func TestRecordFormsSentTwiceRecordOnce(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	ctx := context.Background()
	status, _, _ := b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"}, "output_unit": {"ページ"}})
	require.Equal(t, http.StatusSeeOther, status)
	tasks, err := h.db.ClientTasks(ctx)
	require.NoError(t, err)
	status, _, _ = b.post("/console/workers/"+id+"/tasks", url.Values{"csrf": {csrf}, "task_id": {tasks[0].ID}})
	require.Equal(t, http.StatusSeeOther, status)
	keyOf := func() string {
		_, page, _ := b.get("/console/workers/" + id)
		require.Contains(t, page, `id="form-absence"`)
		require.Contains(t, page, `id="form-worklog"`)
		m := stepKeyRE.FindStringSubmatch(page[strings.Index(page, `id="form-absence"`):])
		require.NotNil(t, m, "the absence form carries the page's key")
		return m[1]
	}

	key := keyOf()
	absence := url.Values{"csrf": {csrf}, "step_key": {key}, "absence_kind": {"late"}, "absence_time": {"11:00"}, "absence_reason": {"通院のため"}}
	worklog := url.Values{"csrf": {csrf}, "step_key": {key}, "log_task_id": {tasks[0].ID}, "log_hours": {"1.5"}, "log_output": {"12"}}
	for range 2 {
		status, body, _ := b.post("/console/workers/"+id+"/absences", absence)
		require.Equal(t, http.StatusSeeOther, status, body)
		status, body, _ = b.post("/console/workers/"+id+"/work-logs", worklog)
		require.Equal(t, http.StatusSeeOther, status, body)
	}
	absences, err := h.db.Absences(ctx, id, nil)
	require.NoError(t, err)
	require.Len(t, absences, 1, "the same absence form sent twice records once")
	logs, err := h.db.WorkLogs(ctx, id, nil)
	require.NoError(t, err)
	require.Len(t, logs, 1, "the same work-log form sent twice records once")
	require.Equal(t, 90, logs[0].Minutes)

	// The same day, from a fresh page: a new form, a second record each.
	fresh := keyOf()
	require.NotEqual(t, key, fresh)
	absence.Set("step_key", fresh)
	worklog.Set("step_key", fresh)
	status, body, _ := b.post("/console/workers/"+id+"/absences", absence)
	require.Equal(t, http.StatusSeeOther, status, body)
	status, body, _ = b.post("/console/workers/"+id+"/work-logs", worklog)
	require.Equal(t, http.StatusSeeOther, status, body)
	absences, err = h.db.Absences(ctx, id, nil)
	require.NoError(t, err)
	require.Len(t, absences, 2)
	logs, err = h.db.WorkLogs(ctx, id, nil)
	require.NoError(t, err)
	require.Len(t, logs, 2)
}

// TestFormTextFollowsTheDomainsRules: every form's text is checked by
// ippo.CheckText, the rules the API and the link pages use, each problem
// in Japanese beside its field; line breaks are text in a free-text box.
func TestFormTextFollowsTheDomainsRules(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	csrf := b.csrf()
	ctx := context.Background()
	for _, tc := range []struct {
		field, value, says string
	}{
		{"type", "校正\u202e", "文字の向きを変える特殊な文字がふくまれています。取りのぞいてください。"},
		{"client", "鎌倉\t商事", "使えない制御文字がふくまれています。文字を打ち直してください。"},
		{"output_unit", "ページ\ufffd", "読み取れない文字がふくまれています。文字を打ち直してください。"},
		{"description", strings.Repeat("長", 2001), "2000文字以内でお願いします(いまは2001文字です)。"},
	} {
		form := url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"}, "output_unit": {"ページ"}}
		form.Set(tc.field, tc.value)
		status, body, _ := b.post("/console/tasks", form)
		require.Equal(t, http.StatusUnprocessableEntity, status, tc.field)
		require.Contains(t, body, tc.says, tc.field)
	}
	tasks, err := h.db.ClientTasks(ctx)
	require.NoError(t, err)
	require.Empty(t, tasks, "refused forms change nothing")

	status, body, _ := b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"}, "output_unit": {"ページ"},
		"description": {"1行目\n2行目 ✨"}})
	require.Equal(t, http.StatusSeeOther, status, body)
	tasks, err = h.db.ClientTasks(ctx)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	require.Equal(t, "1行目\n2行目 ✨", tasks[0].Description)
}
