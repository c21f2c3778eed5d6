package linkpages_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/ippo-center/ippo/linkpages"
	"github.com/ippo-center/ippo/links"
	"github.com/stretchr/testify/require"
)

// The signed-link pages of the absence notice, the self-assessment and the
// agency acknowledgement, on the real PostgreSQL and the real Temporal dev
// server, with lifecycles run by the real workflows and activities.

var clients atomic.Int64

// page opens a link page as a browser would: GET, or POST of form
// (url-encoded). Each request comes from its own address, so the link
// pages' rate limit (per client) does not count a test's many requests.
func (e *env) page(method, path string, form url.Values) (int, string) {
	e.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	n := clients.Add(1)
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// link signs a link as the activities do and returns its page's path.
func (e *env) link(action links.Action, workerID, subject string, expires time.Time) (string, links.Claims) {
	e.t.Helper()
	c := links.Claims{ID: links.NewID(), Action: action, WorkerID: workerID, Subject: subject, ExpiresAt: expires}
	tok, err := e.signer.Sign(c)
	require.NoError(e.t, err)
	return linkpages.Path + "/" + tok, c
}

// activeWorker registers, approves and signs a worker, and waits until the
// three steps and their emails are recorded.
func (e *env) activeWorker(email string) string {
	e.t.Helper()
	id := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant(email), http.StatusCreated)["id"].(string)
	e.json("staff", "POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	e.json("staff", "POST", "/api/v1/workers/"+id+"/contract", map[string]any{}, http.StatusOK)
	e.settle(id, 3)
	return id
}

// counts counts the rows a refused link request must not touch.
func (e *env) counts() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, table := range []string{"absences", "assessments", "link_uses", "worker_events", "notes", "outbox", "handoffs"} {
		n, err := e.db.CountRows(context.Background(), table)
		require.NoError(e.t, err)
		out[table] = n
	}
	return out
}

var nonceRE = regexp.MustCompile(`<input type="hidden" name="use" value="([A-Za-z0-9_-]{22})">`)

func nonceIn(t *testing.T, page string) string {
	t.Helper()
	m := nonceRE.FindStringSubmatch(page)
	require.NotNil(t, m, "the form carries its nonce:\n%s", page)
	return m[1]
}

// timelineEntries returns the worker's timeline entries of kind.
func (e *env) timelineEntries(workerID, kind string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, it := range e.json("viewer", "GET", "/api/v1/workers/"+workerID+"/timeline", nil, http.StatusOK)["items"].([]any) {
		if m := it.(map[string]any); m["kind"] == kind {
			out = append(out, m)
		}
	}
	return out
}

// badLinks are the expired, tampered and wrong-action variants of a link
// for workerID, each with the page status and words it must get.
func (e *env) badLinks(action links.Action, workerID, subject string) []struct {
	name, path string
	want       int
	says       string
} {
	e.t.Helper()
	good, _ := e.link(action, workerID, subject, time.Now().Add(time.Hour))
	expired, _ := e.link(action, workerID, subject, time.Now().Add(-time.Minute))
	// The claims rewritten for another worker, the signature kept.
	tok := strings.TrimPrefix(good, linkpages.Path+"/")
	body, sig, _ := strings.Cut(tok, ".")
	js, err := base64.RawURLEncoding.DecodeString(body)
	require.NoError(e.t, err)
	var claims map[string]any
	require.NoError(e.t, json.Unmarshal(js, &claims))
	claims["wid"] = uuid.NewString()
	js, err = json.Marshal(claims)
	require.NoError(e.t, err)
	rewritten := linkpages.Path + "/" + base64.RawURLEncoding.EncodeToString(js) + "." + sig
	// The same claims for another action, the signature kept.
	claims["wid"], claims["act"] = workerID, string(otherAction(action))
	js, err = json.Marshal(claims)
	require.NoError(e.t, err)
	otherAct := linkpages.Path + "/" + base64.RawURLEncoding.EncodeToString(js) + "." + sig
	unknown, _ := e.link("take_a_holiday", workerID, subject, time.Now().Add(time.Hour))
	return []struct {
		name, path string
		want       int
		says       string
	}{
		{"expired", expired, http.StatusGone, "このリンクの期限が過ぎました"},
		{"claims rewritten", rewritten, http.StatusBadRequest, "このリンクは使えません"},
		{"action rewritten", otherAct, http.StatusBadRequest, "このリンクは使えません"},
		{"cut short", good[:len(good)-8], http.StatusBadRequest, "このリンクは使えません"},
		{"an action nobody handles", unknown, http.StatusNotFound, "このリンクは使えません"},
	}
}

