package linkpages

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/ippo-center/ippo/workflows"
)

// The pages' framework and the opt-out link on a fresh database with a
// fake Temporal, mounted on the API's engine as cmd/ippo mounts them.

// fakeTemporal records the updates the pages send; any other call panics
// (the embedded client is nil).
type fakeTemporal struct {
	client.Client
	mu      sync.Mutex
	updates []client.UpdateWorkflowOptions
	// update answers an update; nil answers the step as done.
	update func(client.UpdateWorkflowOptions) (workflows.StepResult, error)
}

func (f *fakeTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	f.updates = append(f.updates, o)
	answer := f.update
	f.mu.Unlock()
	if answer == nil {
		e := o.Args[0].(workflows.EndContract)
		return handle{res: workflows.StepResult{Phase: ippo.PhaseActive, Status: workflows.StatusEnding, EndsOn: e.EndsOn}}, nil
	}
	res, err := answer(o)
	return handle{res: res, err: err}, nil
}

func (f *fakeTemporal) set(fn func(*fakeTemporal)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeTemporal) updateCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.updates)
}

type handle struct {
	res workflows.StepResult
	err error
}

func (h handle) Get(_ context.Context, v any) error {
	if h.err != nil {
		return h.err
	}
	*v.(*workflows.StepResult) = h.res
	return nil
}
func (handle) RunID() string      { return "run" }
func (handle) UpdateID() string   { return "update" }
func (handle) WorkflowID() string { return "workflow" }

var linkSecret = []byte("api-test-link-secret-0123456789abcdef")

// rig is the pages on a fresh database with a fake Temporal, on the API's
// engine served over HTTP.
type rig struct {
	t        testing.TB
	pages    *Pages
	db       *postgres.DB
	temporal *fakeTemporal
	url      string
	signer   *links.Signer
}

func newRig(t testing.TB) *rig {
	t.Helper()
	db := pgtest.New(t)
	signer, err := links.NewSigner(linkSecret)
	require.NoError(t, err)
	r := &rig{t: t, db: db, temporal: &fakeTemporal{}, signer: signer}
	quiet := slog.New(slog.DiscardHandler)
	r.pages = New(&app.App{DB: db, Temporal: r.temporal, TaskQueue: "test", Log: quiet},
		Contact{Name: "デジタル就労支援センターKAMAKURA", Email: "staff@digikama.example.jp"})
	s := &api.Server{DB: db, Temporal: r.temporal, TaskQueue: "test", Log: quiet, LinkPages: r.pages}
	h, err := s.Handler()
	require.NoError(t, err)
	s.Start(ippo.Clock{})
	r.pages.Start(signer)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *rig) get(path string) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.url+path, nil)
	require.NoError(r.t, err)
	return r.do(req)
}

func (r *rig) submit(path string, form url.Values) (int, string) {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.url+path, strings.NewReader(form.Encode()))
	require.NoError(r.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r.do(req)
}

func (r *rig) do(req *http.Request) (int, string) {
	r.t.Helper()
	resp, b := testkit.Do(r.t, req)
	return resp.StatusCode, string(b)
}

var termEnd = ippo.Date{Year: 2026, Month: 9, Day: 30}

func (r *rig) link(action links.Action, workerID, subject string, expires time.Time) (string, links.Claims) {
	r.t.Helper()
	c := links.Claims{ID: links.NewID(), Action: action, WorkerID: workerID, Subject: subject, ExpiresAt: expires}
	tok, err := r.signer.Sign(c)
	require.NoError(r.t, err)
	return Path + "/" + tok, c
}

