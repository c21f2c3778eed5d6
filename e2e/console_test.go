package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// The staff console in a real, headless Chromium, against the real binary,
// PostgreSQL and the Temporal dev server. Every wait is on what the page
// shows, never on the program clock.

// browser starts a fresh headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("IPPO_TEST_REQUIRE_INFRA") != "" {
			t.Fatal("chromium is not installed (scripts/install.sh installs it)")
		}
		t.Skip("chromium is not installed; scripts/install.sh installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// Generous: the machine may be loaded; each step waits for the page.
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// screenshot saves what the window shows to the test output folder
// (.test-output/console/, not committed).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", ".test-output", "console")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// newToken creates a staff token through the API and returns its secret.
func (p *instance) newToken(name, role string) string {
	p.t.Helper()
	out := p.do("POST", "/api/v1/tokens", map[string]any{"name": name, "role": role}, http.StatusCreated)
	return out["secret"].(string)
}

func signIn(t *testing.T, ctx context.Context, p *instance, secret string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), secret),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS(`nav a[aria-current="page"]`)),
	))
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, "text of %s", sel)
	return s
}

// workerPath is the console's worker page for an API worker.
func workerIDFromURL(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	_, rest, ok := strings.Cut(loc, "/console/workers/")
	require.True(t, ok, "on a worker page: %s", loc)
	id, _, _ := strings.Cut(rest, "?")
	return id
}