func otherAction(a links.Action) links.Action {
	if a == links.ActionOptOut {
		return links.ActionAbsence
	}
	return links.ActionOptOut
}

// requireBadLinksChangeNothing opens every bad variant, GET and POST with
// form, and finds the page that says why and nothing changed.
func (e *env) requireBadLinksChangeNothing(action links.Action, workerID, subject string, form url.Values) {
	e.t.Helper()
	before := e.counts()
	for _, tc := range e.badLinks(action, workerID, subject) {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			status, page := e.page(method, tc.path, form)
			require.Equal(e.t, tc.want, status, "%s %s: %s", tc.name, method, page)
			require.Contains(e.t, page, tc.says, tc.name)
			require.Contains(e.t, page, "何も変わっていません", tc.name)
			require.NotContains(e.t, page, "<form", tc.name)
		}
	}
	require.Equal(e.t, before, e.counts(), "no bad link changes anything")
}

func (e *env) absences(workerID string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, it := range e.json("viewer", "GET", "/api/v1/workers/"+workerID+"/absences", nil, http.StatusOK)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// TestAbsenceLink: the absence link's page shows a form (today's date
// filled in) and records nothing on GET; each submitted form records one
// notice, from the worker, however often it is sent; the same link takes
// another notice with a new form; bad input is refused on the form and
// records nothing.
func TestAbsenceLink(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("absence@example.jp")
	today := e.srv.Clock.Today(time.Now())
	until := today.AddDays(180)
	path, claims := e.link(links.ActionAbsence, id, until.String(), time.Now().Add(time.Hour))

	before := e.counts()
	status, first := e.page(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, status, first)
	require.Contains(t, first, "お休み・遅れて開始・早めに終了のご連絡")
	require.Contains(t, first, "理由を書かなくても大丈夫です")
	require.Contains(t, first, until.Japanese()+"まで何度でも使えます")
	require.Contains(t, first, fmt.Sprintf(`type="date" name="date" value="%s"`, today))
	for _, v := range []string{"absent", "late", "early_leave"} {
		require.Contains(t, first, fmt.Sprintf(`type="radio" name="kind" value="%s"`, v))
	}
	require.Contains(t, first, `type="time" name="time"`)
	require.Contains(t, first, "時刻(遅れて開始・早めに終了のとき)")
	require.Contains(t, first, "理由や、伝えておきたいこと(任意)")
	require.NotContains(t, first, "鎌倉", "no personal data on the page")
	_, second := e.page(http.MethodGet, path, nil)
	n1, n2 := nonceIn(t, first), nonceIn(t, second)
	require.NotEqual(t, n1, n2, "each page is a new form")
	require.Equal(t, before, e.counts(), "GET never acts")

	// A late start: recorded once, whoever sends the same form again.
	late := url.Values{"use": {n1}, "date": {today.String()}, "kind": {"late"}, "time": {"11:00"}, "reason": {" 朝は体が重いので "}}
	status, page := e.page(http.MethodPost, path, late)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, today.Japanese()+"、11:00から開始することを受け付けました")
	require.Contains(t, page, "ありがとうございます")
	status, page = e.page(http.MethodPost, path, late)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "このお知らせは受け付けています")
	require.Contains(t, page, "11:00から開始することを受け付けました", "the page repeats what was recorded")
	got := e.absences(id)
	require.Len(t, got, 1)
	require.Equal(t, "late", got[0]["kind"])
	require.Equal(t, "11:00", got[0]["from"])
	require.Equal(t, "朝は体が重いので", got[0]["reason"])
	require.Equal(t, ippo.ActorWorker, got[0]["reported_by"])
	// A process that stopped after recording but before marking the use
	// acts again under the same use: nothing more is recorded.
	replay := claims
	replay.ID = claims.ID + "/" + n1
	title, err := e.pages.ActAgain(context.Background(), replay, map[string]string{"date": today.AddDays(5).String(), "kind": "absent"})
	require.NoError(t, err)
	require.Contains(t, title, "11:00から開始することを受け付けました", "the first notice stands")
	require.Len(t, e.absences(id), 1)

	// A double click on a second form records one day off; the time typed
	// before choosing a day off is left out.
	off := url.Values{"use": {n2}, "date": {today.AddDays(2).String()}, "kind": {"absent"}, "time": {"10:00"}}
	var (
		wg       sync.WaitGroup
		statuses [2]int
	)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = e.page(http.MethodPost, path, off) })
	}
	wg.Wait()
	require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses[:])
	got = e.absences(id)
	require.Len(t, got, 2)
	require.Equal(t, "absent", got[1]["kind"])
	require.Nil(t, got[1]["from"])

	// An early leave from a third form, with no reason.
	_, third := e.page(http.MethodGet, path, nil)
	status, page = e.page(http.MethodPost, path, url.Values{"use": {nonceIn(t, third)}, "date": {today.AddDays(-1).String()}, "kind": {"early_leave"}, "time": {"14:30"}})
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "14:30で終了することを受け付けました")
	require.Len(t, e.absences(id), 3)

	// On the timeline, from the worker.
	entries := e.timelineEntries(id, "absence_reported")
	require.Len(t, entries, 3)
	for _, en := range entries {
		require.Equal(t, "attendance", en["source"])
		require.Equal(t, ippo.ActorWorker, en["actor"])
	}

	// Bad input: the form again, saying what to fix; nothing recorded.
	_, fourth := e.page(http.MethodGet, path, nil)
	n4 := nonceIn(t, fourth)
	valid := func(change map[string]string) url.Values {
		v := url.Values{"use": {n4}, "date": {today.String()}, "kind": {"late"}, "time": {"11:00"}}
		for k, x := range change {
			if x == "" {
				v.Del(k)
			} else {
				v.Set(k, x)
			}
		}
		return v
	}
	before = e.counts()
	for _, tc := range []struct {
		name   string
		form   url.Values
		says   string
		nonce  bool // the page keeps the form's nonce
		status int
	}{
		{"no kind", valid(map[string]string{"kind": ""}), "ひとつ選んでください", true, 422},
		{"an unknown kind", valid(map[string]string{"kind": "sick"}), "選び直してください", true, 422},
		{"a late start without its time", valid(map[string]string{"time": ""}), "始める時刻を入れてください", true, 422},
		{"an early leave without its time", valid(map[string]string{"kind": "early_leave", "time": ""}), "終える時刻を入れてください", true, 422},
		{"no date", valid(map[string]string{"date": ""}), "入力してください", true, 422},
		{"not a date", valid(map[string]string{"date": "4月1日"}), "日付を選んでください", true, 422},
		{"a year typed wrong", valid(map[string]string{"date": today.AddDays(-800).String()}), "前後1年", true, 422},
		{"not a time", valid(map[string]string{"time": "25:00"}), "時刻を選んでください", true, 422},
		{"a reason too long", valid(map[string]string{"reason": strings.Repeat("あ", ippo.MaxNoteLength+1)}), "2000文字以内", true, 422},
		{"no nonce", valid(map[string]string{"use": ""}), "もう一度ボタンを押してください", false, 422},
		{"a nonce not made here", valid(map[string]string{"use": "x"}), "もう一度ボタンを押してください", false, 422},
	} {
		status, page := e.page(http.MethodPost, path, tc.form)
		require.Equal(t, tc.status, status, "%s: %s", tc.name, page)
		require.Contains(t, page, tc.says, tc.name)
		require.Contains(t, page, "まだ何も送られていません", tc.name)
		if tc.nonce {
			require.Equal(t, n4, nonceIn(t, page), "%s: the corrected form is the same use", tc.name)
		} else {
			require.NotEqual(t, n4, nonceIn(t, page), tc.name)
		}
	}
	require.Equal(t, before, e.counts(), "refused forms change nothing")

	// Expired, tampered and wrong-action links change nothing.
	e.requireBadLinksChangeNothing(links.ActionAbsence, id, until.String(), valid(nil))
	_, err = e.db.LinkUse(context.Background(), claims.ID)
	require.Error(t, err, "the link itself is never spent")
}

