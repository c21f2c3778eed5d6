package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/mail/sendgridfake"
	"github.com/ippo-center/ippo/workflows"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestChaos runs 30 compressed lifecycles of the real binary on its own
// Temporal dev server (persisted to a file, so it survives its restart)
// and its own PostgreSQL cluster, while it kills ippo with SIGKILL three
// times, restarts Temporal and PostgreSQL once each, and makes SendGrid
// answer 500/429 for a while; opt-outs (through the emails' links) and
// center notices are sent during the faults. Its oracle: every extension
// that fell due happened, none after a timely opt-out or notice, every
// lifecycle email (reminders and terms) and every monthly statement was
// delivered exactly once, and every closed month's city report was sent
// once. It prints the extensions due and seen, and their lag.
func TestChaos(t *testing.T) {
	cli := os.Getenv("IPPO_TEMPORAL_CLI")
	if cli == "" {
		if os.Getenv("IPPO_TEST_REQUIRE_INFRA") != "" {
			t.Fatal("IPPO_TEMPORAL_CLI is not set; run the tests with `make test`")
		}
		t.Skip("IPPO_TEMPORAL_CLI is not set")
	}
	const (
		workers     = 30
		monthLength = 6 * time.Second // a program day is 200 ms
		window      = 100 * time.Second
	)
	pg := startOwnPostgres(t)
	tmp := newTemporal(t, cli)
	sg := sendgridfake.StartTest(t, "SG.chaos-key")

	dbURL := pg.url("ippo")
	for _, sub := range []string{"migrate", "seed"} {
		cmd := exec.Command(ippoBinary(t), sub)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "ippo %s: %s", sub, out)
	}
	p := start(t, options{monthLength: monthLength.String(), temporal: tmp.addr, databaseURL: dbURL, env: []string{
		"SENDGRID_API_KEY=SG.chaos-key", "SENDGRID_API_HOST=" + sg.URL,
		"SENDGRID_WEBHOOK_PUBLIC_KEY=" + sg.Fake.WebhookPublicKey(),
	}})
	// SendGrid's Event Webhook tells ippo what it took: an email whose
	// answer a SIGKILL cut off (unknown) becomes delivered.
	sg.Fake.AutoEvents(p.base+"/webhooks/sendgrid", "processed", "delivered")
	clock := readClock(t, dbURL)
	noticeDays := int(p.do("GET", "/api/v1/policy", nil, http.StatusOK)["in_force"].(map[string]any)["notice_days"].(float64))

	// 30 workers under contract; a third will opt out or get the center's
	// notice during the faults.
	type worker struct {
		id       string
		signedOn ippo.Date
		firstEnd ippo.Date
		// endsOn is where the contract must end (zero: it extends);
		// endsEither allows the other answer when the submission fell on
		// a term's last instant.
		endsOn, endsEither ippo.Date
		how                string
		// from and to are the program days the test's attempts spanned:
		// read before the first and after the last (the server's recorded
		// notice day must lie between them).
		from, to ippo.Date
	}
	ws := make([]*worker, workers)
	// A failure keeps every lifecycle's Temporal history (each run's
	// events, payloads decoded), to read beside the timelines it kept.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, w := range ws {
			if w != nil {
				keepHistory(t, tmp.addr, workflows.WorkerWorkflowID(w.id))
			}
		}
	})
	for i := range ws {
		id := p.do("POST", "/api/v1/applicants", applicant(fmt.Sprintf("chaos%02d@example.jp", i)), http.StatusCreated)["id"].(string)
		p.do("POST", "/api/v1/workers/"+id+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
		r := p.do("POST", "/api/v1/workers/"+id+"/contract", map[string]any{}, http.StatusOK)
		ws[i] = &worker{id: id, signedOn: date(t, r["term_start"]), firstEnd: date(t, r["term_end"])}
	}
	termEnds := func(w *worker, n int) []ippo.Date {
		ends := []ippo.Date{w.firstEnd}
		for len(ends) < n {
			ends = append(ends, ippo.AddMonthsCivil(ends[len(ends)-1].AddDays(1), 3))
		}
		return ends
	}
	endOn := func(w *worker, d ippo.Date) ippo.Date { // the term end current on d
		for _, e := range termEnds(w, 64) {
			if !e.Before(d) {
				return e
			}
		}
		return ippo.Date{}
	}

	var pgDown faultWindows // when PostgreSQL was stopped
	t0 := time.Now()
	at := func(d time.Duration) { time.Sleep(time.Until(t0.Add(d))) }
	var wg sync.WaitGroup
	// The worker's side: opt out through the latest contract-terms email's
	// link, retrying through the faults as a person would.
	optOut := func(w *worker) {
		defer wg.Done()
		var last string
		first := clock.Today(time.Now())
		for attempt := 0; attempt < 600; attempt++ {
			link := p.latestOptOutLink(w.id)
			if link == "" {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			before := clock.Today(time.Now())
			status, page := tryBrowse(http.MethodGet, link, nil)
			if status == http.StatusOK {
				status, page = tryBrowse(http.MethodPost, link, url.Values{})
			}
			after := clock.Today(time.Now())
			if status == http.StatusOK || strings.Contains(page, "お申し出は届いています") {
				// A claim taken over after a crash keeps the first
				// attempt's submission time, so the server may count from
				// an earlier attempt than this one: the oracle below
				// judges the end from the day the server recorded.
				w.endsOn, w.endsEither, w.how, w.from, w.to = endOn(w, before), endOn(w, after), "opt-out", first, after
				return
			}
			if status == http.StatusGone || strings.Contains(page, "使用済み") {
				// An earlier attempt was taken (its answer was cut off by a
				// SIGKILL): the opt-out counts from the first try, or from
				// a later one if that one was the first to arrive.
				st, ok := p.readThroughRestart("/api/v1/workers/"+w.id, &pgDown)
				if !ok {
					return
				}
				if st["ends_on"] != nil {
					w.endsOn, w.endsEither, w.how, w.from, w.to = endOn(w, first), endOn(w, after), "opt-out (answer lost)", first, after
					return
				}
			}
			last = fmt.Sprintf("%d %s", status, pageText(page))
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("worker %s could not opt out: %s", w.id, last)
	}
	// The center's notice: for the current term if still in time, else
	// the earliest end the API names.
	notice := func(w *worker) {
		defer wg.Done()
		key, body := uuid.NewString(), map[string]any{"by": "center", "reason": "事業計画の見直しのため"}
		var last string
		lost := false // an attempt's answer was cut off: it may have been applied
		first := clock.Today(time.Now())
		for attempt := 0; attempt < 600; attempt++ {
			status, b := p.raw("POST", "/api/v1/workers/"+w.id+"/contract/non-renewal", body, true, "Idempotency-Key", key)
			var r map[string]any
			_ = json.Unmarshal(b, &r)
			switch {
			case status == http.StatusOK:
				ends, err := ippo.ParseDate(fmt.Sprint(r["ends_on"]))
				if err != nil {
					t.Errorf("notice for %s: ends_on: %v: %s", w.id, err, b)
					return
				}
				w.endsOn, w.endsEither, w.how, w.from, w.to = ends, ends, "notice", first, clock.Today(time.Now())
				return
			case status == http.StatusConflict && r["earliest_end_date"] != nil:
				key, body["ends_on"] = uuid.NewString(), r["earliest_end_date"]
			case status == http.StatusUnprocessableEntity && body["ends_on"] != nil:
				// the contract extended between the answer and the retry: ask afresh
				key = uuid.NewString()
				delete(body, "ends_on")
			case status == http.StatusConflict && strings.Contains(fmt.Sprint(r["detail"]), "still being processed"):
				// the first attempt's request was cut off: its key is taken over after a minute
			case status == http.StatusConflict && lost:
				// An earlier attempt whose answer was lost (ippo killed,
				// Temporal restarting) was applied, and the contract has
				// ended or is ending by it since: the timeline says so.
				// The oracle below checks that end from its notice day.
				if ends, ok := p.recordedCenterNotice(w.id); ok {
					w.endsOn, w.endsEither, w.how, w.from, w.to = ends, ends, "notice (answer lost)", first, clock.Today(time.Now())
					return
				}
				t.Errorf("notice for %s refused: %s", w.id, b)
				return
			case status == http.StatusConflict:
				t.Errorf("notice for %s refused: %s", w.id, b)
				return
			}
			if status == 0 || status >= 500 || (status == http.StatusConflict && strings.Contains(fmt.Sprint(r["detail"]), "still being processed")) {
				lost = true
			}
			last = fmt.Sprintf("%d %s", status, b)
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("worker %s got no notice: %s", w.id, last)
	}

	at(10 * time.Second)
	sg.Fake.Outage(http.StatusInternalServerError, http.StatusTooManyRequests)
	for _, w := range ws[0:5] {
		wg.Add(1)
		go optOut(w)
	}
	at(18 * time.Second)
	p.kill()
	at(20 * time.Second)
	p.restart()
	at(25 * time.Second)
	sg.Fake.Outage()
	at(30 * time.Second)
	tmp.stop()
	for _, w := range ws[5:10] {
		wg.Add(1)
		go notice(w)
	}
	at(33 * time.Second)
	tmp.start()
	at(45 * time.Second)
	p.kill()
	at(47 * time.Second)
	p.restart()
	at(55 * time.Second)
	pgDown.begin()
	pg.stop()
	for _, w := range ws[10:13] {
		wg.Add(1)
		go optOut(w)
	}
	at(58 * time.Second)
	pg.start()
	p.endWhenReady(&pgDown, p.done)
	at(65 * time.Second)
	p.kill()
	at(66 * time.Second)
	p.restart()
	at(70 * time.Second)
	sg.Fake.Outage(http.StatusTooManyRequests)
	at(80 * time.Second)
	sg.Fake.Outage()
	wg.Wait()
	at(window)
	end := clock.Today(time.Now())

	// Every contract that extends has extended at each term start up to
	// the last day observed (one day of slack for the step in flight).
	due, seen := 0, 0
	var lags []time.Duration
	dayReal := monthLength / 30
	var behind string
	defer func() {
		if t.Failed() && behind != "" {
			t.Log("behind: " + behind)
		}
	}()
	p.eventually(60*time.Second, "the lifecycles to catch up", func() bool {
		for _, w := range ws {
			if w.endsOn.IsZero() {
				starts := 0
				for _, e := range termEnds(w, 64) {
					if e.AddDays(1).Before(end) {
						starts++
					}
				}
				st := p.do("GET", "/api/v1/workers/"+w.id, nil, http.StatusOK)
				if n := int(st["extensions"].(float64)); n < starts {
					behind = fmt.Sprintf("worker %s: %d of %d extensions by %s: %v; timeline %v", w.id, n, starts, end, st, p.timelineKinds(w.id))
					return false
				}
			}
		}
		behind = ""
		return true
	})
	for _, w := range ws {
		st := p.do("GET", "/api/v1/workers/"+w.id, nil, http.StatusOK)
		var extended []ippo.Date
		for _, it := range p.do("GET", "/api/v1/workers/"+w.id+"/timeline", nil, http.StatusOK)["items"].([]any) {
			e := it.(map[string]any)
			if e["kind"] != "contract_extended" {
				continue
			}
			data := e["data"].(map[string]any)
			start := date(t, data["term_start"])
			extended = append(extended, start)
			if start.Before(end) {
				seen++ // due and seen are counted over the same days
			}
			programAt, err := time.Parse(time.RFC3339Nano, e["program_at"].(string))
			require.NoError(t, err)
			lags = append(lags, time.Duration(float64(programAt.Sub(start.Start()))/float64(24*time.Hour)*float64(dayReal)))
		}
		if w.endsOn.IsZero() {
			for _, e := range termEnds(w, 64) {
				if e.AddDays(1).Before(end) {
					due++
				}
			}
			require.Equal(t, ippo.PhaseActive, ippo.Phase(st["phase"].(string)), "worker %s", w.id)
			continue
		}
		// An opt-out or notice: the contract ends where the rule puts it
		// from the day the server recorded the notice (its submission
		// day, which may be an earlier attempt's than the one answered),
		// that day lies within the test's attempts, and no extension
		// starts after the end.
		ends := date(t, st["contract_end"])
		if st["ends_on"] != nil { // the end a notice set, maybe a later term's
			ends = date(t, st["ends_on"])
		}
		noticeOn, recordedEnd := recordedNotice(t, p, w.id)
		require.False(t, noticeOn.Before(w.from) || noticeOn.After(w.to),
			"worker %s (%s): notice recorded on %s, outside the attempts' days %s–%s", w.id, w.how, noticeOn, w.from, w.to)
		require.Equal(t, recordedEnd, ends, "worker %s (%s): the timeline's end and the standing's", w.id, w.how)
		if strings.HasPrefix(w.how, "notice") {
			// The center's notice: the answer's end, which is the first
			// term end at least notice_days after the notice day.
			require.Equal(t, w.endsOn, ends, "worker %s (%s) ends %s, answered %s", w.id, w.how, ends, w.endsOn)
			require.Equal(t, endOn(w, noticeOn.AddDays(noticeDays)), ends, "worker %s (%s) noticed on %s ends %s", w.id, w.how, noticeOn, ends)
		} else {
			// The worker's opt-out stops the next extension: the contract
			// ends with the term current on the day it was submitted.
			if endOn(w, noticeOn) != ends {
				timeline, _ := json.MarshalIndent(p.do("GET", "/api/v1/workers/"+w.id+"/timeline", nil, http.StatusOK), "", "  ")
				keepOutput(t, "timeline-"+w.id+".json", timeline)
			}
			require.Equal(t, endOn(w, noticeOn), ends, "worker %s (%s) opted out on %s ends %s (test's reading: %s or %s)", w.id, w.how, noticeOn, ends, w.endsOn, w.endsEither)
		}
		for _, s := range extended {
			require.False(t, s.After(ends), "worker %s (%s) extended on %s after its end %s", w.id, w.how, s, ends)
		}
		for _, e := range termEnds(w, 64) {
			if e.Before(ends) && e.AddDays(1).Before(end) {
				due++
			}
		}
		if !ends.After(end.AddDays(-1)) {
			require.Equal(t, ippo.PhaseEnded, ippo.Phase(st["phase"].(string)), "worker %s (%s)", w.id, w.how)
		}
	}
	require.Equal(t, due, seen, "extensions due and seen")

	// Emails: every one the lifecycles and the closes wrote was delivered,
	// each exactly once; every closed month's report went once.
	got := map[string]int{}
	for _, m := range sg.Fake.Messages() {
		got[m.CustomArgs["ippo_outbox_id"]]++
	}
	for id, n := range got {
		require.Equal(t, 1, n, "email %s sent %d times", id, n)
	}
	// (Read from the database: polling the API for 30 workers would meet
	// its rate limit.)
	var byTemplate map[string]int
	unknown := 0
	// An email claimed just before a SIGKILL stays "sending" until the
	// dispatcher's sweep calls it unknown (its stale time, two minutes,
	// plus a sweep period), and the same worker's later emails wait
	// behind it to keep their order: wait past that.
	p.eventually(4*time.Minute, "every email sent", func() bool {
		got = map[string]int{}
		for _, m := range sg.Fake.Messages() {
			got[m.CustomArgs["ippo_outbox_id"]]++
		}
		byTemplate = map[string]int{}
		unknown = 0
		for _, e := range workerEmails(t, dbURL, t0.Add(window)) { // the lifecycles write more meanwhile
			if e.status == ippo.EmailFailed {
				t.Fatalf("email %s (%s) is %s: %s", e.id, e.template, e.status, e.lastError)
			}
			if e.status == ippo.EmailUnknown && got[e.id] == 0 && e.todo {
				// A send a SIGKILL cut off between its claim and SendGrid's
				// answer, which SendGrid never took (it would have told the
				// webhook): by design never resent, surfaced to staff.
				unknown++
				byTemplate[e.template+" (unknown)"]++
				continue
			}
			if got[e.id] != 1 || e.status != ippo.EmailDelivered {
				behind = fmt.Sprintf("email %s (%s) is %s, sent %d times: %s", e.id, e.template, e.status, got[e.id], e.lastError)
				return false
			}
			byTemplate[e.template]++
		}
		behind = ""
		return true
	})
	// Unknown must be rare: at most the sends in flight at the three
	// SIGKILLs (the dispatcher sends 8 at once and claims no more).
	require.LessOrEqual(t, unknown, 3*8, "emails left unknown by an interrupted send")
	if t.Failed() {
		return
	}
	// Reports: each month closed a while ago (its report, or the next
	// month's catch-up, has had time) was reported once.
	var closed []ippo.YearMonth
	reports := 0
	p.eventually(90*time.Second, "a report for every closed month", func() bool {
		got = map[string]int{}
		for _, m := range sg.Fake.Messages() {
			got[m.CustomArgs["ippo_outbox_id"]]++
		}
		closed = closedMonths(t, dbURL, time.Now().Add(-2*monthLength))
		reports = 0
		for _, m := range closed {
			if got[activities.OutboxID(activities.CityReportKey(m))] == 1 {
				reports++
			}
		}
		return reports == len(closed)
	})
	require.GreaterOrEqual(t, len(closed), 5, "the months of the window closed (about 16; fewer on a loaded machine)")
	require.Positive(t, byTemplate["extension_reminder"])
	require.Positive(t, byTemplate["monthly_statement"])

	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	pct := func(q float64) time.Duration {
		if len(lags) == 0 {
			return 0
		}
		return lags[min(len(lags)-1, int(q*float64(len(lags))))]
	}
	t.Logf("chaos: %d lifecycles, extensions due %d, seen %d; lag p50 %s p99 %s max %s; emails %v; %d months closed, %d reports",
		workers, due, seen, pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond),
		byTemplate, len(closed), reports)
	fmt.Printf("CHAOS FIGURES: lifecycles=%d extensions_due=%d extensions_seen=%d lag_p50=%s lag_p99=%s lag_max=%s reports=%d/%d unknown_emails=%d\n",
		workers, due, seen, pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond), reports, len(closed), unknown)
}

// keepHistory keeps the history of every run of a workflow on the dev
// server at addr, as JSON lines with payloads decoded, under .test-output.
func keepHistory(t *testing.T, addr, workflowID string) {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: addr})
	if err != nil {
		t.Logf("keep history of %s: %v", workflowID, err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = '%s'", workflowID),
	})
	if err != nil {
		t.Logf("keep history of %s: %v", workflowID, err)
		return
	}
	var out bytes.Buffer
	codec := temporaltest.Codec()
	for _, ex := range resp.Executions {
		it := c.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, 0)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Logf("keep history of %s: %v", workflowID, err)
				break
			}
			_ = decodeEvent(ctx, codec, e) // an undecodable payload is kept as stored
			b, _ := protojson.Marshal(e)
			fmt.Fprintf(&out, "%s %s\n", ex.Execution.RunId, b)
		}
	}
	keepOutput(t, "history-"+strings.ReplaceAll(workflowID, "/", "-")+".jsonl", out.Bytes())
}

