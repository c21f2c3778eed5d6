package api_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	ippoworker "github.com/ippo-center/ippo/worker"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The throughput benchmarks of issue 13 (make bench). Each measures Ippo
// and the minimum beside it in one run on the same servers and prints the
// ratio; nothing asserts a timing. Sizes come from the environment so the
// full figures can be run where there is room:
//
//	IPPO_BENCH_CLIENTS     concurrent clients (32)
//	IPPO_BENCH_P1_OPS      operations per side in P1 (320)
//	IPPO_BENCH_P2_REQUESTS requests per route in P2 (3200)
//	IPPO_BENCH_P3_WORKERS  workers imported in P3 (12000)
//	IPPO_BENCH_P3_MONTH    P3's compressed month (1h: a program day is 2 minutes)
//	IPPO_BENCH_P3_WINDOW   how long P3 watches extensions after the import (3m)
//	IPPO_BENCH_P3_RAW      raw starts P3 measures the import against (2000)
//	IPPO_BENCH_POOL        Ippo's pgx pool size (pgxpool's default: max(4, cores))
//	IPPO_BENCH_TEMPORAL    a Temporal frontend to use instead of the
//	                       servers the benchmarks start (P1: the dev server;
//	                       P3: the PostgreSQL-backed bin/temporal-server)

func benchInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchTuning is the worker tuning: DefaultTuning, changed by the
// variables ippo reads (IPPO_WORKER_*), so other settings can be measured.
func benchTuning() ippoworker.Tuning {
	t := ippoworker.DefaultTuning
	t.WorkflowPollers = benchInt("IPPO_WORKER_WORKFLOW_POLLERS", t.WorkflowPollers)
	t.ActivityPollers = benchInt("IPPO_WORKER_ACTIVITY_POLLERS", t.ActivityPollers)
	t.MaxConcurrentWorkflowTasks = benchInt("IPPO_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", t.MaxConcurrentWorkflowTasks)
	t.MaxConcurrentActivities = benchInt("IPPO_WORKER_MAX_CONCURRENT_ACTIVITIES", t.MaxConcurrentActivities)
	t.StickyCacheSize = benchInt("IPPO_WORKER_STICKY_CACHE_SIZE", t.StickyCacheSize)
	return t
}

// benchWorld is Ippo in process (API, worker, activities) on PostgreSQL
// and Temporal, and a worker for the trivial workflow the raw side runs.
type benchWorld struct {
	db     *postgres.DB
	url    string // the database, for the benchmark's own queries
	tc     client.Client
	srv    *api.Server
	h      http.Handler
	queue  string
	raw    string // the trivial workflow's task queue
	tokens map[string]string
	clock  ippo.Clock
}

// newBenchWorld runs Ippo on the Temporal frontend host (namespace ns).
func newBenchWorld(b *testing.B, clock ippo.Clock, host, ns string) *benchWorld {
	b.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	open := url
	if n := benchInt("IPPO_BENCH_POOL", 0); n > 0 {
		u, err := neturl.Parse(url)
		require.NoError(b, err)
		q := u.Query()
		q.Set("pool_max_conns", strconv.Itoa(n))
		u.RawQuery = q.Encode()
		open = u.String()
	}
	db, err := postgres.Open(ctx, open)
	require.NoError(b, err)
	b.Cleanup(db.Close)
	require.NoError(b, db.Seed(ctx))
	tc, err := client.Dial(client.Options{HostPort: host, Namespace: ns, Logger: tlog.NewStructuredLogger(quiet)})
	require.NoError(b, err)
	b.Cleanup(tc.Close)
	signer, err := links.NewSigner([]byte("bench-secret-that-is-long-enough-0123456789"))
	require.NoError(b, err)
	// Every step's email is composed and written to the outbox, as in
	// production (without a center the composition fails and is skipped).
	center := mail.Center{Name: "デジタル就労支援センターKAMAKURA", ShortName: "デジKAMA", Email: "digikama@example.jp"}
	acts := &activities.Activities{DB: db, Links: signer, PublicURL: "http://ippo.test", Clock: clock, Center: center}
	w := &benchWorld{db: db, url: url, tc: tc, queue: "bench-" + uuid.NewString(), raw: "bench-raw-" + uuid.NewString(), tokens: map[string]string{}, clock: clock}
	wk := ippoworker.New(tc, w.queue, acts, benchTuning())
	require.NoError(b, wk.Start())
	b.Cleanup(wk.Stop)
	rw := sdkworker.New(tc, w.raw, sdkworker.Options{})
	rw.RegisterWorkflowWithOptions(trivialWorkflow, workflow.RegisterOptions{Name: "BenchTrivial"})
	require.NoError(b, rw.Start())
	b.Cleanup(rw.Stop)

	w.srv = &api.Server{DB: db, Temporal: tc, TaskQueue: w.queue, Log: quiet, RatePerSecond: 1e9, RateBurst: 1 << 30}
	w.h, err = w.srv.Handler()
	require.NoError(b, err)
	w.srv.Start(clock)
	for _, role := range []string{"admin", "staff", "viewer"} {
		secret := api.NewTokenSecret()
		_, err := db.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: role, Role: role, CreatedBy: "bench"}, secret)
		require.NoError(b, err)
		w.tokens[role] = secret
	}
	// Room for every worker the benchmark signs.
	p, err := db.PolicyAt(ctx, clock.Today(time.Now()))
	require.NoError(b, err)
	p.Capacity = 10000
	code, body := w.call("admin", "PUT", "/api/v1/policy", map[string]any{"effective_from": clock.Today(time.Now()).String(), "policy": p})
	require.Equal(b, 200, code, body)
	return w
}

