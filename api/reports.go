package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
)

type reportRow struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// GetMonthlyReport answers the month's report for the city, as JSON or CSV.
func (s *Server) GetMonthlyReport(c *gin.Context, params GetMonthlyReportParams) {
	m, err := ippo.ParseYearMonth(params.Month)
	if err != nil {
		fail(c, ippo.Invalid([]ippo.FieldError{{Field: "month", Message: "must be a month in the form YYYY-MM"}}))
		return
	}
	r, err := s.app().MonthlyReport(c.Request.Context(), m)
	if err != nil {
		fail(c, err)
		return
	}
	if wantsCSV(c, string(deref(params.Format))) {
		c.Header("Content-Disposition", `attachment; filename="ippo-report-`+m.String()+`.csv"`)
		c.Data(http.StatusOK, "text/csv; charset=utf-8", append([]byte("\ufeff"), r.CSV()...))
		return
	}
	var rows []reportRow
	for _, row := range r.Rows() {
		rows = append(rows, reportRow(row))
	}
	c.JSON(http.StatusOK, struct {
		ippo.MonthlyReport
		Closed bool        `json:"closed"`
		Rows   []reportRow `json:"rows"`
	}{r.MonthlyReport, r.Closed, rows})
}