// TestConsoleTakesAWorkerThroughTheLifecycle: a staff member signs in,
// registers an applicant with a mistake and corrects it, approves, signs,
// records an assessment and sees the self-assessment arrive through its
// email link, watches the contract extend on the compressed clock, records
// a consent and a graduation with a handoff, and sees the agency's
// acknowledgement; every step is on the timeline with their name.
func TestConsoleTakesAWorkerThroughTheLifecycle(t *testing.T) {
	t.Parallel()
	// Six seconds a month: the self-assessment link (valid about two
	// program months) is still open when a loaded machine gets to it.
	p := start(t, options{monthLength: "6s"})
	p.do("POST", "/api/v1/applicants", applicant("inamura@example.jp"), http.StatusCreated) // someone awaiting a decision
	ctx := browser(t)
	signIn(t, ctx, p, p.newToken("鎌田 一郎", "staff"))
	require.Contains(t, text(t, ctx, "#awaiting"), "鎌倉 花子", "今日 lists applicants awaiting a decision")

	require.Contains(t, text(t, ctx, "header.site"), "鎌倉市", "the program's name comes from policy data")
	require.Contains(t, text(t, ctx, "header.site"), "時間を縮めて", "the compressed clock is said")
	screenshot(t, ctx, "home")

	// Intake with two mistakes: a municipality outside the program and no email.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/console/applicants/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "由比 ガ浜"),
		chromedp.SetValue(chromedp.CSS("#f-municipality_code"), "13101"),
		chromedp.Click(chromedp.CSS("#f-category-disability")),
		chromedp.Click(chromedp.CSS("#f-recognized")),
		chromedp.Click(chromedp.CSS("#f-type-mental")),
		chromedp.SendKeys(chromedp.CSS("#f-consent\\.wording_version"), "2026-04"),
		chromedp.Submit(chromedp.CSS("#f-name")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	))
	summary := text(t, ctx, ".error-summary")
	require.Contains(t, summary, "メールアドレス: 入力してください")
	require.Contains(t, summary, "鎌倉市にお住まいの方")
	require.Contains(t, text(t, ctx, "#e-email"), "入力してください")
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-name")))
	require.NoError(t, err)
	require.Equal(t, "由比 ガ浜", kept, "a refused form keeps what was typed")
	screenshot(t, ctx, "intake-refused")
	list := p.do("GET", "/api/v1/workers?q=ガ浜", nil, http.StatusOK)
	require.Empty(t, list["items"], "a refused intake registers no one")

	// Corrected.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#f-municipality_code"), "14204"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "yuigahama@example.jp"),
		chromedp.Submit(chromedp.CSS("#f-name")),
		chromedp.WaitVisible(chromedp.CSS("#form-eligibility")),
	))
	require.Contains(t, text(t, ctx, ".notice"), "登録しました")
	id := workerIDFromURL(t, ctx)
	require.Equal(t, "利用審査中", text(t, ctx, "#phase"))

	// A rejection without a reason is refused beside the field; then approve.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#form-eligibility input[value="reject"]`)),
		chromedp.Submit(chromedp.CSS("#form-eligibility")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	))
	require.Contains(t, text(t, ctx, ".error-summary"), "承認しないときは理由を入力してください")
	require.Equal(t, "利用審査中", text(t, ctx, "#phase"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#form-eligibility input[value="approve"]`)),
		chromedp.Submit(chromedp.CSS("#form-eligibility")),
		chromedp.WaitVisible(chromedp.CSS("#form-contract")),
	))
	require.Equal(t, "契約準備中", text(t, ctx, "#phase"))

	// Sign (today, as the server's clock says) and watch the contract extend.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Submit(chromedp.CSS("#form-contract")),
		chromedp.WaitVisible(chromedp.CSS("#term-end")),
	))
	require.Equal(t, "稼働中", text(t, ctx, "#phase"))
	firstEnd := text(t, ctx, "#term-end")

	// A staff assessment through the console, a score left out first.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#f-stability-4")),
		chromedp.Click(chromedp.CSS("#f-execution-3")),
		chromedp.Click(chromedp.CSS("#f-habits-5")),
		chromedp.Submit(chromedp.CSS("#form-assessment")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	))
	require.Contains(t, text(t, ctx, ".error-summary"), "対人技能: 1から5のうち、ひとつを選んでください")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#f-interpersonal-4")),
		chromedp.Submit(chromedp.CSS("#form-assessment")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="assessment"]`)),
	))
	require.Contains(t, text(t, ctx, "#assessment-compare"), "作業安定度")

	// The self-assessment arrives through the link in its email.
	var link string
	p.eventually(2*time.Minute, "the self-assessment request", func() bool {
		for _, e := range p.outbox(id) {
			if e["template"] == "self_assessment_request" {
				m := regexp.MustCompile(regexp.QuoteMeta(p.base) + `/l/[A-Za-z0-9_.-]+`).FindString(e["text"].(string))
				link = m
				return m != ""
			}
		}
		return false
	})
	open, cancel := context.WithTimeout(ctx, 2*time.Minute) // a step, not the whole browser
	defer cancel()
	require.NoError(t, chromedp.Do(open, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1"))))
	require.NotContains(t, text(t, ctx, "h1"), "期限", "the self-assessment link is still open")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`input[name="stability"][value="4"]`)),
		chromedp.Click(chromedp.CSS(`input[name="stability"][value="4"]`)),
		chromedp.Click(chromedp.CSS(`input[name="execution"][value="3"]`)),
		chromedp.Click(chromedp.CSS(`input[name="habits"][value="2"]`)),
		chromedp.Click(chromedp.CSS(`input[name="interpersonal"][value="4"]`)),
		chromedp.Submit(chromedp.CSS(`input[name="stability"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name="stability"]`)),
	))
	screenshot(t, ctx, "self-assessment-link")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(p.base+"/console/workers/"+id), chromedp.WaitVisible(chromedp.CSS("#assessment-compare"))))
	compare := text(t, ctx, "#assessment-compare")
	require.Regexp(t, `基本的労働習慣\s+5\s+2\s+3`, compare, "the gap is shown")
	require.Contains(t, compare, "話し合ってみましょう", "a wide gap is marked")
	deadline := time.Now().Add(3 * time.Minute)
	for text(t, ctx, "#extensions") == "0回" {
		require.True(t, time.Now().Before(deadline), "the contract did not extend")
		time.Sleep(time.Second)
		require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#extensions"))))
	}
	require.NotEqual(t, firstEnd, text(t, ctx, "#term-end"), "an extension moves the term's end")
	timeline := text(t, ctx, "#timeline")
	require.Contains(t, timeline, "契約を延長")
	for _, step := range []string{"利用を承認", "契約を締結"} {
		require.Regexp(t, step+`\s+\S.*鎌田 一郎`, timeline, "%s shows who took it", step)
	}
	require.Contains(t, timeline, "操作: POST /console/workers/{id}/contract", "console actions are audited on the timeline")
	screenshot(t, ctx, "worker")
	require.NoError(t, chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#h-assessments"))))
	screenshot(t, ctx, "worker-assessments")

	// A late start told by phone: without the time it is refused beside
	// the field, the reason kept; with it, recorded for today as the
	// server reads it (no date typed, so nothing races the clock).
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#form-absence input[value="late"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-absence_reason"), "通院のため"),
		chromedp.Submit(chromedp.CSS("#form-absence")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	))
	require.Contains(t, text(t, ctx, ".error-summary"), "時刻: 遅れて始めるとき・早めに終えるときは、時刻を入れてください")
	reason, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-absence_reason")))
	require.NoError(t, err)
	require.Equal(t, "通院のため", reason, "a refused form keeps what was typed")
	require.Empty(t, p.do("GET", "/api/v1/workers/"+id+"/absences", nil, http.StatusOK)["items"], "a refused notice records nothing")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#f-absence_time"), "13:00"),
		chromedp.Submit(chromedp.CSS("#form-absence")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="absence"]`)),
	))
	absences := p.do("GET", "/api/v1/workers/"+id+"/absences", nil, http.StatusOK)["items"].([]any)
	require.Len(t, absences, 1)
	require.Equal(t, "late", absences[0].(map[string]any)["kind"])
	require.Equal(t, "13:00", absences[0].(map[string]any)["from"])

	// Graduation: an agency without the worker's consent is refused by
	// name and nothing is sent; with the consent recorded, the handoff goes.
	agencies := p.do("GET", "/api/v1/agencies", nil, http.StatusOK)["items"].([]any)
	agency := agencies[0].(map[string]any)
	agencyID, agencyName := agency["id"].(string), agency["name"].(string)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#f-agency-"+agencyID)),
		chromedp.Submit(chromedp.CSS("#form-graduation")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	))
	require.Contains(t, text(t, ctx, ".error-summary"), agencyName+"への情報提供について、ご本人の同意が記録されていません")
	require.Equal(t, "稼働中", text(t, ctx, "#phase"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#f-agency_id"), agencyID),
		chromedp.Click(chromedp.CSS("#f-item-work_history")),
		chromedp.Click(chromedp.CSS("#f-item-assessments")),
		chromedp.SendKeys(chromedp.CSS("#f-wording_version"), "2027-01"),
		chromedp.Submit(chromedp.CSS("#form-consent")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="consent"]`)),
	))
	require.Contains(t, text(t, ctx, "#consents"), agencyName)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#f-agency-"+agencyID)),
		chromedp.SendKeys(chromedp.CSS("#f-handoff_notes"), "午前中の短時間から始めると安定しています"),
		chromedp.Submit(chromedp.CSS("#form-graduation")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="graduation"]`)),
	))
	require.Equal(t, "卒業", text(t, ctx, "#phase"))

	// The agency acknowledges through the link in its email; the worker
	// page shows it.
	var ackLink string
	p.eventually(2*time.Minute, "the agency's handoff email", func() bool {
		for _, e := range p.outbox(id) {
			if e["template"] == "agency_handoff" {
				ackLink = regexp.MustCompile(regexp.QuoteMeta(p.base) + `/l/[A-Za-z0-9_.-]+`).FindString(e["text"].(string))
				return ackLink != ""
			}
		}
		return false
	})
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(ackLink),
		chromedp.WaitVisible(chromedp.CSS("form button[type=submit]")),
		chromedp.Submit(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("form button[type=submit]")),
	))
	deadline = time.Now().Add(time.Minute)
	for {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(p.base+"/console/workers/"+id), chromedp.WaitVisible(chromedp.CSS("#handoffs"))))
		if strings.Contains(text(t, ctx, "#handoffs"), "受領確認済み") {
			break
		}
		require.True(t, time.Now().Before(deadline), "the acknowledgement did not show: %s", text(t, ctx, "#handoffs"))
		time.Sleep(time.Second)
	}
	timeline = text(t, ctx, "#timeline")
	require.Regexp(t, `卒業\s+\S.*鎌田 一郎`, timeline, "the graduation shows who recorded it")
	require.Contains(t, timeline, "関係機関が受領を確認")
	require.Contains(t, timeline, "午前中の短時間から始めると安定しています")
	screenshot(t, ctx, "graduated")

	// The list finds the worker by part of the name.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/workers?q="+"ガ浜"),
		chromedp.WaitVisible(chromedp.CSS("#workers")),
	))
	require.Contains(t, text(t, ctx, "#workers"), "由比 ガ浜")
	require.Contains(t, text(t, ctx, "#workers"), "卒業")
	require.Equal(t, "1人", text(t, ctx, "#result-count"))

	// Sign out: the session is gone, the console asks to sign in again.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".signout button")),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.Navigate(p.base+"/console/workers"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	))
}