func TestOptOutLink(t *testing.T) {
	r := newRig(t)
	workerID := testkit.Worker(r.t, r.db, termEnd)
	path, claims := r.link(links.ActionOptOut, workerID, termEnd.String(), time.Now().Add(time.Hour))

	// GET shows what the link is for and a button, and acts on nothing.
	for range 2 {
		status, page := r.get(path)
		require.Equal(t, http.StatusOK, status, page)
		require.Contains(t, page, "契約を延長しないことのお申し出")
		require.Contains(t, page, "2026年9月30日")
		require.Contains(t, page, `<form method="post">`)
		require.Contains(t, page, "延長しないことを申し出る")
		require.NotContains(t, page, "鎌倉", "no personal data on the page")
		require.NotContains(t, page, "hanako@")
	}
	require.Zero(t, r.temporal.updateCount(), "GET never acts")

	status, page := r.submit(path, nil)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "お申し出を受け付けました")
	require.Contains(t, page, "2026年9月30日で終わり")
	require.Equal(t, 1, r.temporal.updateCount())
	u := r.temporal.updates[0]
	require.Equal(t, workflows.WorkerWorkflowID(workerID), u.WorkflowID)
	require.Equal(t, "link/"+claims.ID, u.UpdateID)
	require.Equal(t, workflows.UpdateEndContract, u.UpdateName)
	sent := u.Args[0].(workflows.EndContract)
	require.WithinDuration(t, time.Now(), sent.SubmittedAt, time.Minute, "the submission's instant goes with it")
	sent.SubmittedAt = time.Time{}
	require.Equal(t, workflows.EndContract{By: workflows.ByWorker, EndsOn: termEnd, Actor: ippo.ActorWorker}, sent)

	// Used: a clear page, and nothing is sent to the workflow again.
	for _, open := range []func() (int, string){
		func() (int, string) { return r.submit(path, nil) },
		func() (int, string) { return r.get(path) },
	} {
		status, page = open()
		require.Equal(t, http.StatusConflict, status, page)
		require.Contains(t, page, "このリンクは使用済みです")
		require.Contains(t, page, "お申し出を受け付けました")
	}
	require.Equal(t, 1, r.temporal.updateCount())
}

