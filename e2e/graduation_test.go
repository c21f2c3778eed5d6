package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestFromIntakeToTheLastFollowUp: with a three-second month, a worker is
// registered, signs, is asked for a self-assessment, is assessed by staff
// and by themself (through the signed link in the self-assessment
// request), gets a step-up recommendation, graduates and is handed over to
// the two agencies they consented to (a third, without consent, is refused
// by name and nothing is sent), one agency acknowledges through the signed
// link in its handoff email, the other is escalated to staff and then
// loses the worker's consent, three follow-ups go out and the lifecycle
// completes. Every email in the outbox and every step on the timeline is
// checked.
func TestFromIntakeToTheLastFollowUp(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "3s"})
	// 45 program days (4.5 s) for an agency to acknowledge, so the link
	// is followed in time on a loaded machine, and follow-ups 2, 4 and 6
	// months after graduation, so the unacknowledged handoff is escalated
	// well before the first (the expected order below relies on it).
	st := p.do("GET", "/api/v1/policy", nil, http.StatusOK)
	policy := st["in_force"].(map[string]any)
	policy["ack_timeout_days"] = 45
	policy["follow_up_months"] = []int{2, 4, 6}
	// From today as the server counts it: on a three-second month, a date
	// read before may have passed by the time it is sent.
	p.do("PUT", "/api/v1/policy", map[string]any{"policy": policy}, http.StatusOK)

	id := p.do("POST", "/api/v1/applicants", applicant("hanako.grad@example.jp"), http.StatusCreated)["id"].(string)
	path := "/api/v1/workers/" + id
	// Assessments belong to the active phase.
	early := p.do("POST", path+"/assessments", map[string]any{"by": "staff", "scores": scores(4, 4, 4, 4)}, http.StatusConflict)
	require.Equal(t, "screening", early["phase"])
	p.do("POST", path+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	signed := p.do("POST", path+"/contract", map[string]any{}, http.StatusOK)
	require.Equal(t, "active", signed["phase"])

	agencies := map[string]string{}
	for _, a := range p.do("GET", "/api/v1/agencies", nil, http.StatusOK)["items"].([]any) {
		m := a.(map[string]any)
		agencies[m["name"].(string)] = m["id"].(string)
	}
	hw, saposute, traim, threeplus := agencies["ハローワーク藤沢"], agencies["湘南・横浜若者サポートステーション"], agencies["とらいむ"], agencies["スリー・プラス"]
	consent := func(action, agency string, want int, items ...string) map[string]any {
		body := map[string]any{"action": action, "agency_id": agency, "purpose": "graduation_handoff", "wording_version": "2026-01"}
		if items != nil {
			body["items"] = items
		}
		return p.do("POST", path+"/consents", body, want)
	}
	consent("give", hw, http.StatusCreated, "work_history", "assessments", "contact")
	consent("give", saposute, http.StatusCreated, "work_history")
	consent("give", traim, http.StatusCreated, "contact")
	again := consent("give", hw, http.StatusConflict, "contact")
	require.Contains(t, again["detail"], "already in force")
	bad := consent("give", hw, http.StatusUnprocessableEntity, "diagnosis")
	require.Equal(t, "items[0]", bad["errors"].([]any)[0].(map[string]any)["field"])
	withdrawn := consent("withdraw", traim, http.StatusOK)
	require.NotEmpty(t, withdrawn["withdrawn_on"])
	require.Len(t, p.do("GET", path+"/consents", nil, http.StatusOK)["items"], 3)

	// The cadence asks for a self-assessment about a month before the first
	// round is due (three months after signing).
	p.eventually(20*time.Second, "the self-assessment request", func() bool {
		return slices.Contains(p.timelineKinds(id), "assessment_requested")
	})
	staff := p.do("POST", path+"/assessments", map[string]any{"by": "staff", "scores": scores(4, 4, 4, 4),
		"comments": map[string]any{"habits": "毎日同じ時間に始められている"}}, http.StatusCreated)
	require.False(t, staff["step_up_recommended"].(bool))
	require.False(t, staff["round_complete"].(bool))
	// The worker answers through the link in the request email: the page
	// asks for the four scores, and records once.
	selfLink := p.linkIn(p.emailTo(id, "self_assessment_request", "hanako.grad@example.jp"))
	status, page := browse(t, http.MethodGet, selfLink, nil)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "作業安定度")
	selfForm := url.Values{"stability": {"4"}, "execution": {"5"}, "habits": {"4"}, "interpersonal": {"4"}, "comment": {"少しずつ慣れてきました"}}
	status, page = browse(t, http.MethodPost, selfLink, selfForm)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "ふり返りを受け付けました")
	status, page = browse(t, http.MethodPost, selfLink, selfForm)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "このリンクは使用済みです")
	p.eventually(10*time.Second, "the step-up recommendation", func() bool {
		return slices.Contains(p.timelineKinds(id), "step_up_recommended")
	})
	require.Equal(t, "active", p.do("GET", path, nil, http.StatusOK)["phase"], "a recommendation is not a graduation")
	invalid := p.do("POST", path+"/assessments", map[string]any{"by": "self", "scores": scores(4, 5, 4, 6)}, http.StatusUnprocessableEntity)
	require.Equal(t, "scores.interpersonal", invalid["errors"].([]any)[0].(map[string]any)["field"])
	history := p.do("GET", path+"/assessments", nil, http.StatusOK)
	require.Len(t, history["items"], 2)
	self := history["latest"].(map[string]any)["self"].(map[string]any)
	require.Equal(t, ippo.ActorWorker, self["recorded_by"])
	require.Equal(t, "少しずつ慣れてきました", self["comment"])
	require.Equal(t, map[string]any{"stability": 0.0, "execution": 1.0, "habits": 0.0, "interpersonal": 0.0}, history["gap"])
	require.Equal(t, map[string]any{"threshold": 4.0, "ready": true}, history["step_up"])
	require.NotEmpty(t, history["next_due"])

	// An agency without the worker's consent is refused by name, and then
	// nothing goes to any agency.
	refused := p.do("POST", path+"/graduation", map[string]any{"destination": "general_employment", "agencies": []string{hw, threeplus, traim}}, http.StatusUnprocessableEntity)
	fields := refused["errors"].([]any)
	require.Len(t, fields, 2)
	require.Equal(t, "agencies[1]", fields[0].(map[string]any)["field"])
	require.Contains(t, fields[0].(map[string]any)["message"], "スリー・プラス")
	require.Contains(t, fields[1].(map[string]any)["message"], "とらいむ", "a withdrawn consent is no consent")
	require.NotContains(t, templates(p.outbox(id)), "agency_handoff")

	graduated := p.do("POST", path+"/graduation", map[string]any{"destination": "general_employment", "agencies": []string{hw, saposute},
		"handoff_notes": "連絡はメールでお願いします"}, http.StatusOK)
	require.Equal(t, "graduated", graduated["phase"])
	handoffs := graduated["graduation"].(map[string]any)["handoffs"].([]any)
	require.Len(t, handoffs, 2)
	hA, hB := handoffs[0].(map[string]any), handoffs[1].(map[string]any)
	require.Equal(t, "sent", hA["status"])
	require.Equal(t, []any{"work_history", "assessments", "contact"}, hA["items"])
	require.Equal(t, []any{"work_history"}, hB["items"])
	// A acknowledges through the link in its email (the page shows nothing
	// about the worker); B does not.
	ackLink := p.linkIn(p.emailTo(id, "agency_handoff", "hw-fujisawa@example.jp"))
	status, page = browse(t, http.MethodPost, ackLink, url.Values{})
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "受け取りのご確認、ありがとうございました")
	status, page = browse(t, http.MethodGet, ackLink, nil)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "このリンクは使用済みです")
	for _, never := range []string{"鎌倉", "hanako.grad@example.jp", id} {
		require.NotContains(t, page, never)
	}
	again = p.do("POST", path+"/handoffs/"+hA["id"].(string)+"/acknowledgement", map[string]any{}, http.StatusOK)
	require.True(t, again["already_acknowledged"].(bool))

	// B does not acknowledge within 45 days: staff are told. After the
	// first follow-up (two months after graduation; the next is two months
	// later), the worker withdraws B's consent, and staff are asked to tell B.
	p.eventually(20*time.Second, "the first follow-up", func() bool {
		return slices.Contains(p.timelineKinds(id), "follow_up_check_in")
	})
	consent("withdraw", saposute, http.StatusOK)
	p.eventually(60*time.Second, "the last follow-up", func() bool {
		return slices.Contains(p.timelineKinds(id), "lifecycle_completed")
	})

	require.Equal(t, []string{
		"applied", "eligibility_approved", "contract_signed",
		"consent_given", "consent_given", "consent_given", "consent_withdrawn",
		"assessment_requested", "assessment_recorded", "assessment_recorded", "step_up_recommended",
		"graduated", "handoff_sent", "handoff_sent", "handoff_acknowledged",
		"handoff_unacknowledged", "follow_up_check_in", "consent_withdrawn", "handoff_consent_withdrawn",
		"follow_up_check_in", "follow_up_check_in", "lifecycle_completed",
	}, withoutReminder(t, p.timelineKinds(id)))
	w := p.do("GET", path, nil, http.StatusOK)
	require.Equal(t, "graduated", w["phase"])
	require.Equal(t, "closed", w["status"])
	actors := map[string][]string{}
	for _, x := range p.do("GET", path+"/timeline", nil, http.StatusOK)["items"].([]any) {
		e := x.(map[string]any)
		if k := e["kind"].(string); k == "assessment_recorded" || k == "handoff_acknowledged" {
			actors[k] = append(actors[k], e["actor"].(string))
		}
	}
	require.Len(t, actors["assessment_recorded"], 2)
	require.NotEqual(t, ippo.ActorWorker, actors["assessment_recorded"][0], "staff assessed first")
	require.Equal(t, ippo.ActorWorker, actors["assessment_recorded"][1], "then the worker, through the link")
	require.Equal(t, []string{ippo.ActorAgency}, actors["handoff_acknowledged"])

	p.eventually(10*time.Second, "every email handed on", func() bool { return settled(p.lifecycleEmails(id)) })
	emails := p.lifecycleEmails(id) // monthly statements: e2e/close_test.go
	if n := slices.IndexFunc(emails[4:], func(e map[string]any) bool { return e["template"] == "self_assessment_request" }); n >= 0 {
		emails = slices.Delete(emails, 4+n, 4+n+1) // the reminder, as withoutReminder allows on the timeline
	}
	require.Equal(t, []string{
		"application_received", "eligibility_approved", "contract_terms", "self_assessment_request",
		"step_up_recommendation", "step_up_recommendation_staff", "agency_handoff", "agency_handoff",
		"handoff_not_acknowledged", "follow_up_check_in", "follow_up_check_in", "follow_up_check_in",
	}, templates(emails))
	to := func(e map[string]any) string { return e["recipient"].(string) }
	for _, i := range []int{0, 1, 2, 3, 4, 9, 10, 11} {
		require.Equal(t, "hanako.grad@example.jp", to(emails[i]), emails[i]["template"])
	}
	require.Equal(t, "staff@digikama.example.jp", to(emails[5]))
	require.Equal(t, "staff@digikama.example.jp", to(emails[8]))
	require.Contains(t, emails[3]["text"], "/l/", "the self-assessment request carries its signed link")
	require.Contains(t, emails[4]["text"], "4.0")
	a, b := emails[6], emails[7]
	require.Equal(t, "hw-fujisawa@example.jp", to(a))
	require.Equal(t, "saposute@example.jp", to(b))
	require.Contains(t, a["text"], "アセスメントの結果")
	require.Contains(t, a["text"], "hanako.grad@example.jp")
	require.Contains(t, a["text"], p.base+"/l/", "the acknowledgement link")
	require.Contains(t, b["text"], "当センターの利用の経過")
	requireHistoriesClean(t, id, "鎌倉 花子", "hanako.grad@example.jp", "毎日同じ時間に始められている", "連絡はメールでお願いします")
	for _, never := range []string{"hanako.grad@example.jp", "アセスメント", "精神障害", "連絡はメールでお願いします"} {
		require.NotContains(t, b["text"], never, "B agreed to its work history only")
	}
	require.NotContains(t, a["text"], "精神障害", "nobody consented to the disability type")
	require.Contains(t, emails[8]["text"], "鎌倉 花子さん", "staff escalations go to the center's own address and name the worker")
	require.Contains(t, emails[8]["text"], id)
	require.NotContains(t, emails[8]["text"], "hanako.grad@example.jp")
	require.Contains(t, emails[9]["text"], "2か月")
	require.Contains(t, emails[11]["text"], "6か月")
	for _, e := range emails {
		require.Equal(t, "held", e["status"])
	}
	// Nothing ever went to the agencies without consent.
	for _, e := range p.do("GET", "/api/v1/outbox?limit=500", nil, http.StatusOK)["items"].([]any) {
		r := e.(map[string]any)["recipient"].(string)
		require.NotContains(t, []string{"threeplus@example.jp", "traim@example.jp"}, r)
	}

	// The records of what was provided, to whom and when.
	list := p.do("GET", path+"/handoffs", nil, http.StatusOK)["items"].([]any)
	require.Len(t, list, 2)
	ra, rb := list[0].(map[string]any), list[1].(map[string]any)
	require.Equal(t, "ハローワーク藤沢", ra["agency_name"])
	require.Equal(t, "acknowledged", ra["status"])
	require.Equal(t, ippo.ActorAgency, ra["acknowledged_by"])
	require.Equal(t, "consent_withdrawn", rb["status"])
	require.NotEmpty(t, rb["escalated_at"])
	provided, err := ippo.ParseDate(ra["provided_on"].(string))
	require.NoError(t, err)
	require.Equal(t, ippo.ProvisionKeptUntil(provided, 3).String(), ra["keep_until"])

	var kinds []string
	for _, task := range p.do("GET", "/api/v1/staff-tasks", nil, http.StatusOK)["items"].([]any) {
		m := task.(map[string]any)
		if m["worker_id"] == id {
			kinds = append(kinds, m["kind"].(string))
			require.NotContains(t, m["body"], "鎌倉 花子", "the name is read with the list, not kept in the to-do")
			require.Equal(t, "鎌倉 花子", m["worker_name"])
		}
	}
	slices.Sort(kinds)
	require.Equal(t, []string{"handoff_consent_withdrawn", "handoff_unacknowledged"}, kinds)

	// The lifecycle is over: steps are refused with the phase.
	over := p.do("POST", path+"/graduation", map[string]any{"destination": "other", "agencies": []string{}}, http.StatusConflict)
	require.Equal(t, "graduated", over["phase"])
	require.True(t, strings.HasPrefix(over["type"].(string), "/api/v1/docs#problem-"))
}

