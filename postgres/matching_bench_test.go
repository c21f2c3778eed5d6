package postgres_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// seedMatching fills the database with n active workers and two years of
// task history: each worker delivered two tasks a month (six types in
// turn, so about eight of any one type), was asked for each, declares
// three two-and-a-half-hour slots a week, and one in five has a preference
// and a rest in the window; one in ten has a task assigned now.
func seedMatching(b *testing.B, url string, n int) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(b, err)
	defer conn.Close(ctx)
	for _, sql := range []string{
		`INSERT INTO workers (id, name, email, municipality_code, category, consent_given_on, consent_wording_version,
			phase, status, contract_start, contract_end, state_seq)
		 SELECT gen_random_uuid(), 'ワーカー ' || g, 'w' || g || '@example.jp', '14204', 'disability', '2024-11-01', '2024-11',
		        'active', 'under_contract', date '2024-12-01', date '2027-02-28', 1
		   FROM generate_series(1, ` + strconv.Itoa(n) + `) g`,
		`INSERT INTO schedules (worker_id, effective_from, slots, weekly_minutes, declared_at, declared_by)
		 SELECT id, date '2024-12-01', '[{"weekday":1,"start":"10:00","end":"12:30","mode":"remote"},
		        {"weekday":3,"start":"10:00","end":"12:30","mode":"onsite"},
		        {"weekday":5,"start":"10:00","end":"12:30","mode":"remote"}]', 450, now(), 'bench' FROM workers`,
		`CREATE TEMP TABLE seed_jobs AS
		 SELECT w.id AS worker_id, gen_random_uuid() AS task_id, k,
		        (ARRAY['proofreading','data_entry','transcription','design','web','research'])[1 + (k + abs(hashtext(w.id::text))) % 6] AS type,
		        date '2024-12-01' + k * 15 AS on_date
		   FROM workers w, generate_series(0, 47) k`,
		`INSERT INTO client_tasks (id, type, client, created_at, created_by, expected_minutes, status, assignee)
		 SELECT task_id, type, '鎌倉商事', on_date, 'bench', 120, 'delivered', worker_id FROM seed_jobs`,
		`INSERT INTO task_requests (task_id, worker_id, requested_at, requested_by, answer, answered_at)
		 SELECT task_id, worker_id, on_date - 3, 'bench', 'accepted', on_date - 2 FROM seed_jobs`,
		`INSERT INTO task_deliveries (task_id, worker_id, type, delivered_on, minutes, estimate_minutes, output, quality, recorded_at, recorded_by)
		 SELECT task_id, worker_id, type, on_date, 90 + abs(hashtext(task_id::text)) % 60, 120,
		        10 + abs(hashtext(task_id::text || 'o')) % 20, 1 + abs(hashtext(task_id::text || 'q')) % 5, now(), 'bench'
		   FROM seed_jobs`,
		`INSERT INTO task_type_history (type, worker_id, jobs, recency_weight, last_on, output, output_minutes,
			estimated_minutes, taken_minutes, quality_sum, quality_n)
		 SELECT type, worker_id, count(*), sum(power(2, (delivered_on - date '2020-01-01') / 180.0)), max(delivered_on),
		        sum(output), sum(minutes), sum(estimate_minutes), sum(minutes), sum(quality), count(*)
		   FROM task_deliveries GROUP BY type, worker_id`,
		`UPDATE client_tasks SET status = 'assigned' WHERE id IN (SELECT task_id FROM seed_jobs WHERE k = 47 AND abs(hashtext(worker_id::text)) % 10 = 0)`,
		`INSERT INTO task_preferences (worker_id, likes, avoids, updated_at, updated_by)
		 SELECT id, ARRAY['proofreading'], ARRAY['design'], now(), 'bench' FROM workers WHERE abs(hashtext(id::text || 'p')) % 5 = 0`,
		`INSERT INTO absences (id, worker_id, on_date, kind, reported_at, reported_by)
		 SELECT gen_random_uuid(), id, date '2026-12-09', 'absent', now(), 'bench' FROM workers WHERE abs(hashtext(id::text || 'a')) % 5 = 0`,
		`ANALYZE`,
	} {
		_, err := conn.Exec(ctx, sql)
		require.NoError(b, err)
	}
}

// BenchmarkRankTask ranks one proofreading task over every active worker:
// the store's batch of reads and the domain's scoring, as GET
// /tasks/{id}/suggestions does. With IPPO_BENCH set (make bench) it seeds
// 12,000 workers with two years of history each (576,000 delivered tasks);
// otherwise 300, so a plain -bench run stays quick. It reports p50 and
// p99; no test asserts a timing.
func BenchmarkRankTask(b *testing.B) {
	n := 300
	if os.Getenv("IPPO_BENCH") != "" {
		n = 12_000
	}
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	db, err := postgres.Open(ctx, url)
	require.NoError(b, err)
	defer db.Close()
	seedMatching(b, url, n)

	today := ippo.NewDate(2026, 12, 1)
	task := ippo.MatchTask{Type: "proofreading", ExpectedMinutes: 600, Start: ippo.NewDate(2026, 12, 7), Due: ippo.NewDate(2026, 12, 20)}
	w := ippo.DefaultMatchPolicy()
	if os.Getenv("IPPO_BENCH_EXPLAIN") != "" {
		// IPPO_BENCH_EXPLAIN=file: the plan of one read (EXPLAIN ANALYZE,
		// BUFFERS), after a first read warms the cache as the loop does.
		_, err := db.MatchCandidates(ctx, task, today, today.AddDays(-w.FairnessDays).Start())
		require.NoError(b, err)
		plan, err := db.ExplainMatchCandidatesForTest(ctx, task, today.AddDays(-w.FairnessDays).Start())
		require.NoError(b, err)
		require.NoError(b, os.WriteFile(os.Getenv("IPPO_BENCH_EXPLAIN"), []byte(plan), 0o644))
	}
	lat := make([]time.Duration, 0, b.N)
	var read, rank []time.Duration
	var ranked []ippo.Suggestion
	for b.Loop() {
		start := time.Now()
		cands, err := db.MatchCandidates(ctx, task, today, today.AddDays(-w.FairnessDays).Start())
		if err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		ranked = ippo.Rank(task, cands, w, 16, today, 20) // the API's default page
		lat, read, rank = append(lat, time.Since(start)), append(read, mid.Sub(start)), append(rank, time.Since(mid))
	}
	require.Len(b, ranked, n)
	require.Positive(b, ranked[0].Score)
	require.NotEmpty(b, ranked[0].Terms[0].Reason)
	pct := func(xs []time.Duration, p int) float64 {
		slices.Sort(xs)
		return float64(xs[len(xs)*p/100].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 50), "p50-ms")
	b.ReportMetric(pct(lat, 99), "p99-ms")
	b.ReportMetric(pct(read, 50), "read-p50-ms")
	b.ReportMetric(pct(rank, 50), "rank-p50-ms")
}