func TestLinkPagesForBadLinks(t *testing.T) {
	r := newRig(t)
	workerID := testkit.Worker(r.t, r.db, termEnd)
	good, _ := r.link(links.ActionOptOut, workerID, termEnd.String(), time.Now().Add(time.Hour))
	expired, _ := r.link(links.ActionOptOut, workerID, termEnd.String(), time.Now().Add(-time.Minute))
	unknown, _ := r.link("take_a_holiday", workerID, "", time.Now().Add(time.Hour))
	other, err := links.NewSigner([]byte("another-secret-entirely-0123456789abcdef"))
	require.NoError(t, err)
	forgedTok, err := other.Sign(links.Claims{ID: "x", Action: links.ActionOptOut, WorkerID: workerID, Subject: termEnd.String(), ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	body, sig, _ := strings.Cut(strings.TrimPrefix(good, Path+"/"), ".")
	b := []byte(body)
	if b[5] == 'A' { // a character in the middle of the claims, changed
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	flipped := string(b) + "." + sig

	for _, tc := range []struct {
		name, path string
		want       int
		says       string
	}{
		{"expired", expired, http.StatusGone, "このリンクの期限が過ぎました"},
		{"signed with another secret", Path + "/" + forgedTok, http.StatusBadRequest, "このリンクは使えません"},
		{"payload changed", Path + "/" + flipped, http.StatusBadRequest, "このリンクは使えません"},
		{"cut short", good[:len(good)-10], http.StatusBadRequest, "このリンクは使えません"},
		{"not a token", Path + "/hello", http.StatusBadRequest, "このリンクは使えません"},
		{"an action nobody handles", unknown, http.StatusNotFound, "このリンクは使えません"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, open := range []func() (int, string){
				func() (int, string) { return r.get(tc.path) },
				func() (int, string) { return r.submit(tc.path, nil) },
			} {
				status, page := open()
				require.Equal(t, tc.want, status, page)
				require.Contains(t, page, tc.says)
				require.Contains(t, page, "何も変わっていません")
				require.NotContains(t, page, "<form")
			}
		})
	}
	require.Zero(t, r.temporal.updateCount(), "no bad link reaches the workflow")
}

func TestOptOutLinkWhenItNoLongerFits(t *testing.T) {
	r := newRig(t)
	ending := testkit.Worker(r.t, r.db, termEnd)
	testkit.Step(r.t, r.db, ending, 2, ippo.WorkerView{Phase: ippo.PhaseActive, Status: workflows.StatusEnding, ContractEnd: termEnd, EndsOn: termEnd})
	ended := testkit.Worker(r.t, r.db, termEnd)
	testkit.Step(r.t, r.db, ended, 2, ippo.WorkerView{Phase: ippo.PhaseEnded, Status: workflows.StatusClosed, ContractEnd: termEnd})
	extended := testkit.Worker(r.t, r.db, ippo.Date{Year: 2026, Month: 12, Day: 31})

	for _, tc := range []struct {
		name, workerID, says string
	}{
		{"the contract already ends", ending, "契約の終わる日は、もう決まっています"},
		{"the contract has ended", ended, "このお申し出は、いまは受け付けていません"},
		{"a link for an earlier term", extended, "このリンクは前の契約期間のものです"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, claims := r.link(links.ActionOptOut, tc.workerID, termEnd.String(), time.Now().Add(time.Hour))
			status, page := r.get(path)
			require.Equal(t, http.StatusConflict, status, page)
			require.Contains(t, page, tc.says)
			require.NotContains(t, page, "<form")
			status, page = r.submit(path, nil)
			require.Equal(t, http.StatusConflict, status, page)
			require.Contains(t, page, tc.says)
			_, err := r.db.LinkUse(context.Background(), claims.ID)
			require.Error(t, err, "a refused link is not spent")
		})
	}
	require.Zero(t, r.temporal.updateCount())
}

func TestOptOutLinkRefusedOrFailingInTheWorkflow(t *testing.T) {
	r := newRig(t)
	workerID := testkit.Worker(r.t, r.db, termEnd)
	path, claims := r.link(links.ActionOptOut, workerID, termEnd.String(), time.Now().Add(time.Hour))

	// Temporal is out of reach: a page that asks to try later; the link stays usable.
	r.temporal.set(func(f *fakeTemporal) {
		f.update = func(client.UpdateWorkflowOptions) (workflows.StepResult, error) {
			return workflows.StepResult{}, serviceerror.NewUnavailable("down")
		}
	})
	status, page := r.submit(path, nil)
	require.Equal(t, http.StatusServiceUnavailable, status, page)
	require.Contains(t, page, "時間をおいて")
	_, err := r.db.LinkUse(context.Background(), claims.ID)
	require.Error(t, err)

	// The workflow refuses (the center gave notice meanwhile): the page says how it stands now.
	r.temporal.set(func(f *fakeTemporal) {
		f.update = func(client.UpdateWorkflowOptions) (workflows.StepResult, error) {
			testkit.Step(r.t, r.db, workerID, 2, ippo.WorkerView{Phase: ippo.PhaseActive, Status: workflows.StatusEnding, ContractEnd: termEnd, EndsOn: termEnd})
			return workflows.StepResult{}, temporal.NewApplicationError("the contract already ends", ippo.ECONFLICT)
		}
	})
	status, page = r.submit(path, nil)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "契約の終わる日は、もう決まっています")
	_, err = r.db.LinkUse(context.Background(), claims.ID)
	require.Error(t, err, "nothing changed: the link is not spent")
}

