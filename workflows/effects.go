package workflows

import (
	"slices"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// effectWrites orders the writes of a workflow's decisions (the lifecycle's
// and a client task's): each write starts once the one before it is
// written, so writes land in the order of their decisions (an approval's
// email never before the application's), while nothing holding the
// workflow's lock waits for them. The workflow waits for done before it
// hands over (continue-as-new) or ends.
//
// From changeDurableEffects on (durable), each write is an activity: the
// server schedules it only once the workflow task that made the decision
// is recorded in the history. Before, each was a local activity, which
// runs inside that workflow task, before it is recorded: when the task was
// then lost (the worker process killed, the Temporal server restarted
// under it), PostgreSQL kept the effects of a decision the history never
// had, and the decisions the retried task made instead (an Update
// redelivered after a timer that fired meanwhile, or not at all) found
// their step keys taken and were not written.
type effectWrites struct {
	durable bool
	last    workflow.Future   // the latest write, which the next one follows
	pending []workflow.Future // writes (and signals) not known finished
}

// add starts the write of arg by activity after the ones before it.
func (w *effectWrites) add(ctx workflow.Context, clock ippo.Clock, activity, arg any) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	prev := w.last
	w.last = f
	workflow.Go(ctx, func(ctx workflow.Context) {
		if prev != nil {
			_ = prev.Get(ctx, nil)
		}
		if w.durable {
			set.Chain(workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, writeOptions(clock)), activity, arg))
			return
		}
		set.Chain(workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions(clock)), activity, arg))
	})
	w.track(f)
	return f
}

// track adds f to what done waits for.
func (w *effectWrites) track(f workflow.Future) {
	w.pending = slices.DeleteFunc(w.pending, func(f workflow.Future) bool { return f.IsReady() })
	w.pending = append(w.pending, f)
}

// done reports whether every write has finished.
func (w *effectWrites) done() bool {
	for _, f := range w.pending {
		if !f.IsReady() {
			return false
		}
	}
	return true
}

// ready is a future that is already set: a write that had nothing to write.
func ready(ctx workflow.Context) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	set.Set(nil, nil)
	return f
}

// localOptions retry a local activity for as long as it takes (PostgreSQL
// restarting), backing off to a ceiling that follows the program clock.
func localOptions(clock ippo.Clock) workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    min(200*time.Millisecond, activities.RetryCeiling(clock)),
			BackoffCoefficient: 2,
			MaximumInterval:    activities.RetryCeiling(clock),
		},
	}
}

// writeOptions are localOptions for an effects write run as an activity:
// it waits for a worker process as long as it takes (none is running), and
// retries as a local activity would.
func writeOptions(clock ippo.Clock) workflow.ActivityOptions {
	l := localOptions(clock)
	return workflow.ActivityOptions{StartToCloseTimeout: l.StartToCloseTimeout, RetryPolicy: l.RetryPolicy}
}

// execShort runs one of a workflow's short PostgreSQL activities: a local
// activity when local (the effects versions), an activity before.
func execShort(ctx workflow.Context, local bool, clock ippo.Clock, activity any, args ...any) workflow.Future {
	if local {
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions(clock)), activity, args...)
	}
	return execute(ctx, activity, args...)
}
