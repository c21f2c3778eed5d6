package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// closeWorld fakes the close's store: a number of workers per month, the
// months not yet closed, and a record of every call.
type closeWorld struct {
	mu       sync.Mutex
	workers  int // workers each month closes
	pending  []ippo.YearMonth
	upTo     []ippo.YearMonth // PendingCloseMonths asked up to
	begun    []activities.CloseStart
	pages    []activities.ClosePageInput
	finished []ippo.YearMonth
}

func (w *closeWorld) register(r interface {
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}) {
	reg := func(name string, fn any) { r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg("PendingCloseMonths", func(_ context.Context, upTo ippo.YearMonth) ([]ippo.YearMonth, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.upTo = append(w.upTo, upTo)
		return w.pending, nil
	})
	reg("BeginClose", func(_ context.Context, s activities.CloseStart) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.begun = append(w.begun, s)
		return nil
	})
	reg("ClosePage", func(_ context.Context, in activities.ClosePageInput) (activities.ClosePageResult, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.pages = append(w.pages, in)
		// Workers are numbered w0001…; the cursor is the last one closed.
		from := 0
		if in.After != "" {
			_, _ = fmt.Sscanf(in.After, "w%d", &from)
		}
		n := min(in.Limit, w.workers-from)
		r := activities.ClosePageResult{Workers: n, NewStatements: n, Emails: n, Done: n < in.Limit}
		if n > 0 {
			r.Last = fmt.Sprintf("w%04d", from+n)
		}
		return r, nil
	})
	reg("FinishClose", func(_ context.Context, m ippo.YearMonth) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.finished = append(w.finished, m)
		return nil
	})
}

func ym(y int, m time.Month) ippo.YearMonth { return ippo.YearMonth{Year: y, Month: m} }

func closeEnv(w *closeWorld, start time.Time) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := patient(suite.NewTestWorkflowEnvironment())
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(workflows.MonthlyClose, workflow.RegisterOptions{Name: workflows.MonthlyCloseWorkflow})
	w.register(env)
	return env
}

// runClose runs a close to the end, following continue-as-new, and returns
// its result and how many runs it took.
func runClose(t *testing.T, w *closeWorld, start time.Time, in workflows.MonthlyCloseInput, setup func(*testsuite.TestWorkflowEnvironment, int)) (workflows.MonthlyCloseResult, int) {
	t.Helper()
	for run := 1; run <= 20; run++ {
		env := closeEnv(w, start)
		if setup != nil {
			setup(env, run)
		}
		env.ExecuteWorkflow(workflows.MonthlyCloseWorkflow, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			require.True(t, in.Continued)
			continue
		}
		require.NoError(t, err)
		var res workflows.MonthlyCloseResult
		require.NoError(t, env.GetWorkflowResult(&res))
		return res, run
	}
	t.Fatal("more than 20 runs")
	return workflows.MonthlyCloseResult{}, 0
}

// The schedule fires at 00:00 on the 1st (Asia/Tokyo): the month that just
// ended is closed, with any month a previous close missed, page by page.
func TestMonthlyCloseScheduled(t *testing.T) {
	w := &closeWorld{workers: 1200, pending: []ippo.YearMonth{ym(2026, 3), ym(2026, 4)}}
	fired := ippo.NewDate(2026, 5, 1).Start()
	res, runs := runClose(t, w, fired.Add(3*time.Second), workflows.MonthlyCloseInput{}, func(env *testsuite.TestWorkflowEnvironment, _ int) {
		require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime").ValueSet(fired))))
	})
	require.Equal(t, 1, runs)
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, w.upTo, "the month before the 1st")
	require.Equal(t, []ippo.YearMonth{ym(2026, 3), ym(2026, 4)}, res.Months)
	require.Equal(t, []ippo.YearMonth{ym(2026, 3), ym(2026, 4)}, w.finished)
	require.Len(t, w.begun, 2)
	require.Equal(t, 2400, res.Workers)
	require.Equal(t, 6, res.Pages, "1,200 workers a month in pages of 500")
	require.Equal(t, "", w.pages[0].After)
	require.Equal(t, "w0500", w.pages[1].After)
	require.Equal(t, "w1000", w.pages[2].After)
	require.Equal(t, "", w.pages[3].After, "the next month starts from its first worker")
	for _, p := range w.pages {
		require.True(t, p.Dispatch, "a close that begins after the change queues its emails for the dispatcher")
	}
}

