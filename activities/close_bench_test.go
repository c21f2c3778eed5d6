package activities_test

import (
	"context"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// benchWorkers is the size of the program the close is measured on.
const benchWorkers = 12_000

// seedBench fills the database with benchWorkers active workers: each
// declares Monday, Wednesday and Friday 10:00–12:30 from the day they
// signed (a tenth of them in mid-April), has one task, and logged 2–2.5
// hours on about 95% of the declared April days, so about one in six falls
// below the 80% target (a suggestion email and a staff to-do each).
func seedBench(b *testing.B, url string) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(b, err)
	defer conn.Close(ctx)
	for _, sql := range []string{
		`INSERT INTO client_tasks (id, type, client, created_at, created_by)
		 VALUES ('00000000-0000-4000-8000-00000000000a', 'data_entry', '鎌倉商事', now(), 'bench')`,
		`INSERT INTO workers (id, name, email, municipality_code, category, consent_given_on, consent_wording_version,
			phase, status, contract_start, contract_end, state_seq)
		 SELECT gen_random_uuid(), 'ワーカー ' || g, 'w' || g || '@example.jp', '14204', 'disability', '2025-01-05', '2025-01',
		        'active', 'under_contract',
		        CASE WHEN g % 10 = 0 THEN date '2026-04-15' ELSE date '2026-01-05' + (g % 80) END, date '2026-07-04', 1
		   FROM generate_series(1, ` + itoa(benchWorkers) + `) g`,
		`INSERT INTO schedules (worker_id, effective_from, slots, weekly_minutes, declared_at, declared_by)
		 SELECT id, contract_start, '[{"weekday":1,"start":"10:00","end":"12:30","mode":"remote"},
		        {"weekday":3,"start":"10:00","end":"12:30","mode":"onsite"},
		        {"weekday":5,"start":"10:00","end":"12:30","mode":"remote"}]', 450, now(), 'bench' FROM workers`,
		`INSERT INTO task_assignments (worker_id, task_id, assigned_at, assigned_by)
		 SELECT id, '00000000-0000-4000-8000-00000000000a', now(), 'bench' FROM workers`,
		`INSERT INTO work_logs (id, worker_id, on_date, minutes, task_id, output, logged_at, logged_by)
		 SELECT gen_random_uuid(), w.id, d::date, 120 + abs(hashtext(w.id::text || d::text)) % 31,
		        '00000000-0000-4000-8000-00000000000a', 5, now(), 'bench'
		   FROM workers w, generate_series(date '2026-04-01', date '2026-04-30', interval '1 day') d
		  WHERE extract(isodow FROM d) IN (1, 3, 5) AND d::date >= w.contract_start
		    AND abs(hashtext(w.id::text || d::text || 'x')) % 100 < 95`,
		`ANALYZE`,
	} {
		_, err := conn.Exec(ctx, sql)
		require.NoError(b, err)
	}
}

// forget removes what a close wrote, so the next iteration closes afresh.
func forget(b *testing.B, url string) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(b, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `TRUNCATE statements, month_closes, email_events, outbox, staff_tasks`)
	require.NoError(b, err)
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// BenchmarkMonthlyClose closes April 2026 for 12,000 workers on the real
// PostgreSQL, as the close workflow does (pages of DefaultClosePageSize):
// every figure, every statement written, every statement email rendered
// and put in the outbox (no SendGrid key), plus the suggestions and staff
// to-dos for those below target. "rerun" measures the same close run a
// second time, which finds everything done and changes nothing.
func BenchmarkMonthlyClose(b *testing.B) {
	url := pgtest.NewDatabase(b)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	require.NoError(b, err)
	defer db.Close()
	require.NoError(b, db.Seed(ctx))
	seedBench(b, url)
	acts := &activities.Activities{DB: db, Center: mail.Center{Name: "デジタル就労支援センターKAMAKURA", ShortName: "デジKAMA", Email: "digikama@example.jp"}}
	april := ippo.YearMonth{Year: 2026, Month: 4}
	closeAll := func() activities.ClosePageResult {
		require.NoError(b, acts.BeginClose(ctx, activities.CloseStart{Month: april, WorkflowID: "bench"}))
		var total activities.ClosePageResult
		after := ""
		for {
			r, err := acts.ClosePage(ctx, activities.ClosePageInput{Month: april, After: after, Limit: activities.DefaultClosePageSize})
			require.NoError(b, err)
			total.Add(r)
			if r.Done {
				break
			}
			after = r.Last
		}
		require.NoError(b, acts.FinishClose(ctx, april))
		return total
	}

	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		var total activities.ClosePageResult
		for b.Loop() {
			b.StopTimer()
			forget(b, url)
			b.StartTimer()
			total = closeAll()
		}
		require.Equal(b, benchWorkers, total.Workers)
		b.ReportMetric(float64(total.Workers), "workers")
		b.ReportMetric(float64(total.Emails), "emails")
		b.ReportMetric(float64(total.Suggestions), "suggestions")
	})
	b.Run("rerun", func(b *testing.B) {
		b.ReportAllocs()
		var total activities.ClosePageResult
		for b.Loop() {
			total = closeAll()
		}
		require.Zero(b, total.NewStatements)
		b.ReportMetric(float64(total.Workers), "workers")
	})
}