// recordedNotice is the day the worker's opt-out or the center's notice
// counts from and the end it set, as the lifecycle recorded them on the
// timeline (there must be exactly one such step).
func recordedNotice(t *testing.T, p *instance, id string) (noticeOn, endsOn ippo.Date) {
	t.Helper()
	found := 0
	for _, it := range p.do("GET", "/api/v1/workers/"+id+"/timeline", nil, http.StatusOK)["items"].([]any) {
		e := it.(map[string]any)
		if e["kind"] != "opted_out" && e["kind"] != "non_renewal_given" {
			continue
		}
		data := e["data"].(map[string]any)
		on := data["notice_on"]
		if on == nil {
			on = data["submitted_on"] // an opt-out applied after the extension it declined
		}
		noticeOn, endsOn = date(t, on), date(t, data["ends_on"])
		found++
	}
	require.Equal(t, 1, found, "worker %s: opt-outs and notices on the timeline", id)
	return noticeOn, endsOn
}

// recordedCenterNotice is the end a center's notice on the worker's
// timeline set (from a goroutine of the test: no require).
func (p *instance) recordedCenterNotice(id string) (ippo.Date, bool) {
	st, ok := p.readThroughRestart("/api/v1/workers/"+id+"/timeline", nil)
	if !ok {
		return ippo.Date{}, false
	}
	items, _ := st["items"].([]any)
	for _, it := range items {
		e, _ := it.(map[string]any)
		if e["kind"] != "non_renewal_given" {
			continue
		}
		data, _ := e["data"].(map[string]any)
		if d, err := ippo.ParseDate(fmt.Sprint(data["ends_on"])); err == nil {
			return d, true
		}
	}
	return ippo.Date{}, false
}

