package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/stretchr/testify/require"
)

// email writes one of the worker's emails in status.
func (h *harness) email(workerID, key, status string) ippo.OutboxEmail {
	h.t.Helper()
	ctx := context.Background()
	e, err := h.db.EnqueueEmail(ctx, ippo.OutboxEmail{ID: uuid.NewString(), Key: key, Template: "contract_terms", WorkerID: workerID,
		Recipient: "yui@example.jp", Subject: "契約内容のお知らせ " + key, Text: "本文", HTML: "<p>本文</p>"})
	require.NoError(h.t, err)
	if status != ippo.EmailQueued {
		_, err = h.db.SetEmailStatus(ctx, e.ID, status, "", "550 no such user", ippo.EmailQueued)
		require.NoError(h.t, err)
	}
	return e
}

func (h *harness) copiesOf(workerID, id string) []ippo.OutboxEmail {
	h.t.Helper()
	list, err := h.db.Outbox(context.Background(), postgres.OutboxFilter{WorkerID: workerID, Limit: 100})
	require.NoError(h.t, err)
	var out []ippo.OutboxEmail
	for _, e := range list {
		if e.ResendOf == id {
			out = append(out, e)
		}
	}
	return out
}

// TestResendAnEmailFromTheWorkerPage: staff send a failed email again with
// the 再送 button; the copy is queued for the dispatcher (never sent by the
// request), linked to the first, once however often the button is pressed;
// the form needs the session's CSRF token, viewers see no button and are
// refused, and every press is in the audit log.
func TestResendAnEmailFromTheWorkerPage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, staff := h.token("鎌田", "staff")
	_, viewer := h.token("見学", "viewer")
	id := h.activeWorker()
	failed := h.email(id, "k-failed", ippo.EmailFailed)
	sent := h.email(id, "k-sent", ippo.EmailSent)
	path := "/console/workers/" + id + "/emails/" + failed.ID + "/resend"

	v := h.browser()
	v.signIn(viewer)
	_, page, _ := v.get("/console/workers/" + id)
	require.NotContains(t, page, "/resend", "viewers see no 再送 button")
	status, _, _ := v.post(path, url.Values{"csrf": {v.csrf()}})
	require.Equal(t, http.StatusForbidden, status)

	b := h.browser()
	b.signIn(staff)
	_, page, _ = b.get("/console/workers/" + id)
	require.Contains(t, page, `action="`+path+`"`, "a failed email has a 再送 button")
	require.NotContains(t, page, sent.ID+"/resend", "a sent email has none")

	status, body, _ := b.post(path, url.Values{})
	require.Equal(t, http.StatusForbidden, status, "no CSRF token")
	require.Contains(t, body, "何も変更されていません")
	require.Empty(t, h.copiesOf(id, failed.ID))

	for range 2 { // a second press finds the queued copy
		status, _, resp := b.post(path, url.Values{"csrf": {b.csrf()}})
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/console/workers/"+id+"?done=resend", resp.Header.Get("Location"))
	}
	copies := h.copiesOf(id, failed.ID)
	require.Len(t, copies, 1)
	require.Equal(t, ippo.EmailQueued, copies[0].Status, "queued for the dispatcher, not sent by the request")
	require.True(t, strings.HasPrefix(copies[0].RequestedBy, "staff:"))
	due, err := h.db.ClaimDueEmails(ctx, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "the dispatcher finds the copy")
	require.Equal(t, copies[0].ID, due[0].ID)
	_, page, _ = b.get("/console/workers/" + id + "?done=resend")
	require.Contains(t, page, "メールの再送を受け付けました")
	require.Contains(t, page, "(再送)", "the copy is shown as a resend")

	// Once the copy has gone, the first is never sent a third time.
	_, err = h.db.SetEmailStatus(ctx, copies[0].ID, ippo.EmailSent, "m2", "", ippo.EmailSending)
	require.NoError(t, err)
	status, body, _ = b.post(path, url.Values{"csrf": {b.csrf()}})
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "このメールは再送できません")
	status, _, _ = b.post("/console/workers/"+id+"/emails/"+sent.ID+"/resend", url.Values{"csrf": {b.csrf()}})
	require.Equal(t, http.StatusConflict, status, "a sent email is not sent again")

	// Another worker's email is not found through this worker's page.
	other := h.activeWorker()
	status, _, _ = b.post("/console/workers/"+other+"/emails/"+failed.ID+"/resend", url.Values{"csrf": {b.csrf()}})
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = b.post("/console/workers/"+id+"/emails/not-an-id/resend", url.Values{"csrf": {b.csrf()}})
	require.Equal(t, http.StatusNotFound, status)
	require.Len(t, h.copiesOf(id, failed.ID), 1)

	audit, err := h.db.AuditLog(ctx, "", 0, 100)
	require.NoError(t, err)
	outcomes := map[string]int{}
	for _, e := range audit {
		if e.Route == "/console/workers/{id}/emails/{email}/resend" {
			outcomes[e.Actor+" "+e.Outcome]++
		}
	}
	require.Equal(t, 2, outcomes["鎌田 ok"], "%v", outcomes)
	require.Equal(t, 1, outcomes["見学 refused"], "%v", outcomes)
	require.GreaterOrEqual(t, outcomes["鎌田 refused"], 4, "%v", outcomes)
}