// settle waits until the lifecycle of every worker in ids has recorded
// its application, and returns how long that took.
func (w *benchWorld) settle(b *testing.B, ids []string) time.Duration {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, w.url)
	require.NoError(b, err)
	defer conn.Close(ctx)
	t0 := time.Now()
	for {
		var n int
		require.NoError(b, conn.QueryRow(ctx, `SELECT count(*) FROM worker_events WHERE kind = 'applied' AND worker_id = ANY($1::uuid[])`, ids).Scan(&n))
		if n == len(ids) {
			return time.Since(t0)
		}
		require.Less(b, time.Since(t0), 5*time.Minute, "%d of %d applications recorded", n, len(ids))
		time.Sleep(20 * time.Millisecond)
	}
}

// trivialWorkflow is the minimum the raw side runs: it answers one Update
// and waits.
func trivialWorkflow(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, "ping", func(ctx workflow.Context) (int, error) { return 1, nil }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return false })
}

func (w *benchWorld) call(role, method, path string, body any) (int, string) {
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[role])
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// loadResult is what a load run measured.
type loadResult struct {
	n         int
	took      time.Duration
	lat       []time.Duration
	failures  int
	serverErr int   // 5xx answers
	firstErr  error // the first failure, to say why
}

func (r loadResult) rate() float64 { return float64(r.n) / r.took.Seconds() }
func (r loadResult) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)*p/100, len(r.lat)-1)]
}