// TestConsoleViewerSeesAndCannotAct: a viewer sees the worker and their
// timeline but no form; a form sent anyway is refused and changes nothing.
func TestConsoleViewerSeesAndCannotAct(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "1h"})
	id := p.do("POST", "/api/v1/applicants", applicant("viewer-case@example.jp"), http.StatusCreated)["id"].(string)
	ctx := browser(t)
	signIn(t, ctx, p, p.newToken("見学 さん", "viewer"))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/workers/"+id),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
	))
	require.Contains(t, text(t, ctx, "#timeline"), "利用の申し込み")
	forms, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main form[method="post"]').length`))
	require.NoError(t, err)
	require.Zero(t, forms, "a viewer gets no step forms")
	intakeLinks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/console/applicants/new"]').length`))
	require.NoError(t, err)
	require.Zero(t, intakeLinks, "intake is hidden from a viewer")

	// A form sent anyway, with the viewer's own valid CSRF token.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
			const f = document.createElement("form");
			f.method = "post"; f.action = "/console/workers/%s/eligibility";
			for (const [k, v] of [["csrf", document.querySelector('.signout input[name=csrf]').value], ["decision", "approve"]]) {
				const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
			}
			document.body.appendChild(f); f.submit(); return true; })()`, id)))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#message-title"))))
	require.Equal(t, "この操作の権限がありません", text(t, ctx, "#message-title"))
	screenshot(t, ctx, "viewer-refused")
	require.Equal(t, "screening", p.do("GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"])
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(p.base+"/console/applicants/new"), chromedp.WaitVisible(chromedp.CSS("#message-title"))))
	require.Equal(t, "この操作の権限がありません", text(t, ctx, "#message-title"))

	// On a 360 px wide phone the pages fit: nothing scrolls sideways but
	// the wide tables inside their own frame.
	for _, path := range []string{"/console/", "/console/workers", "/console/workers/" + id, "/console/reports"} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(p.base+path), chromedp.WaitVisible(chromedp.CSS("main h1"))))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		require.NoError(t, err)
		require.LessOrEqual(t, width, 360, "%s is %d px wide at 360", path, width)
	}
	screenshot(t, ctx, "reports-360")
}

// TestConsoleRefusesForgedOrMissingCSRF: a step form with a forged or no
// CSRF token changes nothing and says so; the same form with the real
// token then works.
func TestConsoleRefusesForgedOrMissingCSRF(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "1h"})
	id := p.do("POST", "/api/v1/applicants", applicant("csrf-case@example.jp"), http.StatusCreated)["id"].(string)
	ctx := browser(t)
	signIn(t, ctx, p, p.newToken("鎌田 二郎", "staff"))
	for _, tamper := range []string{
		`document.querySelector('#form-eligibility input[name=csrf]').value = "forged-token"`,
		`document.querySelector('#form-eligibility input[name=csrf]').remove()`,
	} {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(p.base+"/console/workers/"+id),
			chromedp.WaitVisible(chromedp.CSS("#form-eligibility")),
			chromedp.Click(chromedp.CSS(`#form-eligibility input[value="approve"]`)),
			chromedp.Evaluate[chromedp.Void](tamper+"; void 0"),
			chromedp.Submit(chromedp.CSS("#form-eligibility")),
			chromedp.WaitVisible(chromedp.CSS("#message-title")),
		))
		require.Equal(t, "フォームの確認ができませんでした", text(t, ctx, "#message-title"))
		require.Contains(t, text(t, ctx, "#message-body"), "何も変更されていません")
		require.Equal(t, "screening", p.do("GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"], "after: %s", tamper)
	}
	screenshot(t, ctx, "csrf-refused")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/workers/"+id),
		chromedp.WaitVisible(chromedp.CSS("#form-eligibility")),
		chromedp.Click(chromedp.CSS(`#form-eligibility input[value="approve"]`)),
		chromedp.Submit(chromedp.CSS("#form-eligibility")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="eligibility"]`)),
	))
	require.NotEqual(t, "screening", p.do("GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"])

	// The applicant decides not to go on: recorded with the reason.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("details.step summary")),
		chromedp.Submit(chromedp.CSS("#form-withdrawal")),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	))
	require.Contains(t, text(t, ctx, ".error-summary"), "理由: 入力してください")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-withdraw-reason"), "ご本人から、別の仕事が決まったとのご連絡"),
		chromedp.Submit(chromedp.CSS("#form-withdrawal")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="withdrawal"]`)),
	))
	require.Equal(t, "利用終了(本人申出)", text(t, ctx, "#phase"))
	require.Contains(t, text(t, ctx, "#timeline"), "ご本人から、別の仕事が決まったとのご連絡")
	require.Equal(t, "withdrawn", p.do("GET", "/api/v1/workers/"+id, nil, http.StatusOK)["phase"])
}