// TestAbsenceLinkAfterTheContract: once the worker has left, the page says
// kindly that no notice is needed, and records nothing.
func TestAbsenceLinkAfterTheContract(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("left@example.jp")
	path, _ := e.link(links.ActionAbsence, id, e.srv.Clock.Today(time.Now()).AddDays(90).String(), time.Now().Add(time.Hour))
	_, form := e.page(http.MethodGet, path, nil)
	nonce := nonceIn(t, form)
	e.json("staff", "POST", "/api/v1/workers/"+id+"/withdrawal", map[string]any{"reason": "本人の希望により"}, http.StatusOK)
	testkit.Eventually(e.t, "the withdrawal", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"] == "withdrawn"
	})
	before := e.counts()
	status, page := e.page(http.MethodGet, path, nil)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "お休みなどのお知らせは必要ありません")
	require.NotContains(t, page, "<form")
	status, page = e.page(http.MethodPost, path, url.Values{"use": {nonce}, "date": {e.srv.Clock.Today(time.Now()).String()}, "kind": {"absent"}})
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "お休みなどのお知らせは必要ありません")
	require.Equal(t, before, e.counts())
	require.Empty(t, e.absences(id))
}

var scoresForm = url.Values{"stability": {"4"}, "execution": {"3"}, "habits": {"5"}, "interpersonal": {"4"}, "comment": {"朝の連絡に慣れてきました"}}