// TestLinkFormFields registers an action with a form, as the absence and
// self-assessment pages will: fields are checked before Perform runs, and
// a page with errors keeps what was typed.
func TestLinkFormFields(t *testing.T) {
	r := newRig(t)
	var got []Form
	r.pages.actions["test_form"] = Action{
		Action: "test_form",
		Title:  "テストのお知らせ",
		Fields: []Field{
			{Name: "kind", Label: "種類", Kind: FieldRadio, Required: true, Options: []Option{{"absence", "お休み"}, {"late", "遅れて始める"}}},
			{Name: "on", Label: "日付", Kind: FieldDate, Required: true},
			{Name: "note", Label: "伝えたいこと", Kind: FieldTextarea, MaxLen: 10},
		},
		Button: "送る",
		Perform: func(_ context.Context, _ links.Claims, f Form) (Done, error) {
			got = append(got, f)
			return Done{Title: "受け付けました"}, nil
		},
	}
	path, _ := r.link("test_form", uuid.NewString(), "", time.Now().Add(time.Hour))

	status, page := r.get(path)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, `type="radio" name="kind" value="absence"`)
	require.Contains(t, page, `type="date" name="on"`)
	require.Contains(t, page, "伝えたいこと(任意)")

	for _, tc := range []struct {
		form url.Values
		says []string
	}{
		{url.Values{}, []string{"ひとつ選んでください", "入力してください"}},
		{url.Values{"kind": {"holiday"}, "on": {"2026-04-01"}}, []string{"選び直してください"}},
		{url.Values{"kind": {"late"}, "on": {"4月1日"}}, []string{"日付を選んでください"}},
		{url.Values{"kind": {"late"}, "on": {"2026-04-01"}, "note": {"とても長いお知らせの文章です"}}, []string{"10文字以内"}},
	} {
		status, page := r.submit(path, tc.form)
		require.Equal(t, http.StatusUnprocessableEntity, status, page)
		require.Contains(t, page, "まだ何も送られていません")
		for _, s := range tc.says {
			require.Contains(t, page, s)
		}
	}
	_, page = r.submit(path, url.Values{"kind": {"late"}, "on": {"4月1日"}})
	require.Contains(t, page, `value="late" checked`, "what was chosen stays")
	require.Empty(t, got, "Perform never sees a form with errors")

	status, page = r.submit(path, url.Values{"kind": {"absence"}, "on": {" 2026-04-01 "}, "note": {"体調不良です"}})
	require.Equal(t, http.StatusOK, status, page)
	require.Equal(t, []Form{{"kind": "absence", "on": "2026-04-01", "note": "体調不良です"}}, got)
	require.Equal(t, ippo.Date{Year: 2026, Month: 4, Day: 1}, got[0].Date("on"))
}

func TestLinkPagesAreNotCachedOrIndexed(t *testing.T) {
	r := newRig(t)
	path, _ := r.link(links.ActionOptOut, testkit.Worker(r.t, r.db, termEnd), termEnd.String(), time.Now().Add(time.Hour))
	resp, err := http.Get(r.url + path)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	require.Contains(t, resp.Header.Get("X-Robots-Tag"), "noindex")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(3, time.Minute)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		require.True(t, l.Allow("10.0.0.1", now), "request %d", i)
	}
	require.False(t, l.Allow("10.0.0.1", now))
	require.True(t, l.Allow("10.0.0.2", now), "each client has its own count")
	require.True(t, l.Allow("10.0.0.1", now.Add(time.Minute)), "a new window")
}

// TestLinkRateLimitPerClient: the link pages' limit counts the connection's
// address, so a forged X-Forwarded-For does not help; behind a trusted
// proxy, it counts the client the proxy names.
func TestLinkRateLimitPerClient(t *testing.T) {
	open := func(h http.Handler, remote, forwarded string) int {
		req := httptest.NewRequest(http.MethodGet, Path+"/not-a-token", nil)
		req.RemoteAddr = remote + ":40000"
		req.Header.Set("X-Forwarded-For", forwarded)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	direct, err := (&api.Server{Log: slog.New(slog.DiscardHandler), LinkPages: New(&app.App{}, Contact{})}).Handler()
	require.NoError(t, err)
	for i := range linkRequestsPerMinute {
		require.NotEqual(t, http.StatusTooManyRequests, open(direct, "198.51.100.7", fmt.Sprintf("203.0.113.%d", i)))
	}
	require.Equal(t, http.StatusTooManyRequests, open(direct, "198.51.100.7", "203.0.113.250"), "a forged header is ignored")
	require.NotEqual(t, http.StatusTooManyRequests, open(direct, "198.51.100.8", ""), "another client")

	proxied, err := (&api.Server{Log: slog.New(slog.DiscardHandler), TrustedProxies: []string{"10.0.0.0/8"}, LinkPages: New(&app.App{}, Contact{})}).Handler()
	require.NoError(t, err)
	for range linkRequestsPerMinute {
		require.NotEqual(t, http.StatusTooManyRequests, open(proxied, "10.0.0.2", "203.0.113.1"))
	}
	require.Equal(t, http.StatusTooManyRequests, open(proxied, "10.0.0.2", "203.0.113.1"))
	require.NotEqual(t, http.StatusTooManyRequests, open(proxied, "10.0.0.2", "203.0.113.2"), "the proxy's other clients are not held back")

	_, err = (&api.Server{Log: slog.New(slog.DiscardHandler), TrustedProxies: []string{"not-an-address"}, LinkPages: New(&app.App{}, Contact{})}).Handler()
	require.Error(t, err)
}
