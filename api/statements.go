package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
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
	items, err := s.app().WorkerStatements(c.Request.Context(), id.String())
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
	items, err := s.app().Closes(c.Request.Context(), m)
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
	actor, _ := actorOf(c)
	id, err := s.app().StartClose(c.Request.Context(), actor, in.Month)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, CloseStarted{Month: in.Month, WorkflowId: id})
}