func withValues(base url.Values, change map[string]string) url.Values {
	v := url.Values{}
	for k, x := range base {
		v[k] = append([]string(nil), x...)
	}
	for k, x := range change {
		if x == "" {
			v.Del(k)
		} else {
			v.Set(k, x)
		}
	}
	return v
}

func (e *env) assessments(workerID string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, it := range e.json("viewer", "GET", "/api/v1/workers/"+workerID+"/assessments", nil, http.StatusOK)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// TestSelfAssessmentLink: GET shows the four dimensions, 1 to 5, and
// records nothing; bad input is refused on the form; one POST records one
// self-assessment by the worker, and the link is then used, however often
// or however fast it is sent again.
func TestSelfAssessmentLink(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("self@example.jp")
	due := e.srv.Clock.Today(time.Now()).AddDays(30)
	path, claims := e.link(links.ActionSelfAssessment, id, due.String(), time.Now().Add(time.Hour))

	before := e.counts()
	status, page := e.page(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "ふり返り(自己評価)の入力")
	require.NotContains(t, page, "この回のふり返りは")
	for _, s := range []string{"作業安定度", "作業遂行", "基本的労働習慣", "対人技能", "予定した作業を、無理なく続けられているか",
		"連絡や時間の約束など、働くうえでの習慣", `name="interpersonal" value="5"`, `class="inline"`, due.Japanese(), "正解や、よい・わるいはありません"} {
		require.Contains(t, page, s)
	}
	require.NotContains(t, page, "鎌倉")
	require.Equal(t, before, e.counts(), "GET never acts")

	for _, tc := range []struct {
		name string
		form url.Values
		says string
	}{
		{"a score missing", withValues(scoresForm, map[string]string{"habits": ""}), "ひとつ選んでください"},
		{"a score above 5", withValues(scoresForm, map[string]string{"interpersonal": "6"}), "選び直してください"},
		{"a score of 0", withValues(scoresForm, map[string]string{"stability": "0"}), "選び直してください"},
		{"a comment too long", withValues(scoresForm, map[string]string{"comment": strings.Repeat("あ", ippo.MaxNoteLength+1)}), "2000文字以内"},
	} {
		status, page := e.page(http.MethodPost, path, tc.form)
		require.Equal(t, http.StatusUnprocessableEntity, status, "%s: %s", tc.name, page)
		require.Contains(t, page, tc.says, tc.name)
		require.Contains(t, page, "まだ何も送られていません", tc.name)
	}
	require.Equal(t, before, e.counts(), "refused forms change nothing")

	status, page = e.page(http.MethodPost, path, scoresForm)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "ふり返りを受け付けました")
	for _, open := range []string{http.MethodPost, http.MethodGet} {
		status, page = e.page(open, path, withValues(scoresForm, map[string]string{"stability": "1"}))
		require.Equal(t, http.StatusConflict, status, page)
		require.Contains(t, page, "このリンクは使用済みです")
		require.Contains(t, page, "ふり返りを受け付けました")
	}
	got := e.assessments(id)
	require.Len(t, got, 1)
	require.Equal(t, "self", got[0]["by"])
	require.Equal(t, ippo.ActorWorker, got[0]["recorded_by"])
	require.Equal(t, map[string]any{"stability": 4.0, "execution": 3.0, "habits": 5.0, "interpersonal": 4.0}, got[0]["scores"])
	require.Equal(t, "朝の連絡に慣れてきました", got[0]["comment"])
	steps := e.timelineEntries(id, "assessment_recorded")
	require.Len(t, steps, 1)
	require.Equal(t, ippo.ActorWorker, steps[0]["actor"])
	use, err := e.db.LinkUse(context.Background(), claims.ID)
	require.NoError(t, err)
	require.Equal(t, "done", use.State)
	// Acted on again under the same link ID (a claim taken over after a
	// crash): the lifecycle answers with the first assessment.
	_, err = e.pages.ActAgain(context.Background(), claims, map[string]string{"stability": "1", "execution": "1", "habits": "1", "interpersonal": "1"})
	require.NoError(t, err)
	require.Len(t, e.assessments(id), 1)
	require.Len(t, e.timelineEntries(id, "assessment_recorded"), 1)
	n, err := e.db.CountRows(context.Background(), "assessments")
	require.NoError(t, err)
	require.Equal(t, 1, n, "the second copy is removed again")

	// A second link for the round (the reminder's) says the first was
	// received; a double click on it records one assessment.
	second, _ := e.link(links.ActionSelfAssessment, id, due.String(), time.Now().Add(time.Hour))
	status, page = e.page(http.MethodGet, second, nil)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "この回のふり返りは、"+e.srv.Clock.Today(time.Now()).Japanese()+"の分を受け付けています")
	require.Contains(t, page, "<form")
	var (
		wg       sync.WaitGroup
		statuses [2]int
	)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = e.page(http.MethodPost, second, scoresForm) })
	}
	wg.Wait()
	require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses[:])
	require.Len(t, e.assessments(id), 2)
	require.Len(t, e.timelineEntries(id, "assessment_recorded"), 2)

	e.requireBadLinksChangeNothing(links.ActionSelfAssessment, id, due.String(), scoresForm)

	// Once the worker has left, a kind page, and nothing recorded; the link
	// is not spent by a refusal.
	third, thirdClaims := e.link(links.ActionSelfAssessment, id, due.String(), time.Now().Add(time.Hour))
	e.json("staff", "POST", "/api/v1/workers/"+id+"/withdrawal", map[string]any{"reason": "本人の希望により"}, http.StatusOK)
	testkit.Eventually(e.t, "the withdrawal", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"] == "withdrawn"
	})
	before = e.counts()
	for _, open := range []string{http.MethodGet, http.MethodPost} {
		status, page = e.page(open, third, scoresForm)
		require.Equal(t, http.StatusConflict, status, page)
		require.Contains(t, page, "いまは、ふり返りの入力を受け付けていません")
		require.NotContains(t, page, "<form")
	}
	require.Equal(t, before, e.counts())
	_, err = e.db.LinkUse(context.Background(), thirdClaims.ID)
	require.Error(t, err)
}

