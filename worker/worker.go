// Package worker registers Ippo's workflows and activities with a Temporal
// worker. Nothing else.
package worker

import (
	"time"

	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// DefaultTaskQueue is the queue Ippo's workflows and activities run on.
const DefaultTaskQueue = "ippo"

// Tuning is how much one worker process takes on at once. It comes from
// configuration (IPPO_WORKER_*); DefaultTuning is written down in README.md
// and in the Helm chart's values.
type Tuning struct {
	// WorkflowPollers and ActivityPollers: concurrent long polls on the
	// task queue, per kind of task.
	WorkflowPollers int
	ActivityPollers int
	// MaxConcurrentWorkflowTasks and MaxConcurrentActivities: tasks this
	// process runs at once; more wait on the server for any worker.
	MaxConcurrentWorkflowTasks int
	MaxConcurrentActivities    int
	// StickyCacheSize: workflows kept in memory between their tasks
	// (process-wide). A workflow not in the cache is replayed from its
	// history on its next task.
	StickyCacheSize int
}

// DefaultTuning suits one process of a center's installation and scales
// out by adding processes. Lifecycles sleep for weeks between tasks, so a
// sticky cache of 2,000 (not the SDK's 10,000) keeps the ones that are
// busy without holding every idle one; a miss costs a replay of a short
// history (each run continues as new at every extension). Activities are
// PostgreSQL writes and SendGrid calls: 50 at once keeps the database pool
// (pgx's default is 4 per CPU core or more) busy without queueing
// hundreds of requests on it. Pollers: 4 of each keep tasks flowing when
// the server is a network hop away rather than on loopback.
var DefaultTuning = Tuning{
	WorkflowPollers:            4,
	ActivityPollers:            4,
	MaxConcurrentWorkflowTasks: 100,
	MaxConcurrentActivities:    50,
	StickyCacheSize:            2000,
}

// New returns a worker polling taskQueue for Ippo's workflows and
// activities. The sticky cache size is process-wide: New sets it, so
// call New before any worker in the process starts.
func New(c client.Client, taskQueue string, acts *activities.Activities, t Tuning) sdkworker.Worker {
	if t.StickyCacheSize > 0 {
		sdkworker.SetStickyWorkflowCacheSize(t.StickyCacheSize)
	}
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		// Let running activities (an email half-sent) finish on shutdown.
		WorkerStopTimeout:                      20 * time.Second,
		MaxConcurrentWorkflowTaskPollers:       t.WorkflowPollers,
		MaxConcurrentActivityTaskPollers:       t.ActivityPollers,
		MaxConcurrentWorkflowTaskExecutionSize: t.MaxConcurrentWorkflowTasks,
		MaxConcurrentActivityExecutionSize:     t.MaxConcurrentActivities,
	})
	Register(w, acts)
	return w
}

// Register adds Ippo's workflows and activities to a registry (a worker,
// a replayer or a test environment).
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.Lifecycle, workflow.RegisterOptions{Name: workflows.LifecycleWorkflow})
	// email outside lifecycles: resends and alerts to staff (issue 4)
	r.RegisterWorkflowWithOptions(workflows.Email, workflow.RegisterOptions{Name: workflows.EmailWorkflow})
	// schedule, attendance, work and the monthly close (issue 5)
	r.RegisterWorkflowWithOptions(workflows.MonthlyClose, workflow.RegisterOptions{Name: workflows.MonthlyCloseWorkflow})

	// assessments, consents, graduation and handoff (issue 6)
	r.RegisterWorkflowWithOptions(workflows.ProvisionRetention, workflow.RegisterOptions{Name: workflows.ProvisionRetentionWorkflow})

	// reports (issue 7)
	r.RegisterWorkflowWithOptions(workflows.MonthlyReport, workflow.RegisterOptions{Name: workflows.MonthlyReportWorkflow})

	r.RegisterActivity(acts)
}