// pageText is a link page's title and paragraphs, for a failure message.
func pageText(page string) string {
	var out []string
	for _, m := range regexp.MustCompile(`<(?:h1|p)[^>]*>([^<]*)<`).FindAllStringSubmatch(page, 4) {
		out = append(out, m[1])
	}
	if len(out) == 0 && len(page) > 200 {
		return page[:200]
	}
	if len(out) == 0 {
		return page
	}
	return strings.Join(out, " / ")
}

func date(t *testing.T, v any) ippo.Date {
	t.Helper()
	s, _ := v.(string)
	d, err := ippo.ParseDate(s)
	require.NoError(t, err, "date %v", v)
	return d
}

// tryBrowse is browse that reports a refused connection as status 0.
func tryBrowse(method, link string, form url.Values) (int, string) {
	var (
		resp *http.Response
		err  error
	)
	if method == http.MethodPost {
		resp, err = http.PostForm(link, form)
	} else {
		resp, err = http.Get(link)
	}
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// latestOptOutLink is the opt-out link of the worker's latest contract
// terms ("" while ippo does not answer).
func (p *instance) latestOptOutLink(id string) string {
	status, b := p.raw("GET", "/api/v1/outbox?limit=500&worker_id="+id, nil, true)
	if status != http.StatusOK {
		return ""
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if json.Unmarshal(b, &page) != nil {
		return ""
	}
	for _, e := range page.Items { // newest first
		if e["template"] == "contract_terms" {
			found := regexp.MustCompile(regexp.QuoteMeta(p.base)+`/l/[A-Za-z0-9_.-]+`).FindAllString(e["text"].(string), -1)
			if len(found) > 0 {
				return found[0]
			}
		}
	}
	return ""
}

// kill stops ippo at once (SIGKILL): no graceful shutdown. ippo counts
// as down from now until restart finds it ready.
func (p *instance) kill() {
	p.t.Helper()
	p.down.begin()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// restart starts ippo again with the same settings.
func (p *instance) restart() {
	p.t.Helper()
	p.cmd = exec.Command(ippoBinary(p.t), "serve")
	p.cmd.Env = p.env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(p.t, p.cmd.Start())
	p.done = make(chan struct{})
	done, cmd := p.done, p.cmd
	go func() { _ = cmd.Wait(); close(done) }()
	p.endWhenReady(&p.down, done)
}

// endWhenReady closes f's open window once ippo answers /readyz again (in
// the background; done: the process has exited).
func (p *instance) endWhenReady(f *faultWindows, done chan struct{}) {
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if status, _ := p.raw("GET", "/readyz", nil, false); status == http.StatusOK {
				f.end()
				return
			}
		}
	}()
}

// faultWindows are the spans of real time in which a known fault (ippo
// killed, PostgreSQL stopped) was in force: from begin to end.
type faultWindows struct {
	mu    sync.Mutex
	spans [][2]time.Time // an open span has a zero end
}

func (f *faultWindows) begin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.spans = append(f.spans, [2]time.Time{time.Now()})
}

