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
// and a client task's): each write is one local activity that starts once
// the one before it is written, so writes land in the order of their
// decisions (an approval's email never before the application's), while
// nothing holding the workflow's lock waits for them. The workflow waits
// for done before it hands over (continue-as-new) or ends.
type effectWrites struct {
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

// execShort runs one of a workflow's short PostgreSQL activities: a local
// activity when local (the effects versions), an activity before.
func execShort(ctx workflow.Context, local bool, clock ippo.Clock, activity any, args ...any) workflow.Future {
	if local {
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions(clock)), activity, args...)
	}
	return execute(ctx, activity, args...)
}
