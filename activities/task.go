package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
)

// Client tasks (issue 14): the task workflow's steps, emails and staff
// to-dos. The workflow passes IDs; names, addresses and the task's text
// are read here.

// Staff to-do kinds of the task workflow.
const (
	TodoTaskUnanswered = "task_unanswered"
	TodoTaskOverdue    = "task_overdue"
)

// RecordTaskStep writes one step of a task's workflow (its timeline, the
// worker's, and what the step changes), once per key.
func (a *Activities) RecordTaskStep(ctx context.Context, s ippo.TaskStep) error {
	return a.DB.RecordTaskStep(ctx, s)
}

// TaskEffects is everything one decision of a task's workflow records: its
// steps, the emails they ask for and staff to-dos. The workflow makes the
// decision final in its own state first; this is the one write that
// follows it (the lifecycle's Effects, for a task).
type TaskEffects struct {
	Steps  []ippo.TaskStep
	Emails []Notice
	Todos  []StaffTodo
}

// RecordTaskEffects writes e in one PostgreSQL transaction, each part keyed
// (steps, emails and to-dos), so a retry or a second run writes nothing
// twice. Emails are only queued: the Dispatcher delivers them, so nothing
// the task workflow waits for depends on SendGrid. Short, and touching only
// PostgreSQL: the workflow runs it as a local activity.
func (a *Activities) RecordTaskEffects(ctx context.Context, e TaskEffects) error {
	emails, err := a.stepEmails(ctx, e.Emails)
	if err != nil {
		return err
	}
	todos := make([]ippo.StaffTodo, 0, len(e.Todos))
	for _, t := range e.Todos {
		todo, err := a.staffTodo(ctx, t)
		if err != nil {
			return fmt.Errorf("word to-do %s: %w", t.Key, err)
		}
		todos = append(todos, todo)
	}
	if err := a.DB.RecordTaskEffects(ctx, e.Steps, emails, todos); err != nil {
		return fmt.Errorf("record task effects: %w", err)
	}
	return nil
}

// composeTask renders a task email for worker w.
func (a *Activities) composeTask(ctx context.Context, n Notice, w ippo.Worker) (mail.Data, error) {
	task, err := a.DB.ClientTask(ctx, n.Facts.TaskID)
	if err != nil {
		return nil, nonRetryableIfNotFound(err)
	}
	kind := ippo.TaskTypeJapanese(task.Type)
	switch n.Email {
	case EmailTaskTaken:
		return mail.TaskTaken{Center: a.Center, Name: w.Applicant.Name, Kind: kind}, nil
	case EmailTaskWithdrawn:
		return mail.TaskWithdrawn{Center: a.Center, Name: w.Applicant.Name, Kind: kind}, nil
	case EmailTaskDueReminder:
		return mail.TaskDueReminder{Center: a.Center, Name: w.Applicant.Name, Kind: kind, DueOn: n.Facts.DueOn}, nil
	}
	p, err := a.DB.PolicyAt(ctx, n.Facts.On)
	if err != nil {
		return nil, err
	}
	url, err := a.link(links.ActionTaskAnswer, w.ID, task.ID, n.Facts.LinkExpires)
	if err != nil {
		return nil, err
	}
	d := mail.TaskRequest{
		Center: a.Center, Name: w.Applicant.Name, Kind: kind, Description: task.Description,
		StartsOn: task.StartsOn, DueOn: task.DueOn, HourlyYen: p.Wages.RateOn(n.Facts.On),
		RateBasis: mail.RateBasisMinimumWage(p.WagePrefecture), PaymentTerms: a.paymentTerms(),
		AnswerBy: n.Facts.AnswerBy, AnswerURL: url,
	}
	if task.ExpectedMinutes > 0 {
		d.ExpectedHours = ippo.HoursJapanese(task.ExpectedMinutes)
	}
	return d, nil
}

// taskTodo words a task's staff to-do. An unanswered request names the
// next suggestion (the best-ranked worker not yet asked) so staff can ask
// them; silence is never treated as a fault of the worker.
func (a *Activities) taskTodo(ctx context.Context, t StaffTodo, out *ippo.StaffTodo) error {
	task, err := a.DB.ClientTask(ctx, t.TaskID)
	if err != nil {
		return nonRetryableIfNotFound(err)
	}
	kind := ippo.TaskTypeJapanese(task.Type)
	if t.Kind == TodoTaskOverdue {
		out.Title = "案件の納期を過ぎています"
		out.Body = fmt.Sprintf("案件 %s(%s、納期 %s)の納品がまだ記録されていません。ワーカー %s に、体調や進み具合を気づかいながら様子を聞いてください。納品されていれば記録してください。",
			task.ID, kind, t.DueOn.Japanese(), t.WorkerID)
		return nil
	}
	out.Title = "案件の依頼に、まだお返事がありません"
	out.Body = fmt.Sprintf("案件 %s(%s)の依頼に、ワーカー %s からまだお返事がありません。急かさず、必要なら次の方への依頼を検討してください。",
		task.ID, kind, t.WorkerID)
	reqs, err := a.DB.TaskRequests(ctx, task.ID)
	if err != nil {
		return err
	}
	asked := map[string]bool{}
	for _, r := range reqs {
		asked[r.WorkerID] = true
	}
	// The first worker not asked yet is at most len(asked) places down, so
	// only that many and one more are worded (words are the costly part).
	ranked, err := a.DB.RankTask(ctx, task, a.Clock.Today(time.Now()), len(asked)+1)
	if err != nil {
		return err
	}
	for _, s := range ranked {
		if !asked[s.WorkerID] {
			out.Body += fmt.Sprintf("\n次の候補: ワーカー %s(%d位、%.2f点)。", s.WorkerID, s.Rank, s.Score)
			for _, term := range s.Terms {
				out.Body += "\n・" + term.Reason
			}
			break
		}
	}
	return nil
}
