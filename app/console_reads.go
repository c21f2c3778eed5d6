package app

import (
	"context"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
)

// Reads the staff console needs beyond the API's.

// WorkerListFilter selects a page of the console's worker list.
type WorkerListFilter struct {
	Phase  ippo.Phase
	Status string
	Query  string // part of the name, kana or email
	// EndsFrom and EndsBefore bound the current term's end (zero: unbounded).
	EndsFrom, EndsBefore ippo.Date
	// ByDeadline sorts by the next deadline, soonest first; otherwise the
	// oldest application comes first.
	ByDeadline    bool
	Offset, Limit int
}

// WorkerList returns a page of workers and how many match in all.
func (a *App) WorkerList(ctx context.Context, f WorkerListFilter) ([]ippo.Worker, int, error) {
	return a.DB.WorkerList(ctx, postgres.WorkerListFilter(f))
}

// MonthStatements lists a closed month's statements, every worker's.
func (a *App) MonthStatements(ctx context.Context, m ippo.YearMonth) ([]ippo.Statement, error) {
	return a.DB.Statements(ctx, postgres.StatementFilter{Month: &m, All: true})
}
