package app

// The lifecycle steps the console takes, until the extraction of the API's
// handlers into this package lands (branch app): then these give way to
// the shared ones, so no step is implemented twice.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Assess records a staff assessment (or the worker's self-assessment,
// typed in by staff); on zero means today.
func (a *App) Assess(ctx context.Context, actor Actor, workerID, stepKey string, as ippo.Assessment) (workflows.AssessmentResult, error) {
	today := a.Today()
	if as.On.IsZero() {
		as.On = today
	}
	if err := ippo.ValidateAssessment(as, today); err != nil {
		return workflows.AssessmentResult{}, err
	}
	rec := ippo.AssessmentRecord{ID: uuid.NewString(), WorkerID: workerID, Assessment: as, RecordedBy: actor.Ref(), CreatedAt: time.Now()}
	if err := a.DB.CreateAssessment(ctx, rec); err != nil {
		return workflows.AssessmentResult{}, err
	}
	res, err := updateAs[workflows.AssessmentResult](ctx, a, actor, workerID, stepKey, workflows.UpdateRecordAssessment,
		workflows.RecordAssessment{AssessmentID: rec.ID, By: as.By, On: as.On, Scores: as.Scores, Actor: actor.Ref()})
	if err != nil || res.AssessmentID != rec.ID {
		// Refused, or a repeated form the lifecycle answered with the
		// first assessment: this copy is not needed.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := a.DB.DeleteUnacceptedAssessment(dctx, rec.ID); derr != nil {
			a.Log.Error("remove unrecorded assessment", "assessment", rec.ID, "error", derr.Error())
		}
	}
	return res, err
}

// ErrUnavailable marks a failure of a dependency (PostgreSQL, Temporal):
// the person may try again later; nothing they typed is at fault.
var ErrUnavailable = errors.New("a service Ippo depends on did not answer")

const updateTimeout = 30 * time.Second

// Register checks an application and starts the applicant's lifecycle;
// it returns the new worker's id.
func (a *App) Register(ctx context.Context, actor Actor, in ippo.Applicant) (string, error) {
	in.Normalize()
	today := a.Today()
	p, err := a.DB.PolicyAt(ctx, today)
	if err != nil {
		return "", errors.Join(ErrUnavailable, err)
	}
	if err := ippo.CheckApplicant(in, p, today); err != nil {
		return "", err
	}
	id := uuid.NewString()
	if err := a.DB.CreateApplicant(ctx, id, in); err != nil {
		return "", err
	}
	_, err = a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.WorkerWorkflowID(id),
		TaskQueue:             a.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PhaseAttribute.ValueSet(string(ippo.PhaseScreening))),
	}, workflows.LifecycleWorkflow, workflows.LifecycleInput{WorkerID: id, Actor: actor.Ref(), Clock: a.Clock})
	if err != nil {
		// Nothing may be left half-done: without a lifecycle, no applicant.
		if derr := a.DB.DeleteApplicant(context.WithoutCancel(ctx), id); derr != nil {
			a.Log.Error("remove applicant after failed start", "worker_id", id, "error", derr.Error())
		}
		return "", errors.Join(ErrUnavailable, err)
	}
	return id, nil
}