// load runs op(i) for i in [0, n) on clients goroutines.
func load(n, clients int, op func(i int) (status int, err error)) loadResult {
	var (
		next atomic.Int64
		mu   sync.Mutex
		res  = loadResult{n: n, lat: make([]time.Duration, 0, n)}
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				status, err := op(i)
				d := time.Since(t0)
				mu.Lock()
				res.lat = append(res.lat, d)
				if err != nil {
					res.failures++
					if res.firstErr == nil {
						res.firstErr = err
					}
				}
				if status >= 500 {
					res.serverErr++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.took = time.Since(start)
	slices.Sort(res.lat)
	return res
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func printRow(name string, ippoR, rawR loadResult) {
	defer func() {
		for _, r := range []loadResult{ippoR, rawR} {
			if r.firstErr != nil {
				msg := r.firstErr.Error()
				fmt.Printf("    first failure: %s\n", msg[:min(len(msg), 300)])
			}
		}
	}()
	fmt.Printf("  %-22s ippo %7.1f/s p50 %7s p99 %7s ms (failed %d, 5xx %d) | raw %7.1f/s p50 %7s p99 %7s ms | rate ratio %.2f×\n",
		name, ippoR.rate(), ms(ippoR.pct(50)), ms(ippoR.pct(99)), ippoR.failures, ippoR.serverErr,
		rawR.rate(), ms(rawR.pct(50)), ms(rawR.pct(99)), ippoR.rate()/rawR.rate())
}

func okStatus(want int) func(int, string) (int, error) {
	return func(code int, body string) (int, error) {
		if code != want {
			return code, fmt.Errorf("%d: %s", code, body)
		}
		return code, nil
	}
}

// BenchmarkP1Steps: intake, approval and signing through the API against
// the raw SDK doing the minimum (a start; one Update on a trivial
// workflow), 32 clients each side.
func BenchmarkP1Steps(b *testing.B) {
	clients, n := benchInt("IPPO_BENCH_CLIENTS", 32), benchInt("IPPO_BENCH_P1_OPS", 320)
	host := os.Getenv("IPPO_BENCH_TEMPORAL")
	if host == "" {
		host = temporaltest.Server(b).FrontendHostPort()
	}
	w := newBenchWorld(b, ippo.Clock{}, host, "default")
	ctx := context.Background()
	for b.Loop() {
		run := uuid.NewString()[:8]
		ids := make([]string, n)
		intake := load(n, clients, func(i int) (int, error) {
			code, body := w.call("staff", "POST", "/api/v1/applicants", testkit.Applicant(fmt.Sprintf("p1-%s-%05d@example.jp", run, i)))
			var created struct{ ID string }
			if code == 201 && json.Unmarshal([]byte(body), &created) == nil {
				ids[i] = created.ID
			}
			return okStatus(201)(code, body)
		})
		starts := load(n, clients, func(i int) (int, error) {
			_, err := w.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench/%s/%d", run, i), TaskQueue: w.raw}, "BenchTrivial")
			return 0, err
		})
		// The intake's own work goes on after its answer (the lifecycle's
		// first task records the application and queues its email): let
		// it finish, and say how long it took, so the approvals measure
		// the approval and not the intake's backlog.
		settled := w.settle(b, ids)
		update := func(i int) (int, error) {
			h, err := w.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: fmt.Sprintf("bench/%s/%d", run, i),
				UpdateName: "ping", WaitForStage: client.WorkflowUpdateStageCompleted})
			if err == nil {
				err = h.Get(ctx, nil)
			}
			return 0, err
		}
		approve := load(n, clients, func(i int) (int, error) {
			return okStatus(200)(w.call("staff", "POST", "/api/v1/workers/"+ids[i]+"/eligibility", map[string]any{"decision": "approve"}))
		})
		pings := load(n, clients, update)
		sign := load(n, clients, func(i int) (int, error) {
			return okStatus(200)(w.call("staff", "POST", "/api/v1/workers/"+ids[i]+"/contract", map[string]any{}))
		})
		pings2 := load(n, clients, update)
		fmt.Printf("P1 (%d operations a side, %d clients, pgx pool %s)\n", n, clients, cmp.Or(os.Getenv("IPPO_BENCH_POOL"), "default"))
		printRow("intake vs start", intake, starts)
		fmt.Printf("  %-22s every application recorded %.1f s after the last intake answered\n", "", settled.Seconds())
		printRow("approve vs update", approve, pings)
		printRow("sign vs update", sign, pings2)
		b.ReportMetric(intake.rate()/starts.rate(), "intake-ratio")
		b.ReportMetric(approve.rate()/pings.rate(), "approve-ratio")
		b.ReportMetric(sign.rate()/pings2.rate(), "sign-ratio")
		b.ReportMetric(float64(sign.pct(99).Milliseconds()), "sign-p99-ms")
	}
}

// BenchmarkP2Reads: GET /workers/{id}, ?phase=active and ?q= p99 against
// /healthz p99 under the same load, over 12,000 workers.
func BenchmarkP2Reads(b *testing.B) {
	clients, n := benchInt("IPPO_BENCH_CLIENTS", 32), benchInt("IPPO_BENCH_P2_REQUESTS", 3200)
	h, secret, ids := readsServer(b)
	get := func(path string) (int, error) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			return rec.Code, fmt.Errorf("%s: %d", path, rec.Code)
		}
		return rec.Code, nil
	}
	for b.Loop() {
		health := load(n, clients, func(int) (int, error) { return get("/healthz") })
		routes := []struct {
			name string
			path func(i int) string
		}{
			{"GET /workers/{id}", func(i int) string { return "/api/v1/workers/" + ids[i%len(ids)] }},
			{"?phase=active", func(int) string { return "/api/v1/workers?phase=active&limit=50" }},
			{"?q=", func(i int) string { return fmt.Sprintf("/api/v1/workers?q=worker%04d&limit=50", i%12000) }},
		}
		fmt.Printf("P2 (12,000 workers, %d requests a route, %d clients): /healthz p50 %s p99 %s ms\n", n, clients, ms(health.pct(50)), ms(health.pct(99)))
		for _, r := range routes {
			res := load(n, clients, func(i int) (int, error) { return get(r.path(i)) })
			ratio := float64(res.pct(99)) / float64(health.pct(99))
			fmt.Printf("  %-18s p50 %7s p99 %7s ms (failed %d) | p99 ratio to /healthz %.2f×\n", r.name, ms(res.pct(50)), ms(res.pct(99)), res.failures, ratio)
			b.ReportMetric(ratio, strings.NewReplacer(" ", "", "/", "", "{", "", "}", "", "?", "", "=", "").Replace(r.name)+"-p99-ratio")
		}
	}
}