// TestSelfAssessmentRefusedByTheLifecycle: when the read model still says
// active but the lifecycle refuses (it moved on first), the page says how
// it stands and the refused assessment is not kept.
func TestSelfAssessmentRefusedByTheLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("raced@example.jp")
	path, claims := e.link(links.ActionSelfAssessment, id, e.srv.Clock.Today(time.Now()).AddDays(30).String(), time.Now().Add(time.Hour))
	// The lifecycle ends (staff withdraw the worker) while the read model
	// is made to lag: the page shows the form, the lifecycle refuses.
	e.json("staff", "POST", "/api/v1/workers/"+id+"/withdrawal", map[string]any{"reason": "本人の希望により"}, http.StatusOK)
	testkit.Eventually(e.t, "the withdrawal", func() bool {
		return e.json("viewer", "GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"] == "withdrawn"
	})
	require.NoError(t, e.db.RecordStep(context.Background(), ippo.Step{
		Key: "worker/" + id + "/step/lagging", WorkerID: id, Seq: 1000, At: time.Now(), ProgramAt: time.Now(),
		Kind: "test_lagging_read_model", Actor: ippo.ActorSystem, View: ippo.WorkerView{Phase: ippo.PhaseActive, Status: "under_contract"},
	}))
	status, page := e.page(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, status, page)
	before := e.counts()
	status, page = e.page(http.MethodPost, path, scoresForm)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "受け付けていません")
	require.Equal(t, before, e.counts(), "the refused assessment is removed again")
	_, err := e.db.LinkUse(context.Background(), claims.ID)
	require.Error(t, err, "a refusal does not spend the link")
}

