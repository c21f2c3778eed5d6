package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// MonthClose is a month's close and how far it got.
type MonthClose struct {
	Month      ippo.YearMonth `json:"month"`
	Status     string         `json:"status"`
	Runs       int            `json:"runs"`
	WorkflowID string         `json:"workflow_id"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	// Statements counts the workers closed so far; the sums are theirs.
	Statements     int `json:"statements"`
	TotalMinutes   int `json:"total_minutes"`
	TotalYen       int `json:"total_yen"`
	BelowTarget    int `json:"below_target"`
	ReviewsSuggest int `json:"review_suggestions"`
	// Emails counts the statement emails by outbox status.
	Emails map[string]int `json:"emails"`
}

// Closes lists the monthly closes (of one month, or the latest).
func (a *App) Closes(ctx context.Context, month *ippo.YearMonth) ([]MonthClose, error) {
	rows, err := a.DB.MonthCloses(ctx, month, 0)
	return mapped(rows, err, func(r postgres.MonthClose) MonthClose { return MonthClose(r) })
}

// StartClose starts the close of a month that has ended, on demand; it
// answers the close workflow's ID.
func (a *App) StartClose(ctx context.Context, _ Actor, m ippo.YearMonth) (string, error) {
	today := a.Today()
	if !today.After(m.Last()) {
		return "", ippo.Invalid([]ippo.FieldError{{Field: "month", Message: fmt.Sprintf("%s has not ended yet (today is %s); a month is closed once it is over", m, today)}})
	}
	closes, err := a.DB.MonthCloses(ctx, &m, 1)
	if err != nil {
		return "", err
	}
	if len(closes) == 1 && closes[0].Status == postgres.CloseRunning {
		return "", ippo.Errorf(ippo.ECONFLICT, "a close of %s is running (%s); wait for it to finish (GET /closes?month=%s)", m, closes[0].WorkflowID, m)
	}
	id := workflows.ManualCloseWorkflowID(a.TaskQueue, m)
	_, err = a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                a.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Without it the SDK answers the running close as if it had just
		// started, and a second request would not hear that one is running.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, workflows.MonthlyCloseWorkflow, workflows.MonthlyCloseInput{Clock: a.Clock, Month: m})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return "", ippo.Errorf(ippo.ECONFLICT, "a close of %s is already running (%s)", m, id)
	case err != nil:
		return "", errors.Join(ErrUnavailable, err)
	}
	return id, nil
}

// WorkerStatements lists the worker's monthly statements.
func (a *App) WorkerStatements(ctx context.Context, workerID string) ([]ippo.Statement, error) {
	if _, err := a.DB.Worker(ctx, workerID); err != nil {
		return nil, err
	}
	return a.DB.Statements(ctx, postgres.StatementFilter{WorkerID: workerID, All: true})
}

// MonthlyReport is the month's report for the city and whether the month
// is closed (its figures are final).
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
