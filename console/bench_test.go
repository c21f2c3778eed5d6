package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/console"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// BenchmarkConsoleRender measures pages rendered server-side on the real
// PostgreSQL, through the whole handler (session lookup included): the
// worker list over 12,000 workers (first page, a deep page, filtered,
// sorted by deadline, searched) and the worker page of someone with five
// years of history. It reports p50 and p99; no test asserts a timing.
func BenchmarkConsoleRender(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	db, err := postgres.Open(ctx, url)
	require.NoError(b, err)
	defer db.Close()
	require.NoError(b, db.Seed(ctx))
	ids := pgtest.SeedWorkers(b, url, 12000)
	long := ids[0]
	events := seedFiveYears(b, url, long)

	con, err := console.New(&app.App{DB: db, Temporal: temporaltest.Server(b).Client(), TaskQueue: "bench", Log: slog.New(slog.DiscardHandler), Clock: ippo.Clock{}})
	require.NoError(b, err)
	con.Start()
	h := con.Mount(nil)
	tok, err := db.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: "bench", Role: "staff", CreatedBy: "bench"}, "bench-secret")
	require.NoError(b, err)
	sid := "bench-session-" + uuid.NewString()
	require.NoError(b, db.CreateConsoleSession(ctx, sid, tok.ID, "csrf", time.Hour))

	run := func(b *testing.B, path string) {
		lat := make([]time.Duration, 0, 1024)
		for b.Loop() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Cookie", "ippo_console="+sid)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			lat = append(lat, time.Since(start))
			if rec.Code != 200 {
				b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("list", func(b *testing.B) { run(b, "/console/workers") })
	b.Run("list-page-200", func(b *testing.B) { run(b, "/console/workers?page=200") })
	b.Run("list-active-by-deadline", func(b *testing.B) { run(b, "/console/workers?phase=active&sort=deadline") })
	b.Run("list-search", func(b *testing.B) { run(b, "/console/workers?q=worker0042") })
	b.Run("home", func(b *testing.B) { run(b, "/console/") })
	b.Run(fmt.Sprintf("worker-5-years-%d-entries", events), func(b *testing.B) { run(b, "/console/workers/"+long) })
}

// seedFiveYears gives a worker five years of history: each month a
// statement email and its events, each quarter an extension, a reminder,
// assessments and their emails, and the staff requests that went with
// them. It returns the number of timeline entries.
func seedFiveYears(tb testing.TB, url, id string) int {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(tb, err)
	defer conn.Close(ctx)
	start := time.Date(2021, 4, 1, 10, 0, 0, 0, time.UTC)
	var events, emails, audits [][]any
	for m := range 60 {
		at := start.AddDate(0, m, 0)
		kinds := []string{"assessment_recorded"}
		if m%3 == 0 {
			kinds = append(kinds, "extension_reminder_sent", "contract_extended", "assessment_requested", "assessment_reminder_sent", "assessment_recorded")
		}
		for k, kind := range kinds {
			events = append(events, []any{fmt.Sprintf("worker/%s/step/%d-%d", id, m, k), id, at.Add(time.Duration(k) * time.Minute), at, kind, "system", "active"})
		}
		for k, tmpl := range []string{"monthly_statement", "contract_terms", "self_assessment_request"} {
			emails = append(emails, []any{uuid.NewString(), fmt.Sprintf("%s/%d/%s", id, m, tmpl), tmpl, id, "worker@example.jp", "件名", "本文", "<p>本文</p>", "delivered", at.Add(time.Duration(k) * time.Hour)})
		}
		audits = append(audits, []any{at, "staff", "POST", "/console/workers/{id}/eligibility", "/console/workers/" + id + "/eligibility", id, "r", 303, "ok"})
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"worker_events"}, []string{"key", "worker_id", "at", "program_at", "kind", "actor", "phase"}, pgx.CopyFromRows(events))
	require.NoError(tb, err)
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"id", "key", "template", "worker_id", "recipient", "subject", "text_body", "html_body", "status", "created_at"}, pgx.CopyFromRows(emails))
	require.NoError(tb, err)
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"audit_log"}, []string{"at", "actor", "method", "route", "path", "worker_id", "request_id", "status", "outcome"}, pgx.CopyFromRows(audits))
	require.NoError(tb, err)
	_, err = conn.Exec(ctx, "ANALYZE")
	require.NoError(tb, err)
	return len(events) + len(emails) + len(audits)
}