// TestConsoleKeyboardOnlyIntake: the intake form can be filled and sent
// with the keyboard alone (Tab, typing, Space, Enter).
func TestConsoleKeyboardOnlyIntake(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "1h"})
	ctx := browser(t)
	signIn(t, ctx, p, p.newToken("鎌田 三郎", "staff"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/applicants/new"),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
	))
	active := func() string {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		require.NoError(t, err)
		return id
	}
	// tabTo presses Tab until the element has focus: what a keyboard user does.
	tabTo := func(id string) {
		for range 60 {
			if active() == id {
				return
			}
			require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)))
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	typeText := func(s string) {
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(s)))
	}
	space := func() { require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(" "))) }

	tabTo("f-name")
	typeText("稲村 ヶ崎")
	tabTo("f-email")
	typeText("inamura@example.jp")
	tabTo("f-category-disability")
	space()
	tabTo("f-recognized")
	space()
	tabTo("f-type-developmental")
	space()
	tabTo("f-consent.wording_version")
	typeText("2026-04")
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#form-eligibility"))))
	require.Contains(t, text(t, ctx, "#worker-name"), "稲村 ヶ崎")
	screenshot(t, ctx, "keyboard-intake")
	list := p.do("GET", "/api/v1/workers?q=inamura", nil, http.StatusOK)["items"].([]any)
	require.Len(t, list, 1)
	a := list[0].(map[string]any)["applicant"].(map[string]any)
	require.Equal(t, []any{"developmental"}, a["disability_types"])
}

