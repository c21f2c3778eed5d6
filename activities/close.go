package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/mail"
	"github.com/ippo-center/ippo/postgres"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// The monthly close, in pages: the close workflow asks for the months to
// close, begins each, closes it a page of workers at a time (ClosePage), and
// finishes it. A page computes each worker's figures (ippo.CloseMonth),
// writes the statements once, then queues each statement's email and,
// below the target, the schedule review suggestion and a staff to-do, each
// keyed on the month and the worker; the Dispatcher delivers the emails
// (closes begun before that change send them by Notify). Every step is
// idempotent, so a page that is retried, or a whole close run again,
// changes nothing and sends nothing twice: statements that exist are kept
// as they are, and emails follow the outbox's exactly-once rule.

// MaxPendingCloses bounds how many months one close catches up.
const MaxPendingCloses = 12

// DefaultClosePageSize is how many workers one ClosePage closes.
const DefaultClosePageSize = 500

// PendingCloseMonths returns the months up to upTo that still need a close
// (see postgres.PendingCloseMonths), oldest first.
func (a *Activities) PendingCloseMonths(ctx context.Context, upTo ippo.YearMonth) ([]ippo.YearMonth, error) {
	return a.DB.PendingCloseMonths(ctx, upTo, MaxPendingCloses)
}

// CloseStart begins the close of Month by the workflow WorkflowID.
type CloseStart struct {
	Month      ippo.YearMonth
	WorkflowID string
}

// BeginClose records that the month's close is running; from then on the
// month takes no more work logs.
func (a *Activities) BeginClose(ctx context.Context, s CloseStart) error {
	return a.DB.BeginClose(ctx, s.Month, s.WorkflowID)
}

// FinishClose records that every worker of the month is closed.
func (a *Activities) FinishClose(ctx context.Context, m ippo.YearMonth) error {
	return a.DB.FinishClose(ctx, m)
}

// ClosePageInput asks to close the workers of Month after worker id After
// ("" for the first page), at most Limit of them.
type ClosePageInput struct {
	Month ippo.YearMonth
	After string `json:",omitempty"`
	Limit int
	// Dispatch queues the page's emails for the worker process's
	// dispatcher (activities.Dispatcher) instead of sending them: the page
	// then never waits on SendGrid. Set by closes that began after the
	// change (workflows' changeCloseOutbox); unset, a page sends its
	// emails itself, by Notify, as closes did before.
	Dispatch bool `json:",omitempty"`
}

// ClosePageResult says what a page did. Last is the cursor for the next
// page; Done is set when there are no more workers. Emails counts the
// emails the page's workers have from the close, sent now or before.
type ClosePageResult struct {
	Last          string `json:",omitempty"`
	Done          bool   `json:",omitempty"`
	Workers       int
	NewStatements int
	Emails        int
	Suggestions   int
	Failed        int
}

// Add sums page results into totals.
func (r *ClosePageResult) Add(p ClosePageResult) {
	r.Workers += p.Workers
	r.NewStatements += p.NewStatements
	r.Emails += p.Emails
	r.Suggestions += p.Suggestions
	r.Failed += p.Failed
}

// closeEmailConcurrency is how many of a page's emails go out at once. The
// store's pool is small and shared with the API, so it stays low; it mostly
// hides SendGrid's latency.
const closeEmailConcurrency = 2

