package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/console"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

// These tests run the console over a real, seeded PostgreSQL and the
// Temporal dev server with no worker polling: everything they send is
// refused (or only read) before a lifecycle would be asked, which is what
// they check. The browser tests (e2e/console_test.go) take the steps.

type harness struct {
	t   *testing.T
	db  *postgres.DB
	con *console.Server
	srv *httptest.Server
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db := pgtest.New(t)
	a := &app.App{DB: db, Temporal: temporaltest.Server(t).Client(), TaskQueue: "console-" + uuid.NewString(), Log: slog.New(slog.DiscardHandler)}
	con, err := console.New(a)
	require.NoError(t, err)
	con.Start()
	srv := httptest.NewServer(con.Mount(http.NotFoundHandler()))
	t.Cleanup(srv.Close)
	return &harness{t: t, db: db, con: con, srv: srv}
}

// token creates a staff token and returns its secret.
func (h *harness) token(name, role string) (string, string) {
	h.t.Helper()
	secret := "secret-" + uuid.NewString()
	tok, err := h.db.CreateToken(context.Background(), postgres.Token{ID: uuid.NewString(), Name: name, Role: role, CreatedBy: "test"}, secret)
	require.NoError(h.t, err)
	return tok.ID, secret
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	h *harness
	c *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (int, string, http.Header) {
	b.h.t.Helper()
	resp, err := b.c.Get(b.h.srv.URL + path)
	require.NoError(b.h.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func (b *browser) post(path string, form url.Values, headers ...string) (int, string, *http.Response) {
	b.h.t.Helper()
	req, err := http.NewRequest("POST", b.h.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.h.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.c.Do(req)
	require.NoError(b.h.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	require.NotNil(t, m, "a form with a CSRF token")
	return m[1]
}

// signIn signs in with secret and returns the session's CSRF token.
func (b *browser) signIn(secret string, headers ...string) *http.Response {
	b.h.t.Helper()
	status, body, _ := b.get("/console/login")
	require.Equal(b.h.t, http.StatusOK, status)
	status, _, resp := b.post("/console/login", url.Values{"csrf": {csrfOf(b.h.t, body)}, "token": {secret}, "next": {"/console/workers"}}, headers...)
	require.Equal(b.h.t, http.StatusSeeOther, status)
	require.Equal(b.h.t, "/console/workers", resp.Header.Get("Location"))
	return resp
}

func (b *browser) csrf() string {
	b.h.t.Helper()
	status, body, _ := b.get("/console/")
	require.Equal(b.h.t, http.StatusOK, status)
	return csrfOf(b.h.t, body)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "ippo_console" && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestRootRedirectsAndPagesNeedASession(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	status, _, hdr := b.get("/")
	require.Equal(t, http.StatusFound, status)
	require.Equal(t, "/console/", hdr.Get("Location"))
	status, _, hdr = b.get("/console/workers?phase=active")
	require.Equal(t, http.StatusSeeOther, status)
	require.True(t, strings.HasPrefix(hdr.Get("Location"), "/console/login?next="), hdr.Get("Location"))
	// A form sent without a session is refused, not redirected.
	status, body, _ := b.post("/console/applicants", url.Values{"name": {"x"}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "何も変更されていません")
}

func TestSignInSetsAStrictHttpOnlyCookie(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")

	resp := h.browser().signIn(secret)
	c := sessionCookie(resp)
	require.NotNil(t, c)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.False(t, c.Secure, "plain HTTP on loopback")
	require.Equal(t, "/console", c.Path)
	require.NotContains(t, c.Value, secret, "the cookie never carries the token")

	resp = h.browser().signIn(secret, "X-Forwarded-Proto", "https")
	require.True(t, sessionCookie(resp).Secure, "behind HTTPS the cookie is Secure")
}

func TestSignInRefusesAWrongTokenOrAForgedForm(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	_, body, _ := b.get("/console/login")
	status, body2, resp := b.post("/console/login", url.Values{"csrf": {csrfOf(t, body)}, "token": {"not-a-token"}})
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body2, "このトークンではサインインできません")
	require.Nil(t, sessionCookie(resp))
	status, _, resp = h.browser().post("/console/login", url.Values{"csrf": {"guess"}, "token": {secret}})
	require.Equal(t, http.StatusForbidden, status)
	require.Nil(t, sessionCookie(resp))
}

func TestSessionsEnd(t *testing.T) {
	h := newHarness(t)
	id, secret := h.token("鎌田", "staff")

	t.Run("sign-out", func(t *testing.T) {
		b := h.browser()
		b.signIn(secret)
		status, _, _ := b.post("/console/logout", url.Values{"csrf": {b.csrf()}})
		require.Equal(t, http.StatusSeeOther, status)
		status, _, _ = b.get("/console/")
		require.Equal(t, http.StatusSeeOther, status, "signed out: back to sign-in")
	})
	t.Run("idle", func(t *testing.T) {
		h.con.IdleTimeout = 1 // a nanosecond: any later request finds it idle
		defer func() { h.con.IdleTimeout = 2 * time.Hour }()
		b := h.browser()
		b.signIn(secret)
		status, _, _ := b.get("/console/")
		require.Equal(t, http.StatusSeeOther, status)
	})
	t.Run("absolute", func(t *testing.T) {
		maxAge := h.con.MaxAge
		h.con.MaxAge = 1 // expires a nanosecond after sign-in
		defer func() { h.con.MaxAge = maxAge }()
		b := h.browser()
		b.signIn(secret)
		status, _, _ := b.get("/console/")
		require.Equal(t, http.StatusSeeOther, status)
	})
	t.Run("revoked token", func(t *testing.T) {
		b := h.browser()
		b.signIn(secret)
		status, _, _ := b.get("/console/")
		require.Equal(t, http.StatusOK, status)
		require.NoError(t, h.db.RevokeToken(context.Background(), id))
		status, _, _ = b.get("/console/")
		require.Equal(t, http.StatusSeeOther, status)
	})
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	other := h.browser()
	other.signIn(secret)
	form := url.Values{"name": {"由比 花子"}, "email": {"yui@example.jp"}, "municipality_code": {"14204"}, "category": {"disability"},
		"recognized_by_doctor": {"yes"}, "disability_types": {"mental"}, "consent.given_on": {"2026-01-05"}, "consent.wording_version": {"2026-01"}}
	for name, token := range map[string]string{"missing": "", "forged": "forged", "another session's": other.csrf()} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if token != "" {
			f.Set("csrf", token)
		}
		status, body, _ := b.post("/console/applicants", f)
		require.Equal(t, http.StatusForbidden, status, name)
		require.Contains(t, body, "何も変更されていません", name)
	}
	workers, err := h.db.Workers(context.Background(), postgres.WorkerFilter{})
	require.NoError(t, err)
	require.Empty(t, workers, "a refused form registers no one")
	audit, err := h.db.AuditLog(context.Background(), "", 0, 50)
	require.NoError(t, err)
	refused := 0
	for _, e := range audit {
		if e.Route == "/console/applicants" && e.Outcome == "refused" && e.Actor == "鎌田" {
			refused++
		}
	}
	require.Equal(t, 3, refused, "refused console actions are audited")
}

func TestViewerSeesNoFormsAndIsRefused(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("見学", "viewer")
	b := h.browser()
	b.signIn(secret)
	status, body, _ := b.get("/console/")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, "/console/applicants/new")
	status, _, _ = b.get("/console/applicants/new")
	require.Equal(t, http.StatusForbidden, status)
	status, body, _ = b.post("/console/applicants", url.Values{"csrf": {b.csrf()}, "name": {"x"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, body, "この操作の権限がありません")
}

// TestNothingAPersonTypesReachesA500 sends what people (and pasted text)
// bring: NUL bytes, broken UTF-8, emoji, right-to-left marks, huge
// numbers, very long text, ids that are not ids.
func TestNothingAPersonTypesReachesA500(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	csrf := b.csrf()
	hostile := []string{"a\x00b", "\xff\xfe", "🌊🏖️", "\u202eevil\u202c", "99999999999999999999999", strings.Repeat("長", 5000), "-1", "'; DROP TABLE workers; --", "2026-02-30"}
	for _, v := range hostile {
		for _, path := range []string{
			"/console/workers?q=" + url.QueryEscape(v),
			"/console/workers?page=" + url.QueryEscape(v) + "&phase=" + url.QueryEscape(v) + "&status=" + url.QueryEscape(v) + "&sort=" + url.QueryEscape(v),
			"/console/workers/" + url.PathEscape(v),
		} {
			status, _, _ := b.get(path)
			require.Less(t, status, 500, "GET %q", path)
		}
		for _, field := range []string{"name", "name_kana", "email", "municipality_code", "category", "disability_types", "withdrawn_since", "supporting_body", "consent.given_on", "consent.wording_version"} {
			form := url.Values{"csrf": {csrf}, "name": {"由比 花子"}, "email": {"yui@example.jp"}, "municipality_code": {"13101"}, "category": {"disability"},
				"recognized_by_doctor": {"yes"}, "disability_types": {"mental"}, "consent.given_on": {"2026-01-05"}, "consent.wording_version": {"2026-01"}}
			form.Set(field, v)
			status, body, _ := b.post("/console/applicants", form)
			require.Equal(t, http.StatusUnprocessableEntity, status, "%s=%q", field, v)
			require.Contains(t, body, "入力内容をお確かめください", "%s=%q", field, v)
		}
		for _, step := range []string{"eligibility", "contract", "non-renewal", "withdrawal"} {
			status, _, _ := b.post("/console/workers/"+url.PathEscape(v)+"/"+step, url.Values{"csrf": {csrf}, "reason": {v}, "decision": {v}, "by": {v}, "ends_on": {v}, "signed_on": {v}})
			require.Less(t, status, 500, "%s on %q", step, v)
		}
	}
	workers, err := h.db.Workers(context.Background(), postgres.WorkerFilter{})
	require.NoError(t, err)
	require.Empty(t, workers)
}

func TestIntakeKeepsWhatWasTypedAndSaysWhyInJapanese(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	status, body, _ := b.post("/console/applicants", url.Values{"csrf": {b.csrf()}, "name": {"\u202b由比 花子 🌊"}, "municipality_code": {"13101"},
		"category": {"hikikomori"}, "withdrawn_since": {ippo.Date{Year: 2099, Month: 1, Day: 1}.String()}, "consent.wording_version": {"2026-01"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	for _, want := range []string{
		"メールアドレス: 入力してください",
		"鎌倉市にお住まいの方(市区町村コード 14204)が利用できます",
		"今日より後の日付は入力できません",
		"支援している市の窓口または機関の名前を入力してください",
		"要配慮個人情報の取得への本人の同意と、その日付が必要です",
		`value="` + "\u202b由比 花子 🌊" + `"`,
	} {
		require.Contains(t, body, want)
	}
	require.NotRegexp(t, `(?i)is required|must be`, body, "no English reaches staff")
}

var secretShown = regexp.MustCompile(`<code id="new-secret">([^<]+)</code>`)

func TestAdminIssuesATokenShownOnceAndRevokesIt(t *testing.T) {
	h := newHarness(t)
	_, adminSecret := h.token("管理 太郎", "admin")
	_, staffSecret := h.token("鎌田", "staff")
	staff := h.browser()
	staff.signIn(staffSecret)
	status, body, _ := staff.get("/console/")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, "/console/admin", "admin pages are hidden from staff")
	status, _, _ = staff.get("/console/admin")
	require.Equal(t, http.StatusForbidden, status)
	status, _, _ = staff.post("/console/admin/tokens", url.Values{"csrf": {staff.csrf()}, "name": {"x"}, "role": {"admin"}})
	require.Equal(t, http.StatusForbidden, status)

	admin := h.browser()
	admin.signIn(adminSecret)
	csrf := admin.csrf()
	status, body, _ = admin.post("/console/admin/tokens", url.Values{"csrf": {csrf}, "name": {"大船"}, "role": {"root"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "権限を選んでください")
	require.NotRegexp(t, secretShown, body)
	status, body, _ = admin.post("/console/admin/tokens", url.Values{"csrf": {csrf}, "name": {" "}, "role": {"staff"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "使う人の名前: 入力してください")

	status, body, _ = admin.post("/console/admin/tokens", url.Values{"csrf": {csrf}, "name": {"大船 さくら"}, "role": {"viewer"}})
	require.Equal(t, http.StatusCreated, status)
	m := secretShown.FindStringSubmatch(body)
	require.NotNil(t, m, "the new secret is shown")
	_, page, _ := admin.get("/console/admin")
	require.NotContains(t, page, m[1], "and only once")
	require.Contains(t, page, "大船 さくら")

	viewer := h.browser()
	viewer.signIn(m[1])
	status, _, _ = viewer.get("/console/")
	require.Equal(t, http.StatusOK, status)

	tokens, err := h.db.Tokens(context.Background())
	require.NoError(t, err)
	var id string
	for _, tok := range tokens {
		if tok.Name == "大船 さくら" {
			id = tok.ID
		}
	}
	status, _, _ = admin.post("/console/admin/tokens/"+id+"/revoke", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, status)
	status, _, _ = viewer.get("/console/")
	require.Equal(t, http.StatusSeeOther, status, "a revoked token's session ends at once")
}

func TestReportPageShowsFiguresAndDownloadsCSV(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("見学", "viewer")
	b := h.browser()
	b.signIn(secret)
	status, body, _ := b.get("/console/reports")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{"稼働率の分布", "卒業の行き先", "<svg", "新規登録(申込)", "月次締め", "の明細"} {
		require.Contains(t, body, want)
	}
	status, body, hdr := b.get("/console/reports.csv?month=2026-01")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "text/csv; charset=utf-8", hdr.Get("Content-Type"))
	require.True(t, strings.HasPrefix(body, "\ufeff項目,値\n対象月,2026年1月\n"), body)
	status, _, _ = b.get("/console/reports?month=2999-01")
	require.Equal(t, http.StatusUnprocessableEntity, status, "a month that has not ended")
	status, _, _ = b.get("/console/reports.csv?month=" + url.QueryEscape("\x00"))
	require.Equal(t, http.StatusUnprocessableEntity, status)
}

func TestTasksCatalogAndARequestThatDoesNotFitThePhase(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	csrf := b.csrf()
	status, body, _ := b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "取引先: 入力してください")
	require.Contains(t, body, `value="校正"`)
	status, _, _ = b.post("/console/tasks", url.Values{"csrf": {csrf}, "type": {"校正"}, "client": {"鎌倉商事"}, "output_unit": {"ページ"}})
	require.Equal(t, http.StatusSeeOther, status)
	_, body, _ = b.get("/console/tasks")
	require.Contains(t, body, "鎌倉商事")
	tasks, err := h.db.ClientTasks(context.Background())
	require.NoError(t, err)
	require.Len(t, tasks, 1)

	// A worker still in screening cannot be asked yet: refused with the reason, nothing assigned.
	id := uuid.NewString()
	require.NoError(t, h.db.CreateApplicant(context.Background(), id, ippo.Applicant{Name: "由比 花子", Email: "yui@example.jp", MunicipalityCode: "14204",
		Category: ippo.CategoryDisability, RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		Consent: ippo.CollectionConsent{GivenOn: ippo.Date{Year: 2026, Month: 1, Day: 5}, WordingVersion: "2026-01"}}))
	status, body, _ = b.post("/console/workers/"+id+"/tasks", url.Values{"csrf": {csrf}, "task_id": {tasks[0].ID}})
	require.Less(t, status, 500)
	require.GreaterOrEqual(t, status, 400)
	require.Contains(t, body, "何も変更されていません")
	assigned, err := h.db.WorkerClientTasks(context.Background(), id)
	require.NoError(t, err)
	require.Empty(t, assigned)
}

// activeWorker registers a worker and moves the read model to active, as
// the lifecycle would after signing (no Temporal here: the store's own
// checks are what the console relies on).
func (h *harness) activeWorker() string {
	h.t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	require.NoError(h.t, h.db.CreateApplicant(ctx, id, ippo.Applicant{Name: "由比 花子", Email: id[:8] + "@example.jp", MunicipalityCode: "14204",
		Category: ippo.CategoryDisability, RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		Consent: ippo.CollectionConsent{GivenOn: ippo.Date{Year: 2026, Month: 1, Day: 5}, WordingVersion: "2026-01"}}))
	now := time.Now()
	require.NoError(h.t, h.db.RecordStep(ctx, ippo.Step{Key: "worker/" + id + "/step/1", WorkerID: id, Seq: 1, At: now, ProgramAt: now,
		Kind: "contract_signed", Actor: "system", View: ippo.WorkerView{Phase: ippo.PhaseActive, Status: "under_contract",
			ContractStart: ippo.DateOf(now), ContractEnd: ippo.DateOf(now).AddDays(180)}}))
	return id
}

func TestScheduleGridRefusesOverTheCapInJapaneseThenRecords(t *testing.T) {
	h := newHarness(t)
	_, secret := h.token("鎌田", "staff")
	b := h.browser()
	b.signIn(secret)
	id := h.activeWorker()
	csrf := b.csrf()
	over := url.Values{"csrf": {csrf},
		"slot-1-start": {"09:00"}, "slot-1-end": {"18:00"}, "slot-1-mode": {"remote"},
		"slot-3-start": {"09:00"}, "slot-3-end": {"18:00"}, "slot-3-mode": {"onsite"}}
	status, body, _ := b.post("/console/workers/"+id+"/schedule", over)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "合計が週18時間になり、上限の16時間を超えています")
	require.Contains(t, body, `value="18:00"`, "the grid keeps what was typed")
	versions, err := h.db.Schedules(context.Background(), id)
	require.NoError(t, err)
	require.Empty(t, versions)

	status, body, _ = b.post("/console/workers/"+id+"/schedule", url.Values{"csrf": {csrf}, "slot-1-start": {"25:00"}, "slot-1-end": {"12:00"}, "slot-1-mode": {"remote"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "月曜日の開始: 10:00 のような形で入力してください")

	over.Set("slot-3-end", "12:00")
	status, _, _ = b.post("/console/workers/"+id+"/schedule", over)
	require.Equal(t, http.StatusSeeOther, status)
	versions, err = h.db.Schedules(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, versions, 1)
	require.Equal(t, 12*60, versions[0].WeeklyMinutes())
	_, body, _ = b.get("/console/workers/" + id)
	require.Contains(t, body, "週 12.0時間")
}