// emailTo returns the worker's one email of template sent to recipient.
func (p *instance) emailTo(id, template, recipient string) map[string]any {
	p.t.Helper()
	var found []map[string]any
	for _, e := range p.outbox(id) {
		if e["template"] == template && e["recipient"] == recipient {
			found = append(found, e)
		}
	}
	require.Len(p.t, found, 1, "%s to %s", template, recipient)
	return found[0]
}

// linkIn returns the one signed link in an email's text, and checks the
// HTML carries it too.
func (p *instance) linkIn(email map[string]any) string {
	p.t.Helper()
	text := email["text"].(string)
	found := regexp.MustCompile(regexp.QuoteMeta(p.base)+`/l/[A-Za-z0-9_.-]+`).FindAllString(text, -1)
	require.Len(p.t, found, 1, "one link in %s:\n%s", email["template"], text)
	require.Contains(p.t, email["html"], `href="`+found[0]+`"`)
	return found[0]
}

func scores(stability, execution, habits, interpersonal int) map[string]any {
	return map[string]any{"stability": stability, "execution": execution, "habits": habits, "interpersonal": interpersonal}
}

// withoutReminder drops the self-assessment reminder from a timeline: on a
// three-second month a loaded machine may let the reminder's day come
// between the staff's assessment and the worker's (which is right, and once
// at most).
func withoutReminder(t *testing.T, kinds []string) []string {
	t.Helper()
	out := slices.DeleteFunc(slices.Clone(kinds), func(k string) bool { return k == "assessment_reminder_sent" })
	require.LessOrEqual(t, len(kinds)-len(out), 1, "one reminder at most: %v", kinds)
	return out
}
