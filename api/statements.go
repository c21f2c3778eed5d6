package api

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// wantsCSV reports whether the request asks for CSV: format=csv, or an
// Accept header that prefers text/csv and no format parameter.
func wantsCSV(c *gin.Context, format string) bool {
	if format != "" {
		return format == "csv"
	}
	return strings.Contains(c.GetHeader("Accept"), "text/csv")
}

// ListWorkerStatements lists the worker's monthly statements.
func (s *Server) ListWorkerStatements(c *gin.Context, id WorkerID, params ListWorkerStatementsParams) {
	ctx := c.Request.Context()
	if _, err := s.DB.Worker(ctx, id.String()); err != nil {
		fail(c, err)
		return
	}
	items, err := s.DB.Statements(ctx, postgres.StatementFilter{WorkerID: id.String(), All: true})
	if err != nil {
		fail(c, err)
		return
	}
	if wantsCSV(c, string(deref(params.Format))) {
		w := startCSV(c, "statements-"+id.String()+".csv")
		for _, st := range items {
			writeStatementRow(w, st)
		}
		w.Flush()
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// ListStatements lists every worker's statement for a month.
func (s *Server) ListStatements(c *gin.Context, params ListStatementsParams) {
	ctx := c.Request.Context()
	mp, err := monthParam(&params.Month)
	if err != nil {
		fail(c, err)
		return
	}
	m := *mp
	if wantsCSV(c, string(deref(params.Format))) {
		w := startCSV(c, "statements-"+m.String()+".csv")
		err := s.DB.EachStatement(ctx, m, func(st ippo.Statement) error {
			writeStatementRow(w, st)
			return w.Error()
		})
		w.Flush()
		if err != nil {
			// The status has gone out with the first rows; all that is left
			// is to say so in the log. A short file lacks its last rows.
			logger(c).Error("statements export cut short", "month", m.String(), "error", err.Error())
		}
		return
	}
	f := postgres.StatementFilter{Month: &m, Limit: deref(params.Limit)}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if cur := deref(params.Cursor); cur != "" {
		_, id, err := parseCursor(cur)
		if err != nil {
			fail(c, err)
			return
		}
		f.AfterWorkerID = id
	}
	items, err := s.DB.Statements(ctx, f)
	if err != nil {
		fail(c, err)
		return
	}
	page := gin.H{"items": nonNil(items)}
	if len(items) == f.Limit {
		page["next_cursor"] = cursor(time.Time{}, items[len(items)-1].WorkerID)
	}
	c.JSON(http.StatusOK, page)
}

var statementHeader = []string{
	"month", "worker_id", "worker_name", "active_from", "active_until", "theoretical_minutes", "actual_minutes",
	"theoretical_hours", "actual_hours", "utilization_percent", "target_percent", "below_target", "review_suggested",
	"fee_lines", "total_minutes", "total_hours", "total_yen", "closed_at",
	"late_lines", "late_minutes", "late_yen", "payable_yen",
}

// startCSV answers with a CSV file: UTF-8 with a byte order mark, so
// spreadsheet programs read Japanese names, and the header row.
func startCSV(c *gin.Context, filename string) *csv.Writer {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Status(http.StatusOK)
	_, _ = c.Writer.WriteString("\ufeff")
	w := csv.NewWriter(c.Writer)
	_ = w.Write(statementHeader)
	return w
}

func writeStatementRow(w *csv.Writer, s ippo.Statement) {
	lines := make([]string, len(s.Lines))
	for i, l := range s.Lines {
		lines[i] = fmt.Sprintf("%s..%s %d×%d=%d", l.From, l.To, l.Minutes, l.RateYen, l.AmountYen)
	}
	late := make([]string, len(s.LateLines))
	for i, l := range s.LateLines {
		late[i] = fmt.Sprintf("%s %d×%d=%d", l.Date, l.Minutes, l.RateYen, l.AmountYen)
	}
	util := ""
	if s.TheoreticalMinutes > 0 {
		util = fmt.Sprintf("%d.%d", s.UtilizationPermille/10, s.UtilizationPermille%10)
	}
	_ = w.Write(ippo.CSVRow( // names are typed by people: no cell may start a formula
		s.Month.String(), s.WorkerID, s.WorkerName, s.ActiveFrom.String(), s.ActiveUntil.String(),
		strconv.Itoa(s.TheoreticalMinutes), strconv.Itoa(s.ActualMinutes),
		hoursText(s.TheoreticalMinutes), hoursText(s.ActualMinutes), util, strconv.Itoa(s.TargetPercent),
		strconv.FormatBool(s.BelowTarget), strconv.FormatBool(s.ReviewSuggested), strings.Join(lines, "; "),
		strconv.Itoa(s.TotalMinutes), hoursText(s.TotalMinutes), strconv.Itoa(s.TotalYen), s.ClosedAt.UTC().Format(time.RFC3339),
		strings.Join(late, "; "), strconv.Itoa(s.LateMinutes), strconv.Itoa(s.LateYen), strconv.Itoa(s.PayableYen),
	))
}

// hoursText renders minutes as decimal hours to two places (90 → 1.50).
func hoursText(minutes int) string { return strconv.FormatFloat(float64(minutes)/60, 'f', 2, 64) }

// ListCloses lists monthly closes and their status.
func (s *Server) ListCloses(c *gin.Context, params ListClosesParams) {
	m, err := monthParam(params.Month)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := s.DB.MonthCloses(c.Request.Context(), m, 0)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": nonNil(items)})
}

// StartClose runs the close of a month that has ended.
func (s *Server) StartClose(c *gin.Context) {
	var in CloseInput
	if !bindJSON(c, &in) {
		return
	}
	ctx := c.Request.Context()
	m, today := in.Month, s.today()
	if !today.After(m.Last()) {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "month", Message: fmt.Sprintf("%s has not ended yet (today is %s); a month is closed once it is over", m, today)}}))
		return
	}
	closes, err := s.DB.MonthCloses(ctx, &m, 1)
	if err != nil {
		fail(c, err)
		return
	}
	if len(closes) == 1 && closes[0].Status == postgres.CloseRunning {
		fail(c, ippo.Errorf(ippo.ECONFLICT, "a close of %s is running (%s); wait for it to finish (GET /closes?month=%s)", m, closes[0].WorkflowID, m))
		return
	}
	id := workflows.ManualCloseWorkflowID(s.TaskQueue, m)
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, workflows.MonthlyCloseWorkflow, workflows.MonthlyCloseInput{Clock: s.Clock, Month: m})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		fail(c, ippo.Errorf(ippo.ECONFLICT, "a close of %s is already running (%s)", m, id))
		return
	case err != nil:
		fail(c, errors.Join(errUnavailable, err))
		return
	}
	c.JSON(http.StatusAccepted, CloseStarted{Month: m, WorkflowId: id})
}
