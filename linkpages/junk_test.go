package linkpages_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/ippo-center/ippo/links"
	"github.com/stretchr/testify/require"
)

// TestJunkOnLinkPageForms throws the same junk at every field of the
// signed-link pages' forms (read from the pages themselves), the other
// fields filled in validly: the page says what to fix, never a 5xx, and
// nothing changes.
func TestJunkOnLinkPageForms(t *testing.T) {
	e := newEnv(t)
	id := e.activeWorker("junkform@example.jp")
	today := e.srv.Clock.Today(time.Now())
	junk := map[string]string{
		"NUL":                  "a\x00b",
		"escape":               "a\x1bb",
		"an encoded surrogate": "a\xed\xa0\x80b",
		"invalid UTF-8":        "a\xffb",
		"U+FFFD":               "a\ufffdb",
		"right-to-left mark":   "a\u200fb",
		"RTL override":         "abc\u202etxt.exe",
	}
	forms := []struct {
		action  links.Action
		subject string
		valid   url.Values
	}{
		{links.ActionAbsence, today.AddDays(180).String(), url.Values{"date": {today.String()}, "kind": {"absent"}, "reason": {"体調を整えます"}}},
		{links.ActionSelfAssessment, today.AddDays(30).String(), scoresForm},
	}
	inputName := regexp.MustCompile(`<(?:input|textarea|select)[^>]*\sname="([a-z_]+)"`)
	before := testkit.Snapshot(e.t, e.db)
	for _, f := range forms {
		path, _ := e.link(f.action, id, f.subject, time.Now().Add(time.Hour))
		status, page := e.page(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, page)
		var names []string
		for _, m := range inputName.FindAllStringSubmatch(page, -1) {
			if m[1] != "use" && !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
		require.NotEmpty(t, names)
		for _, name := range names {
			for what, v := range junk {
				form := url.Values{}
				_, fresh := e.page(http.MethodGet, path, nil)
				if m := nonceRE.FindStringSubmatch(fresh); m != nil { // reusable forms carry one
					form.Set("use", m[1])
				}
				for k, vs := range f.valid {
					form[k] = vs
				}
				form.Set(name, v)
				status, page := e.page(http.MethodPost, path, form)
				require.Equal(t, http.StatusUnprocessableEntity, status, "%s %s: %s", f.action, name, what)
				require.Contains(t, page, "まだ何も送られていません", "%s %s (%s) was accepted", f.action, name, what)
			}
		}
	}
	require.Equal(t, before, testkit.Snapshot(e.t, e.db), "junk on a link page changed a table")
}

// TestJunkOnLinkRoutes: the signed-link pages answer junk paths and bodies
// with a 4xx, never a 5xx, and change nothing.
func TestJunkOnLinkRoutes(t *testing.T) {
	e := newEnv(t)
	before := testkit.Snapshot(e.t, e.db)
	for _, path := range []string{"/l/not-a-token", "/l/" + strings.Repeat("x", 5000), "/l/eyJpZCI6IngifQ.AAAA"} {
		for _, body := range []string{"", "hello", `{"a":1}`, `[{"event":"delivered"}]`} {
			for _, method := range []string{"GET", "POST"} {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				require.Less(t, rec.Code, 500, "%s %s %q: %s", method, path, body, rec.Body.String())
			}
		}
	}
	require.Equal(t, before, testkit.Snapshot(e.t, e.db))
}
