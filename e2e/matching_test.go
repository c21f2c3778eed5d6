package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestTaskFromSuggestionsToDelivery: with a thirty-second month, two
// active workers are suggested for a proofreading task (the one who likes
// proofreading first); staff ask both; one declines through the email's
// link with a reason, the other accepts through theirs; staff record the
// delivery and close the task. Every step is on the task's timeline and on
// each worker's, and the next ranking counts the delivered task.
func TestTaskFromSuggestionsToDelivery(t *testing.T) {
	t.Parallel()
	// Compressed, but slow enough (two real minutes a program day) that
	// the three answer days never pass while the test answers, however
	// loaded the machine: the test does not race the clock.
	p := start(t, options{monthLength: "1h"})

	decliner, accepter := p.activeWorker("hanako.match1@example.jp"), p.activeWorker("taro.match2@example.jp")
	p.do("PUT", "/api/v1/workers/"+accepter+"/preferences", map[string]any{"likes": []string{"proofreading"}, "avoids": []string{}}, http.StatusOK)
	p.do("PUT", "/api/v1/workers/"+decliner+"/preferences", map[string]any{"likes": []string{"web"}, "avoids": []string{"web"}}, http.StatusUnprocessableEntity)

	// The server picks today; the due date is three weeks on.
	today, err := ippo.ParseDate(p.do("GET", "/api/v1/policy", nil, http.StatusOK)["today"].(string))
	require.NoError(t, err)
	task := p.do("POST", "/api/v1/tasks", map[string]any{"type": "proofreading", "client": "鎌倉出版",
		"description": "商品説明文の誤字脱字の確認", "output_unit": "ページ", "expected_hours": 4, "due_on": today.AddDays(21).String()}, http.StatusCreated)
	taskPath := "/api/v1/tasks/" + task["id"].(string)

	sug := p.do("GET", taskPath+"/suggestions", nil, http.StatusOK)
	ranked := map[string]map[string]any{}
	var order []string
	for _, x := range sug["suggestions"].([]any) {
		s := x.(map[string]any)
		ranked[s["worker_id"].(string)] = s
		order = append(order, s["worker_id"].(string))
	}
	require.Contains(t, ranked, decliner)
	require.Contains(t, ranked, accepter)
	require.Less(t, slices.Index(order, accepter), slices.Index(order, decliner), "the worker who likes proofreading comes first")
	reasons := func(s map[string]any) []string {
		var out []string
		for _, x := range s["terms"].([]any) {
			out = append(out, x.(map[string]any)["reason"].(string))
		}
		return out
	}
	require.Contains(t, reasons(ranked[accepter]), "校正を好きな作業に挙げています")
	require.Contains(t, reasons(ranked[decliner]), "校正はまだ経験がありません（初めての方にもご案内しています）")

	p.do("POST", taskPath+"/delivery", map[string]any{"output": 1, "quality": 3}, http.StatusConflict)
	res := p.do("POST", taskPath+"/requests", map[string]any{"worker_ids": []string{decliner, accepter}}, http.StatusOK)
	require.Equal(t, "requested", res["status"])

	linkOf := func(worker string) string {
		var link string
		p.eventually(20*time.Second, "the request email to "+worker, func() bool {
			for _, e := range p.outbox(worker) {
				if e["template"] == "task_request" {
					text := e["text"].(string)
					require.Contains(t, text, "お断りいただいても、まったく問題ありません")
					require.Contains(t, text, "翌月末日")
					require.Contains(t, text, "4時間くらい")
					link = regexp.MustCompile(regexp.QuoteMeta(p.base) + `/l/[A-Za-z0-9_.-]+`).FindString(text)
					return link != ""
				}
			}
			return false
		})
		return link
	}

	// The decline, with a reason (optional).
	link := linkOf(decliner)
	status, page := browse(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "理由を書いていただく必要もありません")
	status, page = browse(t, http.MethodPost, link, url.Values{"answer": {"decline"}, "reason": {"今月は別の作業で手一杯のため"}})
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "お返事を受け付けました")

	// The acceptance assigns the task.
	link = linkOf(accepter)
	status, page = browse(t, http.MethodPost, link, url.Values{"answer": {"accept"}})
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "お引き受けいただき、ありがとうございます")
	got := p.do("GET", taskPath+"/requests", nil, http.StatusOK)["items"].([]any)
	answers := map[string]string{}
	for _, x := range got {
		r := x.(map[string]any)
		answers[r["worker_id"].(string)] = r["answer"].(string)
	}
	require.Equal(t, map[string]string{decliner: "declined", accepter: "accepted"}, answers)

	p.do("POST", taskPath+"/delivery", map[string]any{"output": 12, "quality": 6}, http.StatusUnprocessableEntity)
	res = p.do("POST", taskPath+"/delivery", map[string]any{"output": 12, "quality": 4}, http.StatusOK)
	require.Equal(t, "delivered", res["status"])
	p.do("POST", taskPath+"/close", nil, http.StatusOK)

	var kinds []string
	for _, x := range p.do("GET", taskPath+"/timeline", nil, http.StatusOK)["items"].([]any) {
		kinds = append(kinds, x.(map[string]any)["kind"].(string))
	}
	require.Equal(t, []string{"task_requested", "task_requested", "task_declined", "task_assigned", "task_delivered", "task_closed"}, kinds)
	require.Subset(t, p.timelineKinds(decliner), []string{"task_requested", "task_declined"})
	require.Subset(t, p.timelineKinds(accepter), []string{"task_requested", "task_assigned", "task_delivered"})

	// The delivery is history the next ranking reads.
	for _, x := range p.do("GET", taskPath+"/suggestions", nil, http.StatusOK)["suggestions"].([]any) {
		if s := x.(map[string]any); s["worker_id"] == accepter {
			require.Contains(t, reasons(s)[0], "校正の経験が1件あります")
			require.Contains(t, reasons(s), "仕上がりの評価は平均4.0（5段階）です")
		}
	}
	requireHistoriesClean(t, accepter, "taro.match2@example.jp", "今月は別の作業で手一杯のため")
	requireWorkflowClean(t, "task/"+task["id"].(string), `"TaskID":"`+task["id"].(string)+`"`, "taro.match2@example.jp", "hanako.match1@example.jp",
		"今月は別の作業で手一杯のため", "商品説明文の誤字脱字の確認", "鎌倉出版")
}

// activeWorker registers an applicant, approves and signs them through the
// API, and returns their id.
func (p *instance) activeWorker(email string) string {
	p.t.Helper()
	id := p.do("POST", "/api/v1/applicants", applicant(email), http.StatusCreated)["id"].(string)
	p.do("POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	p.do("POST", "/api/v1/workers/"+id+"/contract", map[string]any{}, http.StatusOK)
	return id
}