// graduate takes an active worker through consents and a graduation with
// handoffs to two agencies, and returns the handoff IDs by agency name.
func (e *env) graduate(id string) map[string]string {
	e.t.Helper()
	agencies := map[string]string{}
	for _, a := range e.json("viewer", "GET", "/api/v1/agencies", nil, http.StatusOK)["items"].([]any) {
		m := a.(map[string]any)
		agencies[m["name"].(string)] = m["id"].(string)
	}
	names := []string{"ハローワーク藤沢", "湘南・横浜若者サポートステーション"}
	var ids []string
	for _, n := range names {
		e.json("staff", "POST", "/api/v1/workers/"+id+"/consents", map[string]any{"action": "give", "agency_id": agencies[n],
			"purpose": "graduation_handoff", "items": []string{"work_history"}, "wording_version": "2026-01"}, http.StatusCreated)
		ids = append(ids, agencies[n])
	}
	g := e.json("staff", "POST", "/api/v1/workers/"+id+"/graduation", map[string]any{"destination": "general_employment", "agencies": ids}, http.StatusOK)
	out := map[string]string{}
	for i, h := range g["graduation"].(map[string]any)["handoffs"].([]any) {
		m := h.(map[string]any)
		require.Equal(e.t, "sent", m["status"])
		out[names[i]] = m["id"].(string)
	}
	out["agency:"+names[1]] = ids[1]
	return out
}

func (e *env) handoff(workerID, id string) map[string]any {
	e.t.Helper()
	for _, it := range e.json("viewer", "GET", "/api/v1/workers/"+workerID+"/handoffs", nil, http.StatusOK)["items"].([]any) {
		if m := it.(map[string]any); m["id"] == id {
			return m
		}
	}
	e.t.Fatalf("no handoff %s", id)
	return nil
}