func (f *faultWindows) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.spans); n > 0 && f.spans[n-1][1].IsZero() {
		f.spans[n-1][1] = time.Now()
	}
}

// covers reports whether a request sent at sent and failed at failed met
// a fault window (it may have begun before or during the request).
func (f *faultWindows) covers(sent, failed time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.spans {
		if !s[0].After(failed) && (s[1].IsZero() || !s[1].Before(sent)) {
			return true
		}
	}
	return false
}

// readThroughRestart GETs path (from a goroutine of the test) and decodes
// it. A refused connection while ippo is known to be down (killed, not yet
// ready), or a 503 while PostgreSQL is known to be stopped (db), is retried
// until ippo answers, for at most two minutes; anything else that is not
// 200 fails the test (t.Errorf: it may run outside the test's goroutine)
// and returns false.
func (p *instance) readThroughRestart(path string, db *faultWindows) (map[string]any, bool) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		sent := time.Now()
		status, b := p.raw("GET", path, nil, true)
		failed := time.Now()
		if status == http.StatusOK {
			out := map[string]any{}
			if err := json.Unmarshal(b, &out); err != nil {
				p.t.Errorf("GET %s: %v: %s", path, err, b)
				return nil, false
			}
			return out, true
		}
		known := (status == 0 && p.down.covers(sent, failed)) ||
			(status == http.StatusServiceUnavailable && db != nil && db.covers(sent, failed))
		if !known || failed.After(deadline) {
			p.t.Errorf("GET %s: %d %s", path, status, b)
			return nil, false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readClock(t *testing.T, dbURL string) ippo.Clock {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var c ippo.Clock
	require.Eventually(t, func() bool {
		var raw []byte
		if conn.QueryRow(context.Background(), `SELECT value FROM settings WHERE key = 'clock'`).Scan(&raw) != nil {
			return false
		}
		return json.Unmarshal(raw, &c) == nil
	}, 30*time.Second, 100*time.Millisecond)
	return c
}

type emailRow struct {
	id, template, status, lastError string
	todo                            bool // a staff to-do was raised for its unknown status
}

// workerEmails are the outbox's emails about workers written before before.
func workerEmails(t *testing.T, dbURL string, before time.Time) []emailRow {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `
		SELECT o.id::text, o.template, o.status, o.last_error,
		       EXISTS (SELECT 1 FROM staff_tasks s WHERE s.key = 'outbox/' || o.id::text || '/unknown')
		  FROM outbox o WHERE o.worker_id IS NOT NULL AND o.created_at < $1
		 ORDER BY o.dispatch_seq`, before)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (emailRow, error) {
		var e emailRow
		return e, r.Scan(&e.id, &e.template, &e.status, &e.lastError, &e.todo)
	})
	require.NoError(t, err)
	return out
}

