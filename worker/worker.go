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

// New returns a worker polling taskQueue for Ippo's workflows and activities.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		// Let running activities (an email half-sent) finish on shutdown.
		WorkerStopTimeout: 20 * time.Second,
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

	// client tasks: requests, answers, delivery (issue 14)
	r.RegisterWorkflowWithOptions(workflows.ClientTask, workflow.RegisterOptions{Name: workflows.ClientTaskWorkflow})

	r.RegisterActivity(acts)
}
