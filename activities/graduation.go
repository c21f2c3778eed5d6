package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
)

// Activities of assessments, graduation and handoff (issue 6).

// AssessmentAcceptance names an assessment the lifecycle has recorded.
type AssessmentAcceptance struct {
	WorkerID     string
	AssessmentID string
}

// AcceptAssessment marks an assessment the API stored as recorded by the
// lifecycle, so it is listed. An unknown assessment fails for good.
func (a *Activities) AcceptAssessment(ctx context.Context, r AssessmentAcceptance) error {
	return nonRetryableIfNotFound(a.DB.AcceptAssessment(ctx, r.WorkerID, r.AssessmentID))
}

// HandoffProvision and HandoffChange are the store's requests, named here
// so workflows need not import the store.
type (
	HandoffProvision = postgres.HandoffProvision
	HandoffChange    = postgres.HandoffChange
)

// HandoffOutcome is what became of a handoff when it was to be sent: the
// category names of what was provided, never the facts.
type HandoffOutcome struct {
	Status string
	Reason string           `json:",omitempty"`
	Items  []ippo.ShareItem `json:",omitempty"`
}

// ProvideHandoff checks the worker's consent at the moment of sending and
// records the provision (or the cancellation); see postgres.ProvideHandoff.
func (a *Activities) ProvideHandoff(ctx context.Context, p HandoffProvision) (HandoffOutcome, error) {
	h, err := a.DB.ProvideHandoff(ctx, p)
	if err != nil {
		return HandoffOutcome{}, nonRetryableIfNotFound(err)
	}
	return HandoffOutcome{Status: h.Status, Reason: h.Reason, Items: h.Items}, nil
}

// ChangeHandoff records a handoff's later status (acknowledged, escalated,
// consent withdrawn).
func (a *Activities) ChangeHandoff(ctx context.Context, c HandoffChange) error {
	return a.DB.ChangeHandoff(ctx, c)
}

// ProvisionDeletion asks for the record of a provision to be deleted.
type ProvisionDeletion struct {
	HandoffID string
	// ProgramAt is the program instant, for the timeline entry.
	ProgramAt time.Time
}

// DeleteProvision deletes a provision record whose retention has passed.
func (a *Activities) DeleteProvision(ctx context.Context, d ProvisionDeletion) (bool, error) {
	return a.DB.DeleteProvision(ctx, d.HandoffID, d.ProgramAt)
}

// Staff to-do kinds the lifecycle creates.
const (
	TodoAssessmentOverdue       = "assessment_overdue"
	TodoHandoffUnacknowledged   = "handoff_unacknowledged"
	TodoHandoffConsentWithdrawn = "handoff_consent_withdrawn"
)

// StaffTodo asks for a staff to-do, once per Key (the workflow step).
type StaffTodo struct {
	Key      string
	Kind     string
	WorkerID string
	// DueOn is the assessment's due date (assessment_overdue).
	DueOn        ippo.Date `json:",omitzero"`
	StaffMissing bool      `json:",omitempty"`
	SelfMissing  bool      `json:",omitempty"`
	// HandoffID is the handoff (handoff_*).
	HandoffID string `json:",omitempty"`
	// TaskID is the client task (task_*, issue 14).
	TaskID string `json:",omitempty"`
}

// CreateStaffTodo words and records a staff to-do. It names the worker by
// ID and the agency by name; nothing about the worker's health.
func (a *Activities) CreateStaffTodo(ctx context.Context, t StaffTodo) error {
	task, err := a.staffTodo(ctx, t)
	if err != nil {
		return err
	}
	return a.DB.CreateStaffTodo(ctx, task)
}

// staffTodo words a staff to-do.
func (a *Activities) staffTodo(ctx context.Context, t StaffTodo) (ippo.StaffTodo, error) {
	task := ippo.StaffTodo{
		ID:       uuid.NewSHA1(outboxNamespace, []byte("todo/"+t.Key)).String(),
		Key:      t.Key,
		Kind:     t.Kind,
		WorkerID: t.WorkerID,
	}
	switch t.Kind {
	case TodoAssessmentOverdue:
		var missing []string
		if t.StaffMissing {
			missing = append(missing, "スタッフ評価")
		}
		if t.SelfMissing {
			missing = append(missing, "本人の自己評価")
		}
		task.Title = "アセスメントの期限を過ぎています"
		task.Body = fmt.Sprintf("ワーカー %s のアセスメント(期限 %s)で、%sがまだ記録されていません。本人の体調やペースに配慮しながら、記録してください。",
			t.WorkerID, t.DueOn.Japanese(), strings.Join(missing, "と"))
	case TodoHandoffUnacknowledged, TodoHandoffConsentWithdrawn:
		h, err := a.DB.Handoff(ctx, t.HandoffID)
		if err != nil {
			return task, nonRetryableIfNotFound(err)
		}
		if t.Kind == TodoHandoffUnacknowledged {
			task.Title = "引き継ぎの受け取り確認がありません"
			task.Body = fmt.Sprintf("%s に %s に送ったワーカー %s の引き継ぎ情報について、%s までに受け取りの確認がありませんでした。機関に状況を確認し、確認できたら一歩に記録してください。",
				h.AgencyName, h.ProvidedOn.Japanese(), t.WorkerID, h.AckBy.Japanese())
		} else {
			task.Title = "引き継ぎ先への提供の同意が撤回されました"
			task.Body = fmt.Sprintf("ワーカー %s は、%s への情報提供の同意を撤回しました。%s に提供済みの情報の取り扱い(以後の利用の停止など)を、機関と相談してください。",
				t.WorkerID, h.AgencyName, h.ProvidedOn.Japanese())
		}
	case TodoTaskUnanswered, TodoTaskOverdue:
		if err := a.taskTodo(ctx, t, &task); err != nil {
			return task, err
		}
	default:
		return task, nonRetryable(fmt.Errorf("unknown staff to-do %q", t.Kind))
	}
	return task, nil
}