// ClosePage closes one page of workers of a month. A worker whose figures
// cannot be computed (a work log on a day no wage rate covers) is left
// without a statement and staff get a to-do; the others are closed. A
// retryable failure of an email (SendGrid unreachable) fails the page after
// every other email of it was tried, so Temporal retries it; what was done
// is not done again.
func (a *Activities) ClosePage(ctx context.Context, in ClosePageInput) (ClosePageResult, error) {
	m := in.Month
	limit := in.Limit
	if limit <= 0 {
		limit = DefaultClosePageSize
	}
	cands, err := a.DB.CloseCandidates(ctx, m, in.After, limit)
	if err != nil {
		return ClosePageResult{}, err
	}
	res := ClosePageResult{Workers: len(cands), Done: len(cands) < limit}
	if len(cands) == 0 {
		return res, nil
	}
	res.Last = cands[len(cands)-1].WorkerID
	versions, err := a.DB.PolicyVersions(ctx)
	if err != nil {
		return res, err
	}
	wages, target := ippo.WagesOver(versions, m), ippo.TargetOver(versions, m)

	var (
		statements []ippo.Statement
		ids        = make([]string, len(cands))
		failures   = map[string]error{}
	)
	for i, c := range cands {
		ids[i] = c.WorkerID
		for j, l := range c.Late {
			c.Late[j].RateYen = ippo.PolicyAt(versions, l.Date).Wages.RateOn(l.Date) // as WagesOver does for the day's month
		}
		fig, err := ippo.CloseMonth(ippo.CloseInput{
			Month: m, Schedules: c.Schedules, ActiveFrom: c.ActiveFrom, ActiveUntil: c.ActiveUntil,
			Logs: c.Logs, Wages: wages, TargetPercent: target, Late: c.Late,
		})
		if err != nil {
			failures[c.WorkerID] = err
			continue
		}
		statements = append(statements, ippo.Statement{
			WorkerID: c.WorkerID, ActiveFrom: c.ActiveFrom, ActiveUntil: c.ActiveUntil,
			ReviewSuggested: ippo.SuggestReview(fig, c.ActiveUntil), MonthFigures: fig,
		})
	}
	if res.NewStatements, err = a.DB.InsertStatements(ctx, statements); err != nil {
		return res, err
	}
	// Emails follow the stored statements, which a rerun finds unchanged
	// (even if the figures could no longer be computed today).
	stored, err := a.DB.Statements(ctx, postgres.StatementFilter{Month: &m, WorkerIDs: ids, All: true})
	if err != nil {
		return res, err
	}
	for _, s := range stored {
		delete(failures, s.WorkerID)
	}
	for _, id := range ids {
		if err, ok := failures[id]; ok {
			res.Failed++
			if err := a.closeFailed(ctx, m, id, err); err != nil {
				return res, err
			}
		}
	}

	// Emails already past queued and sending were sent (or held, or
	// handed to staff) by an earlier attempt; Notify would only find that
	// out after rendering them again, so they are passed over here.
	var keys []string
	for _, st := range stored {
		keys = append(keys, postgres.StatementEmailKey(m, st.WorkerID), postgres.ReviewEmailKey(m, st.WorkerID))
	}
	done, err := a.DB.OutboxStatuses(ctx, keys)
	if err != nil {
		return res, err
	}

	var (
		mu        sync.Mutex
		retryable []error
		wg        sync.WaitGroup
		slots     = make(chan struct{}, closeEmailConcurrency)
		progress  int
	)
	for _, s := range stored {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			emails, err := a.closeEmails(ctx, s, done, in.Dispatch)
			mu.Lock()
			defer mu.Unlock()
			res.Emails += emails
			if s.ReviewSuggested {
				res.Suggestions++
			}
			if err != nil {
				var app *temporal.ApplicationError
				if errors.As(err, &app) && app.NonRetryable() {
					res.Failed++
					if err := a.closeFailed(ctx, m, s.WorkerID, err); err != nil {
						retryable = append(retryable, err)
					}
				} else {
					retryable = append(retryable, err)
				}
			}
			progress++
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, progress)
			}
		}()
	}
	wg.Wait()
	if len(retryable) > 0 {
		return res, fmt.Errorf("close %s: %d of %d workers' emails will be retried: %w", m, len(retryable), len(stored), errors.Join(retryable...))
	}
	return res, nil
}