// TestAgencyAckLink: the agency's page greets 「ご担当者様」, shows nothing
// about the worker and acts on nothing until the button; the
// acknowledgement is recorded once, from the agency; an acknowledged,
// withdrawn or foreign handoff gets a page that says so and changes
// nothing.
func TestAgencyAckLink(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("grad@example.jp")
	h := e.graduate(id)
	hw, saposute := h["ハローワーク藤沢"], h["湘南・横浜若者サポートステーション"]
	path, claims := e.link(links.ActionAgencyAck, id, hw, time.Now().Add(time.Hour))

	before := e.counts()
	status, page := e.page(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, status, page)
	for _, s := range []string{"引き継ぎの受け取りのご確認", "ご担当者様", "受け取りを確認しました", "ご本人の情報は表示していません"} {
		require.Contains(t, page, s)
	}
	for _, never := range []string{"鎌倉", "花子", "grad@example.jp", "一般就労", id} {
		require.NotContains(t, page, never, "no personal data on the agency's page")
	}
	require.Equal(t, before, e.counts(), "GET never acts")
	require.Equal(t, "sent", e.handoff(id, hw)["status"])

	status, page = e.page(http.MethodPost, path, url.Values{})
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "受け取りのご確認、ありがとうございました")
	ack := e.handoff(id, hw)
	require.Equal(t, "acknowledged", ack["status"])
	require.Equal(t, ippo.ActorAgency, ack["acknowledged_by"])
	steps := e.timelineEntries(id, "handoff_acknowledged")
	require.Len(t, steps, 1)
	require.Equal(t, ippo.ActorAgency, steps[0]["actor"])

	for _, open := range []string{http.MethodPost, http.MethodGet} {
		status, page = e.page(open, path, url.Values{})
		require.Equal(t, http.StatusConflict, status, page)
		require.Contains(t, page, "このリンクは使用済みです")
	}
	// Another link for the acknowledged handoff: already confirmed.
	again, againClaims := e.link(links.ActionAgencyAck, id, hw, time.Now().Add(time.Hour))
	before = e.counts()
	for _, open := range []string{http.MethodGet, http.MethodPost} {
		status, page = e.page(open, again, url.Values{})
		require.Equal(t, http.StatusConflict, status, page)
		require.Contains(t, page, "受け取りは確認済みです")
	}
	require.Equal(t, before, e.counts())
	_, err := e.db.LinkUse(context.Background(), againClaims.ID)
	require.Error(t, err)
	use, err := e.db.LinkUse(context.Background(), claims.ID)
	require.NoError(t, err)
	require.Equal(t, "done", use.State)
	// Acted on again under the same link ID: no second step.
	_, err = e.pages.ActAgain(context.Background(), claims, nil)
	require.Error(t, err, "the read model says it is acknowledged")
	require.Len(t, e.timelineEntries(id, "handoff_acknowledged"), 1)

	// A handoff whose consent the worker withdrew: the page says it was
	// called off and that staff will write; nothing changes.
	withdrawnPath, _ := e.link(links.ActionAgencyAck, id, saposute, time.Now().Add(time.Hour))
	e.json("staff", "POST", "/api/v1/workers/"+id+"/consents", map[string]any{"action": "withdraw", "agency_id": h["agency:湘南・横浜若者サポートステーション"],
		"purpose": "graduation_handoff", "wording_version": "2026-01"}, http.StatusOK)
	testkit.Eventually(e.t, "the handoff to be withdrawn", func() bool { return e.handoff(id, saposute)["status"] == "consent_withdrawn" })
	// The lifecycle records the withdrawal just after the store: wait for
	// its steps too, so the count below sees only what the page does.
	testkit.Eventually(e.t, "the withdrawal on the timeline", func() bool {
		return len(e.timelineEntries(id, "consent_withdrawn")) == 1 && len(e.timelineEntries(id, "handoff_consent_withdrawn")) == 1
	})
	before = e.counts()
	for _, open := range []string{http.MethodGet, http.MethodPost} {
		status, page = e.page(open, withdrawnPath, url.Values{})
		require.Equal(t, http.StatusConflict, status, page)
		require.Contains(t, page, "この引き継ぎは取りやめになりました")
		require.Contains(t, page, "何も変わっていません")
	}
	require.Equal(t, before, e.counts())
	require.Len(t, e.timelineEntries(id, "handoff_acknowledged"), 1)

	// A handoff that is not the link's worker's, or none at all.
	other := e.activeWorker("other@example.jp")
	foreign, _ := e.link(links.ActionAgencyAck, other, hw, time.Now().Add(time.Hour))
	unknown, _ := e.link(links.ActionAgencyAck, id, uuid.NewString(), time.Now().Add(time.Hour))
	for _, p := range []string{foreign, unknown} {
		for _, open := range []string{http.MethodGet, http.MethodPost} {
			status, page = e.page(open, p, url.Values{})
			require.Equal(t, http.StatusConflict, status, page)
			require.Contains(t, page, "このリンクの引き継ぎが見つかりませんでした")
		}
	}

	e.requireBadLinksChangeNothing(links.ActionAgencyAck, id, saposute, url.Values{})
}

// TestAgencyAckLinkDoubleClick: two POSTs of the same link at once record
// one acknowledgement.
func TestAgencyAckLinkDoubleClick(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("grad2@example.jp")
	h := e.graduate(id)
	path, _ := e.link(links.ActionAgencyAck, id, h["ハローワーク藤沢"], time.Now().Add(time.Hour))
	var (
		wg       sync.WaitGroup
		statuses [2]int
		pages    [2]string
	)
	for i := range statuses {
		wg.Go(func() { statuses[i], pages[i] = e.page(http.MethodPost, path, url.Values{}) })
	}
	wg.Wait()
	require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses[:], "%v", pages)
	require.Len(t, e.timelineEntries(id, "handoff_acknowledged"), 1)
}
