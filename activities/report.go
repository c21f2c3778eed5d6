package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"go.temporal.io/sdk/temporal"
)

// ErrMonthNotClosed says a month's close has not finished; the report
// activity is retried until it has.
var ErrMonthNotClosed = errors.New("the month's close has not finished yet")

// CityReportKey is the outbox key of the city's report for month m.
func CityReportKey(m ippo.YearMonth) string { return "report/" + m.String() + "/city" }

// ReportCatchUpMonths is how many months before the one it is for a
// monthly report looks back for closed months whose report was never sent:
// ten years, so that however long a report waited for a late close (and
// the schedule skipped the firings meanwhile), no month is left out.
const ReportCatchUpMonths = 120

// UnreportedMonths returns the months of the ReportCatchUpMonths before m
// whose close has finished but whose city report is not in the outbox,
// oldest first: a report that did not run (its schedule found the previous
// one still waiting for a late close, or the compressed program clock
// passed over a short month) is sent by the next.
func (a *Activities) UnreportedMonths(ctx context.Context, m ippo.YearMonth) ([]ippo.YearMonth, error) {
	closed, err := a.DB.ClosedMonths(ctx, m.AddMonths(-ReportCatchUpMonths), m.Prev())
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(closed))
	for i, c := range closed {
		keys[i] = CityReportKey(c)
	}
	sent, err := a.DB.OutboxStatuses(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []ippo.YearMonth
	for _, c := range closed {
		if _, ok := sent[CityReportKey(c)]; !ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// SendCityReport emails the month's report to the city contact in the
// policy (once per month, by the exactly-once rule of Notify). It waits
// for the month's close, whose statements give the hours and fees: until
// then it fails with ErrMonthNotClosed and Temporal retries it. Reports
// that began before the outbox change run it; later ones run
// EnqueueCityReport.
func (a *Activities) SendCityReport(ctx context.Context, m ippo.YearMonth) (NoticeResult, error) {
	email, err := a.cityReport(ctx, m)
	if err != nil {
		return NoticeResult{}, err
	}
	e, err := a.DB.EnqueueEmail(ctx, email)
	if err != nil {
		return NoticeResult{}, fmt.Errorf("enqueue city report %s: %w", m, err)
	}
	return a.deliver(ctx, e)
}

// EnqueueCityReport writes the month's report to the city, once (keyed on
// the month), for the worker process's dispatcher to deliver: the report
// records its decision and never waits on SendGrid. Like SendCityReport it
// fails with ErrMonthNotClosed until the month's close has finished.
func (a *Activities) EnqueueCityReport(ctx context.Context, m ippo.YearMonth) (NoticeResult, error) {
	email, err := a.cityReport(ctx, m)
	if err != nil {
		return NoticeResult{}, err
	}
	if err := a.DB.EnqueueForDispatch(ctx, []postgres.StepEmail{{OutboxEmail: email, Held: a.Sender == nil}}); err != nil {
		return NoticeResult{}, fmt.Errorf("enqueue city report %s: %w", m, err)
	}
	e, err := a.DB.OutboxEmail(ctx, email.ID)
	return NoticeResult{OutboxID: e.ID, Status: e.Status}, err
}

// cityReport renders the month's report once its close has finished.
func (a *Activities) cityReport(ctx context.Context, m ippo.YearMonth) (ippo.OutboxEmail, error) {
	closed, err := a.DB.MonthClosed(ctx, m)
	if err != nil {
		return ippo.OutboxEmail{}, err
	}
	if !closed {
		// A month before the first close Ippo made (it was installed
		// later) is never closed: there is nothing to wait for.
		later, err := a.DB.ClosedMonths(ctx, m.Next(), m.AddMonths(ReportCatchUpMonths))
		if err != nil {
			return ippo.OutboxEmail{}, err
		}
		earlier, err := a.DB.ClosedMonths(ctx, m.AddMonths(-ReportCatchUpMonths), m.Prev())
		if err != nil {
			return ippo.OutboxEmail{}, err
		}
		if len(later) > 0 && len(earlier) == 0 {
			return ippo.OutboxEmail{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s: no close, and none before it: Ippo's first closed month is %s", m, later[0]), "month_never_closed", nil)
		}
		return ippo.OutboxEmail{}, temporal.NewApplicationError(fmt.Sprintf("%s: %v", m, ErrMonthNotClosed), "month_not_closed")
	}
	p, err := a.DB.PolicyAt(ctx, m.Last())
	if err != nil {
		return ippo.OutboxEmail{}, err
	}
	report, err := a.DB.MonthlyReport(ctx, m, p.MunicipalityName)
	if err != nil {
		return ippo.OutboxEmail{}, err
	}
	var lines []mail.Line
	for _, r := range report.Rows() {
		lines = append(lines, mail.Line{Label: r.Label, Value: r.Value})
	}
	rendered, err := mail.Render(mail.CityMonthlyReport{
		Center:    a.Center,
		Recipient: p.MunicipalityName + " ご担当者様",
		Month:     m,
		Rows:      lines,
		CSV:       report.CSV(),
	})
	if err != nil {
		return ippo.OutboxEmail{}, nonRetryable(err)
	}
	key := CityReportKey(m)
	return ippo.OutboxEmail{
		ID:        OutboxID(key),
		Key:       key,
		Template:  string(mail.TemplateCityMonthlyReport),
		Recipient: p.CityEmail,
		Subject:   rendered.Subject,
		Text:      rendered.Text,
		HTML:      rendered.HTML,
	}, nil
}
