package activities_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/postgres"
	"github.com/stretchr/testify/require"
)

var linkPattern = regexp.MustCompile(`https://ippo\.example\.jp/l/([A-Za-z0-9_.-]+)`)

// signedLinks returns the claims of every signed link in text, in order.
func signedLinks(t *testing.T, signer *links.Signer, text string) []links.Claims {
	t.Helper()
	var out []links.Claims
	for _, m := range linkPattern.FindAllStringSubmatch(text, -1) {
		c, err := signer.Verify(m[1], time.Now())
		require.NoError(t, err, m[0])
		out = append(out, c)
	}
	return out
}

func withLinks(t *testing.T, f *fixture) *links.Signer {
	t.Helper()
	signer, err := links.NewSigner([]byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	f.acts.Links, f.acts.PublicURL = signer, "https://ippo.example.jp"
	return signer
}

// TestContractTermsCarryTheAbsenceLink: the terms at signing carry the
// opt-out link and, after it, the absence link, for the worker, valid to
// the end of the term; the HTML carries the same links.
func TestContractTermsCarryTheAbsenceLink(t *testing.T) {
	f := newFixture(t)
	signer := withLinks(t, f)
	today := ippo.Clock{}.Today(time.Now())
	id := f.add(member{signed: today.String()})
	end := ippo.AddMonthsCivil(today, 6).AddDays(-1)
	res, err := f.acts.Notify(context.Background(), activities.Notice{
		Key: "worker/" + id + "/step/2/contract_terms", Email: activities.EmailContractTerms, WorkerID: id,
		Facts: activities.Facts{TermStart: today, TermEnd: end, NextStart: end.AddDays(1), NextEnd: ippo.AddMonthsCivil(end.AddDays(1), 3),
			OptOutBy: end, RateYen: 1225, ExtensionMonths: 3, LinkExpires: end},
	})
	require.NoError(t, err)
	e, err := f.db.OutboxEmail(context.Background(), res.OutboxID)
	require.NoError(t, err)

	got := signedLinks(t, signer, e.Text)
	require.Len(t, got, 2, e.Text)
	optOut, absence := got[0], got[1]
	require.Equal(t, links.ActionOptOut, optOut.Action)
	require.Equal(t, links.ActionAbsence, absence.Action)
	require.Equal(t, id, absence.WorkerID)
	require.Equal(t, end.String(), absence.Subject)
	require.True(t, end.AddDays(1).Start().Equal(absence.ExpiresAt), "valid to the end of the term: %s", absence.ExpiresAt)
	require.Contains(t, e.Text, end.Japanese()+"まで何度でも使えます")
	require.Contains(t, e.HTML, "お休みなどを知らせる")
	require.Len(t, signedLinks(t, signer, e.HTML), 4, "each link as a button and as text")
}

// TestStatementCarriesTheAbsenceLinkWhileActive: a month's statement
// carries an absence link valid to the contract's end while the worker is
// active, and none once the worker has left.
func TestStatementCarriesTheAbsenceLinkWhileActive(t *testing.T) {
	f := newFixture(t)
	signer := withLinks(t, f)
	ctx := context.Background()
	signed := ippo.Clock{}.Today(time.Now()).AddDays(-45)
	month := signed.YearMonth()
	onDay := signed.AddDays(1)
	if onDay.YearMonth() != month {
		onDay = signed
	}
	active := f.add(member{signed: signed.String(), logs: map[string]int{onDay.String(): 60}})
	left := f.add(member{signed: signed.String(), logs: map[string]int{onDay.String(): 60}, leftOn: ippo.Clock{}.Today(time.Now()).AddDays(-1).String()})
	f.close(month, 10)

	statement := func(workerID string) ippo.OutboxEmail {
		t.Helper()
		emails, err := f.db.Outbox(ctx, postgres.OutboxFilter{WorkerID: workerID})
		require.NoError(t, err)
		require.Len(t, emails, 1)
		require.Equal(t, string(activities.EmailMonthlyStatement), emails[0].Template)
		return emails[0]
	}
	e := statement(active)
	got := signedLinks(t, signer, e.Text)
	require.Len(t, got, 1, e.Text)
	w, err := f.db.Worker(ctx, active)
	require.NoError(t, err)
	require.Equal(t, links.ActionAbsence, got[0].Action)
	require.Equal(t, active, got[0].WorkerID)
	require.True(t, w.ContractEnd.AddDays(1).Start().Equal(got[0].ExpiresAt), "valid to the end of the contract: %s", got[0].ExpiresAt)
	require.Contains(t, e.Text, w.ContractEnd.Japanese()+"まで何度でも使えます")

	e = statement(left)
	require.Empty(t, signedLinks(t, signer, e.Text+e.HTML), "a worker who has left gets no absence link")
	require.NotContains(t, e.Text, "体調について")
}