// closeEmails sends a closed worker's statement and, if the close
// suggested it, the schedule review suggestion and the staff to-do. It
// returns how many emails the worker has from the close (sent now or
// before). statuses holds the outbox status of emails already written.
// With dispatch, the emails are only queued for the dispatcher.
func (a *Activities) closeEmails(ctx context.Context, s ippo.Statement, statuses map[string]string, dispatch bool) (int, error) {
	n := 0
	send := func(key string, e Email) error {
		n++
		st, ok := statuses[key]
		if ok && st != ippo.EmailQueued && st != ippo.EmailSending {
			return nil
		}
		notice := Notice{Key: key, Email: e, WorkerID: s.WorkerID, Facts: Facts{Month: s.Month}}
		if dispatch {
			if st == ippo.EmailSending {
				return nil // claimed by the dispatcher (its sweep settles an interrupted send)
			}
			return a.enqueue(ctx, notice)
		}
		_, err := a.Notify(ctx, notice)
		return err
	}
	if err := send(postgres.StatementEmailKey(s.Month, s.WorkerID), EmailMonthlyStatement); err != nil {
		return n, err
	}
	if !s.ReviewSuggested {
		return n, nil
	}
	if err := send(postgres.ReviewEmailKey(s.Month, s.WorkerID), EmailScheduleReview); err != nil {
		return n, err
	}
	key := postgres.BelowTargetTaskKey(s.Month, s.WorkerID)
	return n, a.DB.CreateStaffTodo(ctx, ippo.StaffTodo{
		ID: uuid.NewSHA1(outboxNamespace, []byte(key)).String(), Key: key, Kind: "schedule_review", WorkerID: s.WorkerID,
		Title: fmt.Sprintf("スケジュールの見直しのご提案(%s)", s.Month.Japanese()),
		Body: fmt.Sprintf("%sの作業時間は、申告したスケジュールの %s に対して %s(%s)で、目安の%d%%を下回りました。"+
			"ご本人には、スケジュールを一緒に見直してみませんかというご提案をメールでお送りしています。"+
			"体調や暮らしの様子をうかがいながら、無理なく続けられるペースを一緒に考えてください。",
			s.Month.Japanese(), mail.Hours(hours(s.TheoreticalMinutes)), mail.Hours(hours(s.ActualMinutes)), s.UtilizationText(), s.TargetPercent),
	})
}

// closeFailed gives staff a to-do about a worker the close could not close.
func (a *Activities) closeFailed(ctx context.Context, m ippo.YearMonth, workerID string, cause error) error {
	slog.ErrorContext(ctx, "monthly close of a worker failed", "month", m.String(), "worker", workerID, "error", cause.Error())
	key := "close/" + m.String() + "/" + workerID + "/failed"
	return a.DB.CreateStaffTodo(ctx, ippo.StaffTodo{
		ID: uuid.NewSHA1(outboxNamespace, []byte(key)).String(), Key: key, Kind: "close_failed", WorkerID: workerID,
		Title: fmt.Sprintf("月次の締めができなかったワーカーがいます(%s)", m.Japanese()),
		Body:  fmt.Sprintf("%sの締めで、報酬を計算できませんでした。原因を直してから、締めをもう一度実行してください(POST /api/v1/closes)。理由: %s", m.Japanese(), cause.Error()),
	})
}

func hours(minutes int) float64 { return float64(minutes) / 60 }

// composeMonth renders a month's statement or schedule review suggestion
// from the stored statement.
func (a *Activities) composeMonth(ctx context.Context, e Email, w ippo.Worker, m ippo.YearMonth) (mail.Data, error) {
	if m == (ippo.YearMonth{}) {
		return nil, nonRetryable(fmt.Errorf("%s needs the month", e))
	}
	s, err := a.DB.Statement(ctx, w.ID, m)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		return nil, nonRetryable(err)
	}
	if err != nil {
		return nil, err
	}
	center, name := a.Center, w.Applicant.Name
	if e == EmailScheduleReview {
		return mail.ScheduleReviewSuggestion{
			Center: center, Name: name, Month: m,
			DeclaredHours: hours(s.TheoreticalMinutes), ActualHours: hours(s.ActualMinutes),
			Percent: s.UtilizationPermille / 10, TargetPercent: s.TargetPercent,
		}, nil
	}
	d := mail.MonthlyStatement{Center: center, Name: name, Month: m, TotalHours: hours(s.TotalMinutes), TotalYen: s.TotalYen,
		LateYen: s.LateYen}
	if a.PaymentTerms == "" {
		// The default terms fix the date (翌月末日); terms configured
		// otherwise state their own.
		d.PaymentDate = ippo.PaymentDue(m)
	}
	if d.AbsenceURL, d.AbsenceUntil, err = a.statementAbsenceLink(w); err != nil {
		return nil, err
	}
	for _, l := range s.Lines {
		d.Lines = append(d.Lines, mail.FeeLine{From: l.From, To: l.To, Hours: hours(l.Minutes), YenPerHour: l.RateYen, Amount: l.AmountYen})
	}
	for _, l := range s.LateLines {
		d.Late = append(d.Late, mail.FeeLine{From: l.Date, To: l.Date, Hours: hours(l.Minutes), YenPerHour: l.RateYen, Amount: l.AmountYen})
	}
	return d, nil
}
