package app

// The steps the console takes, until the extraction of the API's handlers
// into this package lands (branch app), written to the same signatures:
// at the merge this file gives way to the shared steps, so no step is
// implemented twice.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// ErrUnavailable marks errors from a dependency that is out of reach
// (PostgreSQL or Temporal): the faces answer "try again shortly".
var ErrUnavailable = errors.New("dependency unavailable")

const updateTimeout = 30 * time.Second

// Standing is the worker's standing after a lifecycle step.
type Standing = workflows.StepResult

// StepKey is the Temporal update ID a face derives for a step so that a
// retried request is one step.
func StepKey(actor Actor, key string) string { return "idem/" + actor.ID + "/" + key }

// Intake is an application as staff take it down.
type Intake = ippo.Applicant

// Apply registers an applicant and starts their lifecycle in screening.
func (a *App) Apply(ctx context.Context, actor Actor, in Intake) (ippo.Worker, error) {
	in.Normalize()
	today := a.Today()
	p, err := a.DB.PolicyAt(ctx, today)
	if err != nil {
		return ippo.Worker{}, errors.Join(ErrUnavailable, err)
	}
	if err := ippo.CheckApplicant(in, p, today); err != nil {
		return ippo.Worker{}, err
	}
	id := uuid.NewString()
	if err := a.DB.CreateApplicant(ctx, id, in); err != nil {
		return ippo.Worker{}, err
	}
	_, err = a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.WorkerWorkflowID(id),
		TaskQueue:             a.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.PhaseAttribute.ValueSet(string(ippo.PhaseScreening))),
	}, workflows.LifecycleWorkflow, workflows.LifecycleInput{WorkerID: id, Actor: actor.Ref(), Clock: a.Clock})
	if err != nil {
		if derr := a.DB.DeleteApplicant(context.WithoutCancel(ctx), id); derr != nil {
			a.Log.Error("remove applicant after failed start", "worker_id", id, "error", derr.Error())
		}
		return ippo.Worker{}, errors.Join(ErrUnavailable, err)
	}
	return a.DB.Worker(ctx, id)
}

// EligibilityDecision is staff's decision at screening.
type EligibilityDecision struct {
	Approve bool
	Reason  string
}

// DecideEligibility approves or rejects an applicant.
func (a *App) DecideEligibility(ctx context.Context, actor Actor, workerID, stepID string, d EligibilityDecision) (Standing, error) {
	if !d.Approve && strings.TrimSpace(d.Reason) == "" {
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required when the applicant is not approved; it is sent to them in plain words"}})
	}
	return stepWithNote(ctx, a, actor, workerID, d.Reason, func(noteID string) (Standing, error) {
		return update[Standing](ctx, a, workerID, stepID, workflows.UpdateDecideEligibility,
			workflows.EligibilityDecision{Approve: d.Approve, NoteID: noteID, Actor: actor.Ref()})
	})
}

// Contract is the signing of the contract; a zero SignedOn is today.
type Contract struct{ SignedOn ippo.Date }

// SignContract signs the contract.
func (a *App) SignContract(ctx context.Context, actor Actor, workerID, stepID string, c Contract) (Standing, error) {
	return update[Standing](ctx, a, workerID, stepID, workflows.UpdateSignContract, workflows.SignContract{SignedOn: c.SignedOn, Actor: actor.Ref()})
}

// NonRenewal is the center's notice or the worker's opt-out.
type NonRenewal struct {
	By     string
	EndsOn ippo.Date
	Reason string
}

// EndContract records a non-renewal.
func (a *App) EndContract(ctx context.Context, actor Actor, workerID, stepID string, n NonRenewal) (Standing, error) {
	switch {
	case n.By != workflows.ByCenter && n.By != workflows.ByWorker:
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "by", Message: "must be center or worker"}})
	case n.By == workflows.ByWorker && !n.EndsOn.IsZero():
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "ends_on", Message: "only the center names an end date; a worker's opt-out ends the current term"}})
	}
	return stepWithNote(ctx, a, actor, workerID, n.Reason, func(noteID string) (Standing, error) {
		return update[Standing](ctx, a, workerID, stepID, workflows.UpdateEndContract,
			workflows.EndContract{By: n.By, EndsOn: n.EndsOn, NoteID: noteID, Actor: actor.Ref()})
	})
}

// Withdrawal is the worker leaving the program, in any phase.
type Withdrawal struct{ Reason string }

