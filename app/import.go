package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// Encoding is auto (the default), utf-8 or shift_jis.
	Encoding string
	// Check only validates the file and imports nothing.
	Check bool
	// Parallel rows at once (default 8): each is a transaction and a
	// workflow start, so a few in flight keep both busy.
	Parallel int
	// Progress, if set, is called after each valid row with the rows done
	// and the rows to do (never concurrently).
	Progress func(done, total int)
}

// ImportResult reports an import: rows read, workers imported now, rows
// already imported before (unchanged), and every refusal by row and column.
type ImportResult struct {
	Rows      int             `json:"rows"`
	Imported  int             `json:"imported"`
	Unchanged int             `json:"unchanged"`
	Refused   int             `json:"refused"`
	Problems  []ImportProblem `json:"problems"`
}

// Import brings in the workers a center already has under contract (see
// ParseImport for the file). Every row is checked first; valid rows are
// imported, refused ones are reported and change nothing, so a corrected
// file can be imported again. Each row is idempotent: its worker id is
// stable (ImportWorkerID), its rows are stored in one transaction, and the
// workflow start is the commit point: if it fails the stored rows are
// removed; a row stored earlier whose start never happened is started now;
// a row whose lifecycle exists (even closed) is left unchanged.
func (a *App) Import(ctx context.Context, actor Actor, data []byte, opt ImportOptions) (ImportResult, error) {
	today := a.Today()
	versions, err := a.DB.PolicyVersions(ctx)
	if err != nil {
		return ImportResult{}, errors.Join(ErrUnavailable, err)
	}
	rows, problems, err := ParseImport(data, opt.Encoding, versions, today)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(rows)}
	// A row imported earlier whose term has ended since no longer passes
	// the checks against today: it is unchanged, not refused.
	var ids []string
	for _, p := range problems {
		if p.workerID != "" {
			ids = append(ids, p.workerID)
		}
	}
	known, err := a.DB.ExistingWorkers(ctx, ids)
	if err != nil {
		return ImportResult{}, errors.Join(ErrUnavailable, err)
	}
	refusedRows, unchangedRows := map[int]bool{}, map[int]bool{}
	for _, p := range problems {
		if known[p.workerID] {
			unchangedRows[p.Row] = true
			continue
		}
		refusedRows[p.Row] = true
		res.Problems = append(res.Problems, p)
	}
	res.Rows += len(refusedRows) + len(unchangedRows)
	res.Refused, res.Unchanged = len(refusedRows), len(unchangedRows)
	if opt.Check {
		return res, nil
	}

	parallel := opt.Parallel
	if parallel <= 0 {
		parallel = 8
	}
	var (
		mu    sync.Mutex
		done  int
		first error // an outage: the rest is left for a later run
		wg    sync.WaitGroup
		next  = make(chan ImportRow)
	)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range next {
				created, err := a.importRow(ctx, actor, row)
				mu.Lock()
				switch {
				case err == nil && created:
					res.Imported++
				case err == nil:
					res.Unchanged++
				case ippo.ErrorCode(err) == ippo.ECONFLICT:
					res.Refused++
					res.Problems = append(res.Problems, ImportProblem{Row: row.Row, Column: columnLabel("email"),
						Message: "このメールアドレスの方は、すでに登録されていて利用中です"})
				default:
					if first == nil {
						first = fmt.Errorf("import row %d: %w", row.Row, err)
					}
				}
				done++
				if opt.Progress != nil {
					opt.Progress(done, len(rows))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, row := range rows {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		select {
		case next <- row:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	sortProblems(res.Problems)
	if first != nil {
		return res, errors.Join(ErrUnavailable, first)
	}
	return res, ctx.Err()
}

// importRow stores one row and starts its lifecycle. created is false when
// the row's lifecycle already existed.
func (a *App) importRow(ctx context.Context, actor Actor, row ImportRow) (created bool, err error) {
	stored, err := a.DB.ImportWorker(ctx, postgres.ImportedWorker{
		ID: row.WorkerID, Applicant: row.Applicant, SignedOn: row.Contract.SignedOn,
		TermEnd: row.Contract.TermEnd, Extensions: row.Contract.Extensions, Schedule: row.Schedule,
	}, actor.Ref())
	if err != nil {
		return false, err
	}
	_, err = a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflows.WorkerWorkflowID(row.WorkerID),
		TaskQueue: a.TaskQueue,
		// A lifecycle with this id, running or closed, is this row's:
		// importing it again changes nothing.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(workflows.PhaseAttribute.ValueSet(string(ippo.PhaseActive))),
	}, workflows.LifecycleWorkflow, workflows.LifecycleInput{
		WorkerID: row.WorkerID, Actor: actor.Ref(), Clock: a.Clock, Imported: &row.Contract,
	})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &started):
		return false, nil
	}
	if stored {
		if derr := a.DB.DeleteApplicant(ctx, row.WorkerID); derr != nil {
			a.log().Error("remove imported worker after failed start", "worker_id", row.WorkerID, "error", derr.Error())
		}
	}
	return false, err
}

func sortProblems(ps []ImportProblem) {
	slices.SortStableFunc(ps, func(a, b ImportProblem) int { return cmp.Compare(a.Row, b.Row) })
}