// BenchmarkP3ImportAndMonth: on the production-shaped Temporal server
// (v1.29.1 on this PostgreSQL, started here unless IPPO_BENCH_TEMPORAL names
// one), raw starts of a trivial workflow at the import's parallelism, then
// the import of N workers (rows a second against those starts a second),
// then a window of the compressed month after the import: how late each
// extension due in the window came after its instant, how many were due
// and seen, and the memory of this process (Ippo's API and worker) and of
// the Temporal server.
//
// The imported terms end over the 27 program days after the file's date (a
// center's three-month terms, a third of them ending within a month, at
// three times that density): with the default month of an hour, about 440
// extensions a program day of two minutes, so a three-minute window holds
// several hundred. Extensions whose instant passed during the import are
// reported apart: their lag is the import's, not the timers'.
func BenchmarkP3ImportAndMonth(b *testing.B) {
	n := benchInt("IPPO_BENCH_P3_WORKERS", 12000)
	rawN := benchInt("IPPO_BENCH_P3_RAW", 2000)
	month, window := time.Hour, 3*time.Minute
	if d, err := time.ParseDuration(os.Getenv("IPPO_BENCH_P3_MONTH")); err == nil && d > 0 {
		month = d
	}
	if d, err := time.ParseDuration(os.Getenv("IPPO_BENCH_P3_WINDOW")); err == nil && d > 0 {
		window = d
	}
	host, ns, serverPID := os.Getenv("IPPO_BENCH_TEMPORAL"), "default", 0
	if host == "" {
		c := temporaltest.StartCluster(b, "ippo-bench")
		host, ns, serverPID = c.Address, c.Namespace, c.PID
	}
	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: month}
	w := newBenchWorld(b, clock, host, ns)
	ctx := context.Background()
	a := &app.App{DB: w.db, Temporal: w.tc, TaskQueue: w.queue, Clock: clock, Log: quiet}
	const parallel = 8
	for b.Loop() {
		run := uuid.NewString()[:8]
		raw := load(rawN, parallel, func(i int) (int, error) {
			_, err := w.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-p3/%s/%d", run, i), TaskQueue: w.raw}, "BenchTrivial")
			return 0, err
		})

		today := clock.Today(time.Now())
		var sb strings.Builder
		sb.WriteString("氏名,メールアドレス,市区町村コード,区分,ひきこもり開始日,支援機関,同意日,同意文言の版,契約日,現在の期間の開始日,現在の期間の終了日,延長回数,週の予定\n")
		var instants []time.Time // each worker's next extension
		for i := range n {
			end := today.AddDays(1 + i%27)
			instants = append(instants, clock.Real(end.AddDays(1).Start()))
			fmt.Fprintf(&sb, "ワーカー %05d,p3-%s-%05d@example.jp,14204,ひきこもり,2024-01-01,福祉課,%s,2025-04,%s,%s,%s,1,月 10:00-12:00 在宅\n",
				i, run, i, today.AddDays(-200), today.AddDays(-200), today.AddDays(-30), end)
		}
		t0 := time.Now()
		res, err := a.Import(ctx, app.Actor{ID: "bench"}, []byte(sb.String()), app.ImportOptions{Parallel: parallel})
		took := time.Since(t0)
		require.NoError(b, err)
		require.Equal(b, n, res.Imported, "%v", res.Problems)
		importRate := float64(n) / took.Seconds()
		from, to := time.Now(), time.Now().Add(window)
		due := 0
		for _, at := range instants {
			if !at.Before(from) && at.Before(to) {
				due++
			}
		}

		// Watch the window, then give the last ones due a few seconds.
		time.Sleep(time.Until(to.Add(5 * time.Second)))
		self := rssMB(os.Getpid())
		server := rssMB(serverPID)
		if serverPID == 0 {
			server = childrenRSSMB()
		}
		conn, err := pgx.Connect(ctx, w.url)
		require.NoError(b, err)
		inWindow, duringImport := extensionLags(b, conn, clock, from, to)
		// What the lifecycles recorded from the import's start to now: the
		// work the server did besides the extensions (reminders, the first
		// step of each imported lifecycle, …).
		var kinds []string
		rows, err := conn.Query(ctx, `SELECT kind || ' ' || count(*) FROM worker_events WHERE at >= $1 GROUP BY kind ORDER BY count(*) DESC`, t0)
		require.NoError(b, err)
		kinds, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(b, err)
		conn.Close(ctx)
		fmt.Printf("P3 (%d workers imported, %d at once; a month of %s; a window of %s after the import; Temporal %s)\n",
			n, parallel, month, window, map[bool]string{true: "server v1.29.1 on PostgreSQL", false: host}[serverPID != 0])
		fmt.Printf("  import %.1f rows/s (%.1f s) | raw starts %.1f/s (%d, p99 %s ms) | ratio %.2f×\n",
			importRate, took.Seconds(), raw.rate(), rawN, ms(raw.pct(99)), importRate/raw.rate())
		fmt.Printf("  extensions due in the window %d, seen %d | lag p50 %s p99 %s max %s ms\n",
			due, len(inWindow), ms(pctOf(inWindow, 50)), ms(pctOf(inWindow, 99)), ms(pctOf(inWindow, 100)))
		fmt.Printf("  extensions due during the import %d | lag p50 %s p99 %s max %s ms\n",
			len(duringImport), ms(pctOf(duringImport, 50)), ms(pctOf(duringImport, 99)), ms(pctOf(duringImport, 100)))
		fmt.Printf("  steps recorded since the import began: %s\n", strings.Join(kinds, ", "))
		fmt.Printf("  RSS: this process (Ippo API + worker + the benchmark) %.0f MB; the Temporal server %.0f MB\n", self, server)
		b.ReportMetric(importRate/raw.rate(), "import-ratio")
		b.ReportMetric(float64(pctOf(inWindow, 99).Milliseconds()), "ext-lag-p99-ms")
		b.ReportMetric(self, "ippo-rss-MB")
	}
}

