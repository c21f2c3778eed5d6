package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// CheckIntake checks an application against the intake rules of the
// policy in force today, as Apply does first, and changes nothing: a face
// that refuses some fields itself can still name every other rule that
// fails.
func (a *App) CheckIntake(ctx context.Context, in Intake) error {
	in.Normalize()
	today := a.Today()
	p, err := a.DB.PolicyAt(ctx, today)
	if err != nil {
		return errors.Join(ErrUnavailable, err)
	}
	return ippo.CheckApplicant(in, p, today)
}

// Intake is an application as staff take it down: the domain's applicant
// (name, contact, residency, category, consent to collect sensitive facts).
type Intake = ippo.Applicant

// Apply registers an applicant and starts their lifecycle in screening.
// The applicant is checked against the policy in force today; nothing is
// left half-done: if the lifecycle cannot start, the applicant is removed.
func (a *App) Apply(ctx context.Context, actor Actor, in Intake) (ippo.Worker, error) {
	in.Normalize()
	if err := a.CheckIntake(ctx, in); err != nil {
		return ippo.Worker{}, err
	}
	id := uuid.NewString()
	if err := a.DB.CreateApplicant(ctx, id, in); err != nil {
		return ippo.Worker{}, err
	}
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.WorkerWorkflowID(id),
		TaskQueue:             a.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PhaseAttribute.ValueSet(string(ippo.PhaseScreening))),
	}, workflows.LifecycleWorkflow, workflows.LifecycleInput{WorkerID: id, Actor: actor.Ref(), Clock: a.Clock})
	if err != nil {
		if derr := a.DB.DeleteApplicant(ctx, id); derr != nil {
			a.log().Error("remove applicant after failed start", "worker_id", id, "error", derr.Error())
		}
		return ippo.Worker{}, errors.Join(ErrUnavailable, err)
	}
	a.awaitApplication(ctx, id)
	return a.DB.Worker(ctx, id)
}

// applicationWait bounds how long Apply waits for the lifecycle to write
// the application step, as a staff step waits for its write.
const applicationWait = 10 * time.Second

// awaitApplication waits until the new lifecycle has written its first
// step (the application, on the worker's timeline), so the staff member
// who registered the applicant sees it on the next page. The lifecycle
// writes it only once its first workflow task is recorded; if that takes
// longer than applicationWait (no worker process running), the applicant
// is registered all the same and the step follows.
func (a *App) awaitApplication(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, applicationWait)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok, err := a.DB.StepsRecorded(ctx, id); ok || err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
