package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int
}

// figure is a chart with its figures in a table beside it (the table is
// what screen readers read; the chart is hidden from them).
type figure struct {
	Title string
	Unit  string
	Bars  []bar
	Chart template.HTML
}

func newFigure(title, unit string, bars []bar) figure {
	return figure{Title: title, Unit: unit, Bars: bars, Chart: barChart(bars)}
}

// barChart draws horizontal bars as inline SVG, scaled to the largest.
func barChart(bars []bar) template.HTML {
	const rowH, barH, left, width = 30, 18, 150, 180
	top := 1
	for _, b := range bars {
		top = max(top, b.Value)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" width="100%%" aria-hidden="true" focusable="false">`, left+width+50, len(bars)*rowH+4)
	for i, b := range bars {
		y := i*rowH + 4
		fmt.Fprintf(&sb, `<text x="0" y="%d" class="label">%s</text>`, y+barH-4, template.HTMLEscapeString(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" class="staff"/>`, left, y, b.Value*width/top, barH)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="tick">%d</text>`, left+b.Value*width/top+4, y+barH-4, b.Value)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

type reportView struct {
	Month   ippo.YearMonth
	Months  []ippo.YearMonth
	Closed  bool
	Figures []figure
	Rows    []ippo.Row
	// Closes are the recent monthly closes; Statements the month's, by worker.
	Closes     []app.MonthClose
	Statements []ippo.Statement
}

// monthParam reads ?month=YYYY-MM; the default is the last month that ended.
func (s *Server) monthParam(r *request) (ippo.YearMonth, []fieldProblem) {
	last := s.App.Today().YearMonth().AddMonths(-1)
	v := r.URL.Query().Get("month")
	if v == "" {
		return last, nil
	}
	m, err := ippo.ParseYearMonth(v)
	if err != nil {
		return last, []fieldProblem{{Field: "month", Label: "対象月", Message: "2026-11 のような形で選んでください。"}}
	}
	if m.Last().After(last.Last()) {
		return last, []fieldProblem{{Field: "month", Label: "対象月", Message: "まだ終わっていない月の報告はありません。"}}
	}
	return m, nil
}

// reportPage is 月次報告: the city's report with charts and the figures.
func (s *Server) reportPage(w http.ResponseWriter, r *request) {
	m, errs := s.monthParam(r)
	rep, err := s.App.MonthlyReport(r.Context(), m)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	v := reportView{Month: m, Closed: rep.Closed, Rows: rep.Rows()}
	if v.Closes, err = s.App.Closes(r.Context(), nil); err != nil {
		s.failure(w, r.Request, err)
		return
	}
	if v.Statements, err = s.App.MonthStatements(r.Context(), m); err != nil {
		s.failure(w, r.Request, err)
		return
	}
	last := s.App.Today().YearMonth().AddMonths(-1)
	for i := range 24 {
		v.Months = append(v.Months, last.AddMonths(-i))
	}
	var util, phases, cats, grads []bar
	for _, b := range rep.UtilizationBuckets {
		util = append(util, bar{b.Label, b.Count})
	}
	for _, p := range ippo.Phases {
		phases = append(phases, bar{p.Japanese(), rep.WorkersByPhase[p]})
	}
	cats = []bar{{"障害", rep.Categories[ippo.CategoryDisability]}, {"ひきこもり", rep.Categories[ippo.CategoryHikikomori]}}
	for _, d := range ippo.Destinations {
		grads = append(grads, bar{d.Japanese(), rep.Graduations[d]})
	}
	v.Figures = []figure{
		newFigure("稼働率の分布", "人", util),
		newFigure("月末の状況", "人", phases),
		newFigure("類型(契約中の方)", "人", cats),
		newFigure("卒業の行き先", "人", grads),
	}
	p := s.page(r, "月次報告 "+m.Japanese(), "reports", v)
	p.Errors = errs
	status := http.StatusOK
	if errs != nil {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r.Request, status, "reports", p)
}

// reportCSV downloads the month's report as CSV (with a BOM, so
// spreadsheet programs read it as UTF-8).
func (s *Server) reportCSV(w http.ResponseWriter, r *request) {
	m, errs := s.monthParam(r)
	if errs != nil {
		s.message(w, r.Request, http.StatusUnprocessableEntity, "対象月をお確かめください", errs[0].Message)
		return
	}
	rep, err := s.App.MonthlyReport(r.Context(), m)
	if err != nil {
		s.failure(w, r.Request, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ippo-report-`+m.String()+`.csv"`)
	_, _ = w.Write(append([]byte("\ufeff"), rep.CSV()...))
}