// TestConsoleTaskRequests: on a task's page (案件) staff see the workers
// the ranking suggests with the reasons in Japanese, check two of them and
// send the request; both are asked (the page shows them waiting for an
// answer, the timeline shows the requests, and each gets the request
// email), and the request is sent once however the form is sent.
func TestConsoleTaskRequests(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "1h"})
	fan, newcomer := p.activeWorker("console.task1@example.jp"), p.activeWorker("console.task2@example.jp")
	p.do("PUT", "/api/v1/workers/"+fan+"/preferences", map[string]any{"likes": []string{"proofreading"}, "avoids": []string{}}, http.StatusOK)
	today, err := ippo.ParseDate(p.do("GET", "/api/v1/policy", nil, http.StatusOK)["today"].(string))
	require.NoError(t, err)
	task := p.do("POST", "/api/v1/tasks", map[string]any{"type": "proofreading", "client": "鎌倉出版",
		"expected_hours": 3, "due_on": today.AddDays(21).String()}, http.StatusCreated)["id"].(string)

	ctx := browser(t)
	signIn(t, ctx, p, p.newToken("鎌田 さん", "staff"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/tasks"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/tasks/`+task+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/tasks/`+task+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#ranking")),
	))
	require.Contains(t, text(t, ctx, "#s-"+fan), "校正を好きな作業に挙げています")
	require.Contains(t, text(t, ctx, "#s-"+newcomer), "校正はまだ経験がありません")
	require.Contains(t, text(t, ctx, "#task-status"), "受付中")
	screenshot(t, ctx, "task-ranking")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[name="worker_id"][value="`+fan+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="worker_id"][value="`+newcomer+`"]`)),
		chromedp.Submit(chromedp.CSS("#form-requests")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="requests"]`)),
	))
	require.Contains(t, text(t, ctx, "#task-status"), "依頼中")
	requests := text(t, ctx, "#requests")
	require.Equal(t, 2, strings.Count(requests, "お返事待ち"), requests)
	require.Equal(t, 2, strings.Count(text(t, ctx, "#timeline"), "案件の依頼をお送りしました"))
	screenshot(t, ctx, "task-requested")
	for _, w := range []string{fan, newcomer} {
		p.eventually(20*time.Second, "the request email to "+w, func() bool {
			for _, e := range p.outbox(w) {
				if e["template"] == "task_request" {
					return true
				}
			}
			return false
		})
	}
	reqs := p.do("GET", "/api/v1/tasks/"+task+"/requests", nil, http.StatusOK)
	require.Len(t, reqs["items"], 2)

	// The fan accepts through the email's link; staff record the
	// delivery on the task's page, then close the task there.
	var link string
	for _, e := range p.outbox(fan) {
		if e["template"] == "task_request" {
			link = regexp.MustCompile(regexp.QuoteMeta(p.base) + `/l/[A-Za-z0-9_.-]+`).FindString(e["text"].(string))
		}
	}
	require.NotEmpty(t, link, "the request email carries a link")
	status, page := browse(t, http.MethodPost, link, url.Values{"answer": {"accept"}})
	require.Equal(t, http.StatusOK, status, page)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/tasks/"+task),
		chromedp.WaitVisible(chromedp.CSS("#form-delivery")),
	))
	require.Contains(t, text(t, ctx, "#task-status"), "担当が決まりました")
	require.Contains(t, text(t, ctx, "#task-assignee"), "さん")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-output"), "24"),
		chromedp.Click(chromedp.CSS(`input[name="quality"][value="4"]`)),
		chromedp.Submit(chromedp.CSS("#form-delivery")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="delivery"]`)),
	))
	require.Contains(t, text(t, ctx, "#task-status"), "納品済み")
	require.Contains(t, text(t, ctx, "#timeline"), "納品")
	screenshot(t, ctx, "task-delivered")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Submit(chromedp.CSS("#form-close")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="close"]`)),
	))
	require.Contains(t, text(t, ctx, "#task-status"), "完了")
	statusOf := func(id string) string {
		for _, x := range p.do("GET", "/api/v1/tasks", nil, http.StatusOK)["items"].([]any) {
			if x.(map[string]any)["id"] == id {
				return x.(map[string]any)["status"].(string)
			}
		}
		return ""
	}
	require.Equal(t, "closed", statusOf(task))

	// A task still waiting for the newcomer's answer is called off from
	// its page; the newcomer is told kindly, by email and on the timeline.
	spare := p.do("POST", "/api/v1/tasks", map[string]any{"type": "data_entry", "client": "鎌倉出版",
		"expected_hours": 1, "due_on": today.AddDays(14).String()}, http.StatusCreated)["id"].(string)
	p.do("POST", "/api/v1/tasks/"+spare+"/requests", map[string]any{"worker_ids": []string{newcomer}}, http.StatusOK)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/tasks/"+spare),
		chromedp.WaitVisible(chromedp.CSS("#step-cancel summary")),
		chromedp.Click(chromedp.CSS("#step-cancel summary")),
		chromedp.WaitVisible(chromedp.CSS("#form-cancel button")),
		chromedp.Submit(chromedp.CSS("#form-cancel")),
		chromedp.WaitVisible(chromedp.CSS(`.notice[data-done="cancel"]`)),
	))
	require.Contains(t, text(t, ctx, "#task-status"), "取りやめ")
	require.Equal(t, "cancelled", statusOf(spare))
	p.eventually(20*time.Second, "the called-off email to the newcomer", func() bool {
		for _, e := range p.outbox(newcomer) {
			if e["template"] == "task_withdrawn" {
				return strings.Contains(e["text"].(string), "取りやめになりました")
			}
		}
		return false
	})
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/console/workers/"+newcomer),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
	))
	require.Contains(t, text(t, ctx, "#timeline"), "依頼の取りやめをお知らせ")
	for _, e := range p.outbox(fan) {
		require.NotEqual(t, "task_withdrawn", e["template"], "the fan was not asked for the spare task")
	}
}