// Withdraw records that the worker leaves the program.
func (a *App) Withdraw(ctx context.Context, actor Actor, workerID, stepID string, w Withdrawal) (Standing, error) {
	if strings.TrimSpace(w.Reason) == "" {
		return Standing{}, ippo.Invalid([]ippo.FieldError{{Field: "reason", Message: "is required"}})
	}
	return stepWithNote(ctx, a, actor, workerID, w.Reason, func(noteID string) (Standing, error) {
		return update[Standing](ctx, a, workerID, stepID, workflows.UpdateWithdraw, workflows.Withdraw{NoteID: noteID, Actor: actor.Ref()})
	})
}

// AssessmentRecorded is the lifecycle's answer to an assessment.
type AssessmentRecorded = workflows.AssessmentResult

// RecordAssessment records a staff assessment (or the worker's
// self-assessment typed in by staff); a zero On is today.
func (a *App) RecordAssessment(ctx context.Context, actor Actor, workerID, stepID string, as ippo.Assessment) (AssessmentRecorded, error) {
	today := a.Today()
	if as.On.IsZero() {
		as.On = today
	}
	if err := ippo.ValidateAssessment(as, today); err != nil {
		return AssessmentRecorded{}, err
	}
	rec := ippo.AssessmentRecord{ID: uuid.NewString(), WorkerID: workerID, Assessment: as, RecordedBy: actor.Ref(), CreatedAt: time.Now()}
	if err := a.DB.CreateAssessment(ctx, rec); err != nil {
		return AssessmentRecorded{}, err
	}
	res, err := update[AssessmentRecorded](ctx, a, workerID, stepID, workflows.UpdateRecordAssessment,
		workflows.RecordAssessment{AssessmentID: rec.ID, By: as.By, On: as.On, Scores: as.Scores, Actor: actor.Ref()})
	if err != nil || res.AssessmentID != rec.ID {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := a.DB.DeleteUnacceptedAssessment(dctx, rec.ID); derr != nil {
			a.Log.Error("remove unrecorded assessment", "assessment", rec.ID, "error", derr.Error())
		}
	}
	return res, err
}

// Token is a staff token (never its secret).
type Token = postgres.Token

// CreateToken issues a token; the secret is answered once.
func (a *App) CreateToken(ctx context.Context, actor Actor, name string, role Role) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Token{}, "", ippo.Invalid([]ippo.FieldError{{Field: "name", Message: "is required"}})
	}
	if role == RoleNone {
		return Token{}, "", ippo.Invalid([]ippo.FieldError{{Field: "role", Message: "must be viewer, staff or admin"}})
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := "ippo_" + base64.RawURLEncoding.EncodeToString(b)
	t, err := a.DB.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: name, Role: role.String(), CreatedBy: actor.Name}, secret)
	return t, secret, err
}

// MonthlyReport is the month's report for the city and whether the month
// is closed.
type MonthlyReport struct {
	ippo.MonthlyReport
	Closed bool
}

// MonthlyReport returns the report of a month that has ended.
func (a *App) MonthlyReport(ctx context.Context, m ippo.YearMonth) (MonthlyReport, error) {
	today := a.Today()
	if !m.Last().Before(today) {
		return MonthlyReport{}, ippo.Invalid([]ippo.FieldError{{Field: "month", Message: "has not ended yet (today is " + today.String() + ")"}})
	}
	p, err := a.DB.PolicyAt(ctx, m.Last())
	if err != nil {
		return MonthlyReport{}, err
	}
	r, err := a.DB.MonthlyReport(ctx, m, p.MunicipalityName)
	if err != nil {
		return MonthlyReport{}, err
	}
	closed, err := a.DB.MonthClosed(ctx, m)
	return MonthlyReport{MonthlyReport: r, Closed: closed}, err
}

func stepWithNote[T any](ctx context.Context, a *App, actor Actor, workerID, text string, run func(noteID string) (T, error)) (T, error) {
	var noteID string
	if text = strings.TrimSpace(text); text != "" {
		if _, err := a.DB.Worker(ctx, workerID); err != nil {
			var zero T
			return zero, err
		}
		noteID = uuid.NewString()
		if err := a.DB.CreateNote(ctx, noteID, workerID, text, actor.Ref()); err != nil {
			var zero T
			return zero, err
		}
	}
	res, err := run(noteID)
	if err != nil && noteID != "" {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if derr := a.DB.DeleteNote(dctx, noteID); derr != nil {
			a.Log.Error("remove note of refused step", "error", derr.Error())
		}
	}
	return res, err
}

func update[T any](ctx context.Context, a *App, workerID, stepID, name string, arg any) (T, error) {
	var res T
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	w, err := a.DB.Worker(ctx, workerID)
	if err != nil {
		return res, err
	}
	if stepID == "" {
		stepID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.WorkerWorkflowID(workerID), UpdateID: stepID, UpdateName: name,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
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
