package workflows

import (
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/workflow"
)

// The provision retention workflow's contract.
//
// Task queue: the lifecycle's (it is started as the lifecycle's child with
// ParentClosePolicy ABANDON, so it outlives the lifecycle, which completes
// months after graduation).
// Workflow ID: ProvisionWorkflowID(handoffID), "provision/<uuid>": the
// handoff's ID, never a name.
// Input: ProvisionRetentionInput. No signals, updates or queries.
//
// It sleeps until the day after KeepUntil (program time, by the clock the
// lifecycle ran on), then deletes the record of the provision and blanks
// the handoff email's body (activities.DeleteProvision). Three years is one
// timer: the history stays a handful of events.
const ProvisionRetentionWorkflow = "ProvisionRetention"

// ProvisionWorkflowID is the retention workflow's ID for a handoff.
func ProvisionWorkflowID(handoffID string) string { return "provision/" + handoffID }

// ProvisionRetentionInput names the provision and the last day it is kept.
type ProvisionRetentionInput struct {
	HandoffID string
	KeepUntil ippo.Date
	Clock     ippo.Clock
}

// ProvisionRetention keeps a provision record until its retention ends and
// then deletes it.
func ProvisionRetention(ctx workflow.Context, in ProvisionRetentionInput) error {
	deleteAt := in.KeepUntil.AddDays(1).Start()
	// A timer never fires early, but Clock.Wait is rounded: loop until the
	// program time has truly come.
	for {
		wait := in.Clock.Wait(workflow.Now(ctx), deleteAt)
		if wait <= 0 {
			break
		}
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	var deleted bool
	d := activities.ProvisionDeletion{HandoffID: in.HandoffID, ProgramAt: in.Clock.Program(workflow.Now(ctx))}
	if err := execute(ctx, a.DeleteProvision, d).Get(ctx, &deleted); err != nil {
		return err
	}
	workflow.GetLogger(ctx).Info("provision record deleted", "handoff", in.HandoffID, "found", deleted)
	return nil
}
