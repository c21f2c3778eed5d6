package console

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// records are the worker page's sections beyond the lifecycle: schedule,
// statements, assessments, consents and handoffs. Read-only here.
type records struct {
	Schedule *app.ScheduleVersion
	// Services is the other-services grid: the days recorded.
	Services    []otherServiceRow
	Statements  []ippo.Statement
	Assessments []ippo.AssessmentRecord
	Comparison  []dimensionRow
	Chart       template.HTML
	Consents    []ippo.Consent
	Handoffs    []ippo.Handoff
	Tasks       []ippo.ClientAssignment
	// Month is the month of work logs and absences shown (?month=).
	Month    ippo.YearMonth
	Months   []ippo.YearMonth
	WorkLogs []app.WorkLogRecord
	Absences []app.AbsenceRecord
}

// dimensionRow compares the latest staff and self scores of one dimension.
type dimensionRow struct {
	Name        string
	Staff, Self int // 0: not yet assessed
	Gap         int // |staff − self|
	Marked      bool
}

func (s *Server) workerRecords(ctx context.Context, id string, month string) (records, error) {
	var r records
	r.Month = s.App.Today().YearMonth()
	for i := range 12 {
		r.Months = append(r.Months, r.Month.AddMonths(-i))
	}
	if m, err := ippo.ParseYearMonth(month); err == nil && !m.First().After(s.App.Today()) {
		r.Month = m
	}
	sched, err := s.App.Schedule(ctx, id)
	if err != nil {
		return r, err
	}
	r.Schedule = sched.InForce
	r.Services = otherServiceGrid(sched.OtherServices, nil)
	if r.Statements, err = s.App.WorkerStatements(ctx, id); err != nil {
		return r, err
	}
	if len(r.Statements) > 12 {
		r.Statements = r.Statements[:12] // newest first: the last year
	}
	history, err := s.App.Assessments(ctx, id)
	if err != nil {
		return r, err
	}
	r.Assessments = history.Items
	if r.Consents, err = s.App.Consents(ctx, id); err != nil {
		return r, err
	}
	if r.Handoffs, err = s.App.Handoffs(ctx, id); err != nil {
		return r, err
	}
	if r.Tasks, err = s.App.WorkerClientTasks(ctx, id); err != nil {
		return r, err
	}
	if r.WorkLogs, err = s.App.WorkLogs(ctx, id, &r.Month); err != nil {
		return r, err
	}
	if r.Absences, err = s.App.Absences(ctx, id, &r.Month); err != nil {
		return r, err
	}
	r.Comparison, r.Chart = compare(r.Assessments)
	return r, nil
}

// compare takes the latest staff and self assessment and sets them side by
// side per dimension, marking a gap of two points or more, with a chart.
func compare(list []ippo.AssessmentRecord) ([]dimensionRow, template.HTML) {
	var staff, self *ippo.AssessmentRecord
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b ippo.AssessmentRecord) int { return strings.Compare(a.On.String(), b.On.String()) })
	for i := range sorted {
		switch sorted[i].By {
		case ippo.AssessorStaff:
			staff = &sorted[i]
		case ippo.AssessorSelf:
			self = &sorted[i]
		}
	}
	if staff == nil && self == nil {
		return nil, ""
	}
	rows := make([]dimensionRow, 0, len(ippo.Dimensions))
	for _, d := range ippo.Dimensions {
		row := dimensionRow{Name: d.Japanese()}
		if staff != nil {
			row.Staff = staff.Scores.Get(d)
		}
		if self != nil {
			row.Self = self.Scores.Get(d)
		}
		if row.Staff > 0 && row.Self > 0 {
			row.Gap = max(row.Staff-row.Self, row.Self-row.Staff)
			row.Marked = row.Gap >= 2
		}
		rows = append(rows, row)
	}
	return rows, comparisonChart(rows)
}

// comparisonChart draws paired bars (staff, self) per dimension on a 0–5
// scale as inline SVG. The figures are in the table beside it; the chart
// is hidden from screen readers.
func comparisonChart(rows []dimensionRow) template.HTML {
	const (
		rowH, barH, left, width = 44, 14, 110, 200
	)
	var b strings.Builder
	h := len(rows)*rowH + 30
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-hidden="true" focusable="false">`, left+width+40, h)
	for i, r := range rows {
		y := i*rowH + 6
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y+barH+2, template.HTMLEscapeString(r.Name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="staff"/>`, left, y, r.Staff*width/5, barH)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="self"/>`, left, y+barH+2, r.Self*width/5, barH)
		if r.Marked {
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="gap">差%d</text>`, left+width+4, y+barH+2, r.Gap)
		}
	}
	for v := 0; v <= 5; v++ {
		x := left + v*width/5
		fmt.Fprintf(&b, `<line x1="%d" y1="0" x2="%d" y2="%d" class="grid"/><text x="%d" y="%d" class="tick">%d</text>`, x, x, h-20, x-3, h-4, v)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