// Decide approves or rejects an applicant; a rejection needs a reason.
func (a *App) Decide(ctx context.Context, actor Actor, workerID, stepKey string, approve bool, reason string) (workflows.StepResult, error) {
	if !approve && strings.TrimSpace(reason) == "" {
		return workflows.StepResult{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required when the applicant is not approved; it is sent to them in plain words"}})
	}
	return a.stepWithNote(ctx, actor, workerID, stepKey, workflows.UpdateDecideEligibility, reason, func(noteID string) any {
		return workflows.EligibilityDecision{Approve: approve, NoteID: noteID, Actor: actor.Ref()}
	})
}

// Sign signs the contract (signedOn zero: today).
func (a *App) Sign(ctx context.Context, actor Actor, workerID, stepKey string, signedOn ippo.Date) (workflows.StepResult, error) {
	return a.update(ctx, actor, workerID, stepKey, workflows.UpdateSignContract, workflows.SignContract{SignedOn: signedOn, Actor: actor.Ref()})
}

// EndTerm records the center's non-renewal notice or the worker's opt-out.
func (a *App) EndTerm(ctx context.Context, actor Actor, workerID, stepKey, by string, endsOn ippo.Date, reason string) (workflows.StepResult, error) {
	if by == "worker" && !endsOn.IsZero() {
		return workflows.StepResult{}, ippo.Invalid([]ippo.FieldError{{Field: "ends_on", Message: "only the center names an end date; a worker's opt-out ends the current term"}})
	}
	return a.stepWithNote(ctx, actor, workerID, stepKey, workflows.UpdateEndContract, reason, func(noteID string) any {
		return workflows.EndContract{By: by, EndsOn: endsOn, NoteID: noteID, Actor: actor.Ref()}
	})
}

// Leave records that the worker leaves the program; a reason is required.
func (a *App) Leave(ctx context.Context, actor Actor, workerID, stepKey, reason string) (workflows.StepResult, error) {
	if strings.TrimSpace(reason) == "" {
		return workflows.StepResult{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required"}})
	}
	return a.stepWithNote(ctx, actor, workerID, stepKey, workflows.UpdateWithdraw, reason, func(noteID string) any {
		return workflows.Withdraw{NoteID: noteID, Actor: actor.Ref()}
	})
}

// stepWithNote stores the free text as a note (the workflow carries its id
// only) and removes it again if the step is refused.
func (a *App) stepWithNote(ctx context.Context, actor Actor, workerID, stepKey, name, text string, build func(noteID string) any) (workflows.StepResult, error) {
	var noteID string
	if text = strings.TrimSpace(text); text != "" {
		if _, err := a.DB.Worker(ctx, workerID); err != nil {
			return workflows.StepResult{}, err
		}
		noteID = uuid.NewString()
		if err := a.DB.CreateNote(ctx, noteID, workerID, text, actor.Ref()); err != nil {
			return workflows.StepResult{}, err
		}
	}
	res, err := a.update(ctx, actor, workerID, stepKey, name, build(noteID))
	if err != nil && noteID != "" {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := a.DB.DeleteNote(dctx, noteID); derr != nil {
			a.Log.Error("remove note of refused step", "error", derr.Error())
		}
	}
	return res, err
}

// update sends a step to the worker's lifecycle as a Temporal Update. The
// update id is built from the form's step key, so a form sent twice (a
// double click, a reload) is one step.
func (a *App) update(ctx context.Context, actor Actor, workerID, stepKey, name string, arg any) (workflows.StepResult, error) {
	return updateAs[workflows.StepResult](ctx, a, actor, workerID, stepKey, name, arg)
}

func updateAs[T any](ctx context.Context, a *App, actor Actor, workerID, stepKey, name string, arg any) (T, error) {
	var res T
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	w, err := a.DB.Worker(ctx, workerID)
	if err != nil {
		return res, err
	}
	updateID := "console/" + actor.ID + "/" + stepKey
	if stepKey == "" {
		updateID = "console/" + uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflows.WorkerWorkflowID(workerID),
			UpdateID:     updateID,
			UpdateName:   name,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &res)
		}
		if err == nil {
			return res, nil
		}
		// A lifecycle continues as new at every extension: an update that
		// reaches the closing run is sent again to the new one.
		if attempt < 3 && !w.Phase.Final() && runClosed(err) {
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
				continue
			}
		}
		return res, lifecycleError(err, w.Phase)
	}
}

func runClosed(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound) || strings.Contains(err.Error(), "workflow execution already completed")
}

// lifecycleError turns what Temporal answered into a domain error.
func lifecycleError(err error, phase ippo.Phase) error {
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr):
		var e ippo.Error
		if appErr.HasDetails() && appErr.Details(&e) == nil && e.Code != "" {
			return &e
		}
		return fmt.Errorf("lifecycle step: %w", err)
	case runClosed(err):
		return ippo.WrongPhase("this step", phase)
	case errors.Is(err, context.DeadlineExceeded):
		return errors.Join(ErrUnavailable, err)
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) {
		return errors.Join(ErrUnavailable, err)
	}
	return err
}

// IssueToken creates a staff token and returns it with its secret, which
// is shown once and never stored.
func (a *App) IssueToken(ctx context.Context, actor Actor, name, role string) (postgres.Token, string, error) {
	name = strings.TrimSpace(name)
	var f ippo.Fields
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		f.Add("name", "is required")
	case n > 100:
		f.Add("name", "must be at most 100 characters")
	}
	if ParseRole(role) == RoleNone {
		f.Add("role", "must be admin, staff or viewer")
	}
	if err := f.Err(); err != nil {
		return postgres.Token{}, "", err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	secret := "ippo_" + base64.RawURLEncoding.EncodeToString(b)
	t, err := a.DB.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: name, Role: role, CreatedBy: actor.Name}, secret)
	if err != nil {
		return t, "", fmt.Errorf("issue token: %w", err)
	}
	return t, secret, nil
}

// Report is the city's monthly report for a month that has ended, and
// whether the month's close has finished.
func (a *App) Report(ctx context.Context, m ippo.YearMonth) (ippo.MonthlyReport, bool, error) {
	today := a.Today()
	if !m.Last().Before(today) {
		return ippo.MonthlyReport{}, false, ippo.Invalid([]ippo.FieldError{{Field: "month", Message: "has not ended yet (today is " + today.String() + ")"}})
	}
	p, err := a.DB.PolicyAt(ctx, m.Last())
	if err != nil {
		return ippo.MonthlyReport{}, false, errors.Join(ErrUnavailable, err)
	}
	r, err := a.DB.MonthlyReport(ctx, m, p.MunicipalityName)
	if err != nil {
		return r, false, fmt.Errorf("report %s: %w", m, err)
	}
	closed, err := a.DB.MonthClosed(ctx, m)
	if err != nil {
		return r, false, fmt.Errorf("report %s: %w", m, err)
	}
	return r, closed, nil
}