// closedMonths are the months whose close finished before before.
func closedMonths(t *testing.T, dbURL string, before time.Time) []ippo.YearMonth {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT month::text FROM month_closes WHERE finished_at < $1 ORDER BY month`, before)
	require.NoError(t, err)
	days, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	var months []ippo.YearMonth
	for _, d := range days {
		months = append(months, date(t, d).YearMonth())
	}
	return months
}

// ownPostgres is a PostgreSQL cluster of the test's own, so restarting it
// disturbs no other test.
type ownPostgres struct {
	t    *testing.T
	dir  string
	port int
	bin  string
}

func startOwnPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	require.NotEmpty(t, bins, "PostgreSQL is not installed")
	sort.Strings(bins)
	dir, err := os.MkdirTemp("", "ippo-chaos-pg-")
	require.NoError(t, err)
	c := &ownPostgres{t: t, dir: dir, bin: bins[len(bins)-1]}
	port, err := strconv.Atoi(strings.TrimPrefix(freePort(t), "127.0.0.1:"))
	require.NoError(t, err)
	c.port = port
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		require.NoError(t, err)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	require.NoError(t, os.Chmod(dir, 0o700))
	c.run("initdb", "-D", dir+"/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	c.start()
	t.Cleanup(func() {
		c.stop()
		_ = os.RemoveAll(dir)
	})
	c.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres", "ippo")
	return c
}

func (c *ownPostgres) run(name string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	if os.Getuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, name)}, args...)...)
	}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	require.NoError(c.t, err, "%s: %s", name, out)
}

func (c *ownPostgres) start() {
	c.run("pg_ctl", "-D", c.dir+"/data", "-l", c.dir+"/server.log", "-w", "-t", "60", "start", "-o",
		fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories='%s' -c synchronous_commit=off -c max_connections=100", c.port, c.dir))
}

func (c *ownPostgres) stop() {
	c.run("pg_ctl", "-D", c.dir+"/data", "-m", "fast", "-w", "stop")
}

func (c *ownPostgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// devServer is a Temporal dev server of the test's own, persisted to a
// file so a restart keeps every workflow.
type devServer struct {
	t    *testing.T
	cli  string
	addr string
	file string
	srv  *testsuite.DevServer
}

func newTemporal(t *testing.T, cli string) *devServer {
	t.Helper()
	d := &devServer{t: t, cli: cli, addr: freePort(t), file: filepath.Join(t.TempDir(), "temporal.db")}
	d.start()
	t.Cleanup(func() {
		if d.srv != nil {
			_ = d.srv.Stop()
		}
	})
	return d
}

func (d *devServer) start() {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  d.cli,
		ClientOptions: &client.Options{HostPort: d.addr, Namespace: "default"},
		DBFilename:    d.file,
		LogLevel:      "error",
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.PhaseAttribute.ValueSet(""), workflows.NextDeadlineAttribute.ValueSet(time.Time{})),
	})
	require.NoError(d.t, err)
	d.srv = srv
}

func (d *devServer) stop() {
	d.t.Helper()
	require.NoError(d.t, d.srv.Stop())
	d.srv = nil
}
