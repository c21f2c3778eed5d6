package e2e_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/mail/sendgridfake"
	"github.com/stretchr/testify/require"
)

// TestEmailThroughSendGridFake: the real binary sends through the real
// sendgrid-go client to a SendGrid fake; the fake posts signed events back
// to the Event Webhook and the outbox shows the emails delivered; the
// worker declines the extension through the signed link in the
// contract-terms email, and the contract ends on its term end (a policy
// month lasts three seconds); a bounce reaches staff.
func TestEmailThroughSendGridFake(t *testing.T) {
	t.Parallel()
	const key = "SG.e2e-key"
	sg := sendgridfake.StartTest(t, key)
	p := start(t, options{monthLength: "3s", env: []string{
		"SENDGRID_API_KEY=" + key,
		"SENDGRID_API_HOST=" + sg.URL,
		"SENDGRID_WEBHOOK_PUBLIC_KEY=" + sg.Fake.WebhookPublicKey(),
	}})
	webhook := p.base + "/webhooks/sendgrid"
	sg.Fake.AutoEvents(webhook, "processed", "delivered")

	const address = "hanako.optout@example.jp"
	id := p.do("POST", "/api/v1/applicants", applicant(address), http.StatusCreated)["id"].(string)
	path := "/api/v1/workers/" + id
	// Staff decide once the application is recorded: an Update that reaches a
	// lifecycle before its first workflow task runs ahead of the "applied"
	// step today (a lifecycle issue outside email).
	p.eventually(20*time.Second, "the application email", func() bool { return len(p.outbox(id)) == 1 })
	p.do("POST", path+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	signed := p.do("POST", path+"/contract", map[string]any{}, http.StatusOK)
	termEnd := signed["term_end"].(string)

	// Every email reaches the fake, and SendGrid's events come back.
	p.eventually(30*time.Second, "three emails delivered", func() bool {
		emails := p.outbox(id)
		return len(emails) == 3 && !slices.ContainsFunc(emails, func(e map[string]any) bool { return e["status"] != "delivered" })
	})
	emails := p.outbox(id)
	require.Equal(t, []string{"application_received", "eligibility_approved", "contract_terms"}, templates(emails))
	// The worker's messages: on a three-second month a city report may
	// reach the fake too while a loaded machine runs the test.
	msgs := slices.DeleteFunc(sg.Fake.Messages(), func(m sendgridfake.Message) bool { return !slices.Equal(m.To, []string{address}) })
	require.Len(t, msgs, 3)
	for i, e := range emails {
		m := msgs[i]
		require.Equal(t, []string{address}, m.To)
		require.Equal(t, "noreply@digikama.example.jp", m.From)
		require.Equal(t, e["subject"], m.Subject)
		require.Equal(t, e["text"], m.Text)
		require.Equal(t, e["html"], m.HTML)
		require.Equal(t, e["id"], m.CustomArgs[mail.OutboxIDArg])
		require.Equal(t, m.ID, e["provider_message_id"])
		require.EqualValues(t, 1, e["attempts"])
	}
	require.Contains(t, msgs[2].Subject, "契約")

	// A webhook request SendGrid did not sign changes nothing.
	forger := sendgridfake.New(key)
	err := forger.PostEvents(context.Background(), webhook, msgs[0].Event("bounce"))
	require.ErrorContains(t, err, "401")

	// The opt-out link in the contract-terms email: GET shows a button and
	// changes nothing; POST declines the extension, once.
	link := regexp.MustCompile(regexp.QuoteMeta(p.base) + `/l/[A-Za-z0-9_.-]+`).FindString(msgs[2].Text)
	require.NotEmpty(t, link, "the contract-terms email carries the opt-out link:\n%s", msgs[2].Text)
	status, page := fetch(t, http.MethodGet, link)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "延長しないことを申し出る")
	require.Equal(t, "under_contract", p.do("GET", path, nil, http.StatusOK)["status"], "GET never acts")

	status, page = fetch(t, http.MethodPost, link)
	require.Equal(t, http.StatusOK, status, page)
	require.Contains(t, page, "お申し出を受け付けました")
	w := p.do("GET", path, nil, http.StatusOK)
	require.Equal(t, "ending", w["status"])
	require.Equal(t, termEnd, w["ends_on"])
	status, page = fetch(t, http.MethodPost, link)
	require.Equal(t, http.StatusConflict, status, page)
	require.Contains(t, page, "このリンクは使用済みです")

	// A bounce: the email is bounced, staff get a to-do and an email.
	err = sg.Fake.PostEvents(context.Background(), webhook, withReason(msgs[0].Event("bounce"), "550 5.1.1 user unknown"))
	require.NoError(t, err)
	first := emails[0]["id"].(string)
	require.Equal(t, "bounced", p.do("GET", "/api/v1/outbox/"+first, nil, http.StatusOK)["status"])
	tasks := p.do("GET", "/api/v1/staff-tasks", nil, http.StatusOK)["items"].([]any)
	require.True(t, slices.ContainsFunc(tasks, func(x any) bool { return x.(map[string]any)["kind"] == "email_bounced" }), "%v", tasks)
	p.eventually(30*time.Second, "the alert to staff", func() bool {
		return slices.ContainsFunc(sg.Fake.Messages(), func(m sendgridfake.Message) bool {
			return slices.Equal(m.To, []string{ippo.DefaultPolicy().StaffEmail}) && strings.Contains(m.Text, first)
		})
	})

	// The contract ends with the current term, without an extension.
	p.eventually(90*time.Second, "the contract to end", func() bool {
		return p.do("GET", path, nil, http.StatusOK)["phase"] == "ended"
	})
	w = p.do("GET", path, nil, http.StatusOK)
	require.EqualValues(t, 0, w["extensions"])
	require.Equal(t, termEnd, w["contract_end"])
	// (The assessment round of the term runs too; e2e/graduation_test.go checks it.)
	require.Equal(t, []string{"applied", "eligibility_approved", "contract_signed", "opted_out", "contract_ended"},
		without(p.timelineKinds(id), "assessment_requested", "assessment_reminder_sent", "assessment_overdue"))

	// Who opted out, and what SendGrid said, are on the timeline.
	tl := p.do("GET", path+"/timeline", nil, http.StatusOK)["items"].([]any)
	var emailKinds []string
	for _, x := range tl {
		e := x.(map[string]any)
		if e["kind"] == "opted_out" {
			require.Equal(t, ippo.ActorWorker, e["actor"])
		}
		if e["source"] == "email" {
			emailKinds = append(emailKinds, e["kind"].(string))
		}
	}
	require.Contains(t, emailKinds, "email_delivered")
	require.Contains(t, emailKinds, "email_bounce")
}

func withReason(e sendgridfake.Event, reason string) sendgridfake.Event {
	e["reason"], e["type"] = reason, "bounce"
	return e
}

// fetch opens a link page as a browser would (a POST sends the empty form).
func fetch(t *testing.T, method, link string) (int, string) {
	t.Helper()
	var (
		resp *http.Response
		err  error
	)
	if method == http.MethodPost {
		resp, err = http.PostForm(link, url.Values{})
	} else {
		resp, err = http.Get(link)
	}
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