func pctOf(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)*p/100, len(ds)-1)]
}

// extensionLags is, for each extension recorded, how long after its real
// instant (the start of the new term on the program clock) it was
// recorded: those whose instant lies in [from, to), and those before from.
func extensionLags(b *testing.B, conn *pgx.Conn, clock ippo.Clock, from, to time.Time) (inWindow, before []time.Duration) {
	rows, err := conn.Query(context.Background(), `SELECT at, data->>'term_start' FROM worker_events WHERE kind = 'contract_extended'`)
	require.NoError(b, err)
	defer rows.Close()
	for rows.Next() {
		var (
			at    time.Time
			start string
		)
		require.NoError(b, rows.Scan(&at, &start))
		d, err := ippo.ParseDate(start)
		require.NoError(b, err)
		instant := clock.Real(d.Start())
		switch {
		case instant.Before(from):
			before = append(before, at.Sub(instant))
		case instant.Before(to):
			inWindow = append(inWindow, at.Sub(instant))
		}
	}
	require.NoError(b, rows.Err())
	slices.Sort(inWindow)
	slices.Sort(before)
	return inWindow, before
}

// rssMB reads a process's resident memory from /proc (0 if it is gone).
func rssMB(pid int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// childrenRSSMB is the resident memory of this process's children (the
// dev server the tests started).
func childrenRSSMB() float64 {
	me := strconv.Itoa(os.Getpid())
	var total float64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so cut at the last ')'.
		s := string(stat)
		if f := strings.Fields(s[strings.LastIndex(s, ")")+1:]); len(f) > 1 && f[1] == me {
			if pid, err := strconv.Atoi(e.Name()); err == nil {
				total += rssMB(pid)
			}
		}
	}
	return total
}
