package ippo

import (
	"fmt"
	"slices"
	"time"
)

// CloseInput is everything the monthly close of one worker needs.
type CloseInput struct {
	Month     YearMonth `json:"month"`
	Schedules Schedules `json:"schedules"`
	// ActiveFrom and ActiveUntil bound the contract, both days included; a
	// zero ActiveUntil leaves it open. Only days inside it count towards the
	// theoretical hours: a worker who joins on the 15th is measured from the
	// 15th.
	ActiveFrom  Date `json:"active_from"`
	ActiveUntil Date `json:"active_until,omitzero"`
	// Logs may hold any months; only those dated in Month count. Every log in
	// the month is paid, even one outside the contract period (work recorded
	// is work owed); the API is where such a log is refused.
	Logs []WorkLog `json:"logs"`
	// Wages must be in ascending order of From, as Policy.Validate requires.
	Wages         WageTable `json:"wages"`
	TargetPercent int       `json:"target_percent"`
	// Late is work on days of months closed before, logged after their
	// statements were issued: it is paid with this statement, each at the
	// rate in force on its day. It counts towards neither the month's hours
	// nor its utilization.
	Late []LateWork `json:"late,omitempty"`
}

// LateWork is a late work log with the hourly rate in force on its day.
type LateWork struct {
	LogID   string `json:"work_log_id"`
	Date    Date   `json:"date"`
	Minutes int    `json:"minutes"`
	RateYen int    `json:"rate_yen"`
}

// LateLine is the fee for a late work log: floor(minutes × rate ÷ 60).
type LateLine struct {
	LateWork
	AmountYen int `json:"amount_yen"`
}

// FeeLine is the fee for the logged minutes of the days From..To (both
// included), over which one hourly rate was in force.
type FeeLine struct {
	From      Date `json:"from"`
	To        Date `json:"to"`
	RateYen   int  `json:"rate_yen"`
	Minutes   int  `json:"minutes"`
	AmountYen int  `json:"amount_yen"`
}

// MonthFigures are one worker's figures for a closed month.
type MonthFigures struct {
	Month YearMonth `json:"month"`
	// TheoreticalMinutes is the sum over the contract days of the month of the
	// minutes declared for that weekday by the schedule in force that day.
	// Absences never reduce it.
	TheoreticalMinutes int `json:"theoretical_minutes"`
	// ActualMinutes is the sum of the month's work logs.
	ActualMinutes int `json:"actual_minutes"`
	// UtilizationPermille is actual over theoretical in tenths of a percent,
	// rounded down (799 is shown as 79.9%). Rounding down keeps the display
	// consistent with BelowTarget: a worker below target never shows the
	// target figure. It may exceed 1000, and is 0 when TheoreticalMinutes is 0.
	UtilizationPermille int `json:"utilization_permille"`
	TargetPercent       int `json:"target_percent"`
	// BelowTarget is actual/theoretical < target/100, decided in integers
	// (actual×100 < target×theoretical), so exactly 80% is not below 80%.
	// A worker with no theoretical minutes is never below target.
	BelowTarget bool `json:"below_target"`
	// Lines split the fee by rate: one line per period of the month with one
	// rate in force and logged minutes in it.
	Lines []FeeLine `json:"lines"`
	// TotalMinutes is the minutes paid (always equal to ActualMinutes);
	// TotalYen the sum of the lines' amounts.
	TotalMinutes int `json:"total_minutes"`
	TotalYen     int `json:"total_yen"`
	// LateLines pay the late work of earlier months (CloseInput.Late), by
	// day; LateMinutes and LateYen are their sums.
	LateLines   []LateLine `json:"late_lines"`
	LateMinutes int        `json:"late_minutes"`
	LateYen     int        `json:"late_yen"`
	// PayableYen is what the statement pays: TotalYen and LateYen.
	PayableYen int `json:"payable_yen"`
}

// UtilizationText renders the utilization as "79.9%", or "-" when nothing
// was declared.
func (m MonthFigures) UtilizationText() string {
	if m.TheoreticalMinutes == 0 {
		return "-"
	}
	return fmt.Sprintf("%d.%d%%", m.UtilizationPermille/10, m.UtilizationPermille%10)
}

