package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestAbsenceThroughTheEmailLink: with a three-second month, a worker
// signs; the contract-terms email in the outbox carries, after the opt-out
// link, the absence link; through it the worker reports a late start (the
// same form sent twice records it once) and, with the page opened again, a
// day off; both are on the timeline as from the worker.
func TestAbsenceThroughTheEmailLink(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "3s"})

	id := p.do("POST", "/api/v1/applicants", applicant("hanako.absence@example.jp"), http.StatusCreated)["id"].(string)
	path := "/api/v1/workers/" + id
	p.do("POST", path+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	p.do("POST", path+"/contract", map[string]any{}, http.StatusOK)

	var terms map[string]any
	p.eventually(20*time.Second, "the contract-terms email", func() bool {
		for _, e := range p.outbox(id) {
			if e["template"] == "contract_terms" {
				terms = e
				return true
			}
		}
		return false
	})
	text := terms["text"].(string)
	links := regexp.MustCompile(regexp.QuoteMeta(p.base)+`/l/[A-Za-z0-9_.-]+`).FindAllString(text, -1)
	require.Len(t, links, 2, "the opt-out link, then the absence link:\n%s", text)
	at := strings.Index(text, "一報は、次のリンクから")
	require.Positive(t, at, text)
	link := links[1]
	require.Greater(t, strings.Index(text, link), at, "the absence link follows its wording")
	require.Contains(t, terms["html"], `href="`+link+`"`)

	status, page := browse(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "お休み・遅れて開始・早めに終了のご連絡")
	require.Empty(t, p.do("GET", path+"/absences", nil, http.StatusOK)["items"], "GET never acts")

	// A program day lasts 100 ms: the form's date is the day the page was
	// opened, which the worker keeps.
	form := url.Values{"use": {formValue(t, page, "use")}, "date": {formValue(t, page, "date")},
		"kind": {"late"}, "time": {"11:00"}, "reason": {"朝は体が重いので"}}
	day, err := ippo.ParseDate(form.Get("date"))
	require.NoError(t, err)
	status, page = browse(t, http.MethodPost, link, form)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, day.Japanese()+"、11:00から開始することを受け付けました")
	status, page = browse(t, http.MethodPost, link, form)
	require.Equal(t, http.StatusConflict, status, "the same form again: %s", page)
	require.Contains(t, page, "このお知らせは受け付けています")

	_, page = browse(t, http.MethodGet, link, nil)
	status, page = browse(t, http.MethodPost, link, url.Values{"use": {formValue(t, page, "use")}, "date": {day.AddDays(3).String()}, "kind": {"absent"}})
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, day.AddDays(3).Japanese()+"のお休みを受け付けました")

	items := p.do("GET", path+"/absences", nil, http.StatusOK)["items"].([]any)
	require.Len(t, items, 2)
	first, second := items[0].(map[string]any), items[1].(map[string]any)
	require.Equal(t, []any{"late", "11:00", "朝は体が重いので", ippo.ActorWorker}, []any{first["kind"], first["from"], first["reason"], first["reported_by"]})
	require.Equal(t, []any{"absent", ippo.ActorWorker}, []any{second["kind"], second["reported_by"]})

	var reported []string
	for _, x := range p.do("GET", path+"/timeline", nil, http.StatusOK)["items"].([]any) {
		if e := x.(map[string]any); e["kind"] == "absence_reported" {
			require.Equal(t, "attendance", e["source"])
			reported = append(reported, e["actor"].(string))
		}
	}
	require.Equal(t, []string{ippo.ActorWorker, ippo.ActorWorker}, reported)
}

// browse opens a link page as a browser would: GET, or POST of form.
func browse(t *testing.T, method, link string, form url.Values) (int, string) {
	t.Helper()
	status, page := tryBrowse(method, link, form)
	require.NotZero(t, status, "no answer: %s", page)
	return status, page
}

// formValue returns the value of the page's input named name.
func formValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "no input %s in:\n%s", name, page)
	return m[1]
}
