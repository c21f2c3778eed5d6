package workflows_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/internal/temporaltest"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// reportHistories is where monthly report histories are kept.
const reportHistories = "testdata/histories/report"

// TestRecordHistoriesMonthlyReport runs a monthly report on the real
// Temporal dev server (in-memory activities: the month's close finishes
// while the report waits) and saves its history for
// TestReplayMonthlyReportHistories. It runs only with
// IPPO_RECORD_HISTORIES=1 (make histories).
func TestRecordHistoriesMonthlyReport(t *testing.T) {
	tag := recordingTag(t)
	c := temporaltest.Server(t).Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	queue := "record-report-" + uuid.NewString()
	wk := worker.New(c, queue, worker.Options{})
	wk.RegisterWorkflowWithOptions(workflows.MonthlyReport, workflow.RegisterOptions{Name: workflows.MonthlyReportWorkflow})
	world := newReportWorld(ym(2026, 4))
	world.register(wk)
	require.NoError(t, wk.Start())
	defer wk.Stop()

	clock := ippo.Clock{Anchor: time.Now().Truncate(time.Second), MonthLength: 3 * time.Second}
	id := workflows.MonthlyReportWorkflowID(queue)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue},
		workflows.MonthlyReportWorkflow, workflows.MonthlyReportInput{Clock: clock, Month: ym(2026, 5)})
	require.NoError(t, err)
	time.AfterFunc(1500*time.Millisecond, func() { world.close(ym(2026, 5)) })
	require.NoError(t, run.Get(ctx, nil))
	require.Contains(t, world.sentMonths(), ym(2026, 5))

	saveHistory(ctx, t, c, id, run.GetRunID(), filepath.Join(reportHistories, tag+"-monthly-report-run1.json"))
}

// TestReplayMonthlyReportHistories replays every saved monthly report with
// today's code (see versions.go for what to do when it fails).
func TestReplayMonthlyReportHistories(t *testing.T) {
	replayHistories(t, filepath.Join(reportHistories, "*.json"), workflows.MonthlyReport, workflows.MonthlyReportWorkflow)
}

// reportWorld is the monthly report's activities in memory: which months
// are closed, and which reports were sent (each once, like the outbox).
type reportWorld struct {
	mu     sync.Mutex
	closed map[ippo.YearMonth]bool
	sent   []ippo.YearMonth
	asked  []ippo.YearMonth
	// closesAt closes a month when the report is asked for it that many
	// times (the close finishing while the report waits).
	closesAt map[ippo.YearMonth]int
	// by names the activity each report was asked of.
	by []string
}

func newReportWorld(closed ...ippo.YearMonth) *reportWorld {
	w := &reportWorld{closed: map[ippo.YearMonth]bool{}}
	for _, m := range closed {
		w.closed[m] = true
	}
	return w
}

func (w *reportWorld) lock() func() { w.mu.Lock(); return w.mu.Unlock }

func (w *reportWorld) close(m ippo.YearMonth) { defer w.lock()(); w.closed[m] = true }

func (w *reportWorld) sentMonths() []ippo.YearMonth {
	defer w.lock()()
	return append([]ippo.YearMonth(nil), w.sent...)
}

func (w *reportWorld) register(r interface {
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}) {
	report := func(name string) func(context.Context, ippo.YearMonth) (activities.NoticeResult, error) {
		return func(_ context.Context, m ippo.YearMonth) (activities.NoticeResult, error) {
			defer w.lock()()
			w.by = append(w.by, name)
			w.asked = append(w.asked, m)
			times := 0
			for _, a := range w.asked {
				if a == m {
					times++
				}
			}
			if times == w.closesAt[m] {
				w.closed[m] = true
			}
			if !w.closed[m] {
				return activities.NoticeResult{}, temporal.NewApplicationError(m.String()+": "+activities.ErrMonthNotClosed.Error(), "month_not_closed")
			}
			if !slices.Contains(w.sent, m) {
				w.sent = append(w.sent, m)
			}
			return activities.NoticeResult{OutboxID: "report-" + m.String(), Status: ippo.EmailHeld}, nil
		}
	}
	// Reports before changeCloseOutbox send the email; later ones queue it.
	for _, name := range []string{"SendCityReport", "EnqueueCityReport"} {
		r.RegisterActivityWithOptions(report(name), activity.RegisterOptions{Name: name})
	}
	r.RegisterActivityWithOptions(func(_ context.Context, m ippo.YearMonth) ([]ippo.YearMonth, error) {
		defer w.lock()()
		var out []ippo.YearMonth
		for c := m.AddMonths(-activities.ReportCatchUpMonths); c != m; c = c.Next() {
			if w.closed[c] && !slices.Contains(w.sent, c) {
				out = append(out, c)
			}
		}
		return out, nil
	}, activity.RegisterOptions{Name: "UnreportedMonths"})
}