// CloseMonth computes a worker's month: theoretical and actual minutes,
// utilization against the target, and the fee.
//
// Fee: each line's amount is floor(minutes × rate ÷ 60) yen (円未満切り捨て:
// the fraction of a yen is dropped, in the worker's disfavour by less than one
// yen per line), computed in integers. The total is the sum of the lines.
//
// It fails, rather than pay 0 yen, when a log falls on a day before the wage
// table starts, and on inputs that no caller should send (target outside
// 1–100, a contract without a start or ending before it starts, a log of 0
// minutes or less).
func CloseMonth(in CloseInput) (MonthFigures, error) {
	m := MonthFigures{Month: in.Month, TargetPercent: in.TargetPercent}
	if in.TargetPercent < 1 || in.TargetPercent > 100 {
		return MonthFigures{}, fmt.Errorf("close %s: target %d%% is not between 1 and 100", in.Month, in.TargetPercent)
	}
	if in.ActiveFrom.IsZero() {
		return MonthFigures{}, fmt.Errorf("close %s: the contract has no start date", in.Month)
	}
	if !in.ActiveUntil.IsZero() && in.ActiveUntil.Before(in.ActiveFrom) {
		return MonthFigures{}, fmt.Errorf("close %s: the contract ends (%s) before it starts (%s)", in.Month, in.ActiveUntil, in.ActiveFrom)
	}
	first, last := in.Month.First(), in.Month.Last()

	// Theoretical: each contract day of the month, by the version in force.
	from, until := first, last
	if in.ActiveFrom.After(from) {
		from = in.ActiveFrom
	}
	if !in.ActiveUntil.IsZero() && in.ActiveUntil.Before(until) {
		until = in.ActiveUntil
	}
	if !from.After(until) {
		wd := from.Weekday()
		for day := from.Day; day <= until.Day; day++ {
			m.TheoreticalMinutes += in.Schedules.minutesOnWeekday(Date{from.Year, from.Month, day}, wd)
			wd = (wd + 1) % 7
		}
	}

	// Actual and fee: one line per rate period, then drop the empty ones.
	// The periods cover the contract days of the month (a worker under
	// contract 12/14–12/26 reads 12/14–12/26, not the rate's 12/1–12/31),
	// widened to any logged day outside them so every log has its line.
	linesFrom, linesTo := from, until
	if from.After(until) {
		linesFrom, linesTo = first, last
	}
	for _, l := range in.Logs {
		if l.Date.YearMonth() != in.Month {
			continue
		}
		if l.Date.Before(linesFrom) {
			linesFrom = l.Date
		}
		if l.Date.After(linesTo) {
			linesTo = l.Date
		}
	}
	m.Lines = feePeriods(in.Wages, linesFrom, linesTo)
	for _, l := range in.Logs {
		if l.Date.Year != in.Month.Year || l.Date.Month != in.Month.Month {
			continue
		}
		if l.Minutes <= 0 {
			return MonthFigures{}, fmt.Errorf("close %s: the log of %s on task %q has %d minutes", in.Month, l.Date, l.TaskID, l.Minutes)
		}
		i := len(m.Lines) - 1
		for i > 0 && m.Lines[i].From.After(l.Date) {
			i--
		}
		if m.Lines[i].RateYen <= 0 {
			return MonthFigures{}, fmt.Errorf("close %s: no wage rate is in force on %s; add one to the policy's wage table", in.Month, l.Date)
		}
		m.Lines[i].Minutes += l.Minutes
		m.ActualMinutes += l.Minutes
	}
	kept := m.Lines[:0]
	for _, line := range m.Lines {
		if line.Minutes == 0 {
			continue
		}
		line.AmountYen = line.Minutes * line.RateYen / 60 // both positive: integer division is floor
		m.TotalMinutes += line.Minutes
		m.TotalYen += line.AmountYen
		kept = append(kept, line)
	}
	m.Lines = kept

	if t := m.TheoreticalMinutes; t > 0 {
		m.UtilizationPermille = m.ActualMinutes * 1000 / t
		m.BelowTarget = m.ActualMinutes*100 < in.TargetPercent*t
	}

	m.LateLines = []LateLine{}
	for _, l := range in.Late {
		switch {
		case !l.Date.Before(first):
			return MonthFigures{}, fmt.Errorf("close %s: late work of %s is not from an earlier month", in.Month, l.Date)
		case l.Minutes <= 0:
			return MonthFigures{}, fmt.Errorf("close %s: the late log of %s has %d minutes", in.Month, l.Date, l.Minutes)
		case l.RateYen <= 0:
			return MonthFigures{}, fmt.Errorf("close %s: no wage rate is in force on %s; add one to the policy's wage table", in.Month, l.Date)
		}
		line := LateLine{LateWork: l, AmountYen: l.Minutes * l.RateYen / 60}
		m.LateLines = append(m.LateLines, line)
		m.LateMinutes += l.Minutes
		m.LateYen += line.AmountYen
	}
	slices.SortStableFunc(m.LateLines, func(a, b LateLine) int { return a.Date.Compare(b.Date) })
	m.PayableYen = m.TotalYen + m.LateYen
	return m, nil
}

// feePeriods splits first..last into periods of one rate each, with rate 0
// before the table starts. Adjacent entries with the same rate make one
// period.
func feePeriods(w WageTable, first, last Date) []FeeLine {
	lines := make([]FeeLine, 1, 2)
	lines[0] = FeeLine{From: first, To: last, RateYen: w.RateOn(first)}
	for _, r := range w {
		if !r.From.After(first) || r.From.After(last) {
			continue
		}
		cur := &lines[len(lines)-1]
		if r.Yen == cur.RateYen {
			continue
		}
		cur.To = r.From.AddDays(-1)
		lines = append(lines, FeeLine{From: r.From, To: last, RateYen: r.Yen})
	}
	return lines
}

// minutesOnWeekday is DeclaredMinutesOn with the weekday already known, so
// the close does not recompute it for every day.
func (ss Schedules) minutesOnWeekday(d Date, wd time.Weekday) int {
	s, ok := ss.InForce(d)
	if !ok {
		return 0
	}
	return s.MinutesOn(wd)
}