// A start that comes late (Temporal catching up after an outage) still
// closes the month that had ended at the scheduled time.
func TestMonthlyCloseUsesTheScheduledTime(t *testing.T) {
	w := &closeWorld{workers: 1}
	fired := ippo.NewDate(2026, 5, 1).Start()
	runClose(t, w, ippo.NewDate(2026, 6, 3).Start(), workflows.MonthlyCloseInput{}, func(env *testsuite.TestWorkflowEnvironment, _ int) {
		require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime").ValueSet(fired))))
	})
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, w.upTo)
}

// With IPPO_MONTH_LENGTH the month that just ended is a program month,
// read on the clock the close was given.
func TestMonthlyCloseOnACompressedClock(t *testing.T) {
	anchor := ippo.NewDate(2026, 11, 23).Start().Add(20 * time.Hour)
	clock := ippo.Clock{Anchor: anchor, MonthLength: 3 * time.Second}
	// 3 s is 30 program days: 7.5 s after the anchor it is 75 days later,
	// 2027-02-06 at 20:00, so January 2027 has just been closed.
	w := &closeWorld{workers: 3, pending: []ippo.YearMonth{ym(2027, 1)}}
	res, _ := runClose(t, w, anchor.Add(7500*time.Millisecond), workflows.MonthlyCloseInput{Clock: clock}, nil)
	require.Equal(t, []ippo.YearMonth{ym(2027, 1)}, w.upTo)
	require.Equal(t, 3, res.Workers)
	require.Equal(t, 1, res.Pages)
}

// A close staff ask for closes that month only.
func TestMonthlyCloseOfOneMonth(t *testing.T) {
	w := &closeWorld{workers: 10, pending: []ippo.YearMonth{ym(2026, 1)}}
	res, _ := runClose(t, w, ippo.NewDate(2026, 5, 20).Start(), workflows.MonthlyCloseInput{Month: ym(2025, 10)}, nil)
	require.Empty(t, w.upTo, "no pending months are looked up")
	require.Equal(t, []ippo.YearMonth{ym(2025, 10)}, w.finished)
	require.Equal(t, 10, res.Workers)
}

// Nothing to close (the month is already done) is a close that does nothing.
func TestMonthlyCloseWithNothingPending(t *testing.T) {
	w := &closeWorld{workers: 10}
	res, _ := runClose(t, w, ippo.NewDate(2026, 5, 1).Start(), workflows.MonthlyCloseInput{}, nil)
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, w.upTo, "without a scheduled time, the start time decides")
	require.Empty(t, w.begun)
	require.Empty(t, w.pages)
	require.Zero(t, res.Workers)
}

// When Temporal suggests it, the close continues as new between pages and
// picks up where it left: the month is not begun twice, no page is closed
// twice, and the totals carry over.
func TestMonthlyCloseContinuesAsNew(t *testing.T) {
	w := &closeWorld{workers: 1600, pending: []ippo.YearMonth{ym(2026, 4)}}
	res, runs := runClose(t, w, ippo.NewDate(2026, 5, 1).Start(), workflows.MonthlyCloseInput{}, func(env *testsuite.TestWorkflowEnvironment, run int) {
		env.SetContinueAsNewSuggested(run < 3)
	})
	require.Equal(t, 3, runs)
	require.Len(t, w.upTo, 1, "pending months are looked up once")
	require.Len(t, w.begun, 1)
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, w.finished)
	var afters []string
	for _, p := range w.pages {
		afters = append(afters, p.After)
	}
	require.Equal(t, []string{"", "w0500", "w1000", "w1500"}, afters)
	require.Equal(t, 1600, res.Workers)
	require.Equal(t, 4, res.Pages)
	require.Equal(t, []ippo.YearMonth{ym(2026, 4)}, res.Months)
}
