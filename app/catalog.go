package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/workflows"
)

// Client tasks (案件, ippo.ClientTask in the domain, /tasks in the API) are the
// paid work clients give the center; staff to-dos (ippo.StaffTodo,
// /staff-tasks) are reminders for staff that the lifecycle raises. Neither
// is a Temporal task.

// ClientTasks lists the catalog of client tasks.
func (a *App) ClientTasks(ctx context.Context) ([]ippo.ClientTask, error) {
	return a.DB.ClientTasks(ctx)
}

// ClientTask is a client's task as staff add it to the catalog.
type ClientTask struct {
	Type, Client, Description, OutputUnit string
	// The terms a request states (issue 14), optional: the expected
	// time and the window the work is done in.
	ExpectedMinutes int
	StartsOn, DueOn ippo.Date
}

// CreateClientTask adds a client's task to the catalog.
func (a *App) CreateClientTask(ctx context.Context, actor Actor, in ClientTask) (ippo.ClientTask, error) {
	return a.DB.CreateClientTask(ctx, ippo.ClientTask{Type: in.Type, Client: in.Client, Description: in.Description, OutputUnit: in.OutputUnit,
		ExpectedMinutes: in.ExpectedMinutes, StartsOn: in.StartsOn, DueOn: in.DueOn}, actor.Ref())
}

// WorkerClientTasks lists the client tasks assigned to the worker.
func (a *App) WorkerClientTasks(ctx context.Context, workerID string) ([]ippo.ClientAssignment, error) {
	return a.DB.WorkerClientTasks(ctx, workerID)
}

// AssignClientTask assigns a catalog task to the worker; created is false
// when it was assigned already (the assignment is answered again).
func (a *App) AssignClientTask(ctx context.Context, actor Actor, workerID, taskID string) (ippo.ClientAssignment, bool, error) {
	return a.DB.AssignClientTask(ctx, workerID, strings.TrimSpace(taskID), actor.Ref())
}

// StaffTodos lists staff to-dos, open ones only or all, open ones first.
func (a *App) StaffTodos(ctx context.Context, openOnly bool) ([]ippo.StaffTodo, error) {
	return a.DB.StaffTodos(ctx, openOnly, 200)
}

// CompleteStaffTodo marks a staff to-do done.
func (a *App) CompleteStaffTodo(ctx context.Context, actor Actor, id string) error {
	return a.DB.CompleteStaffTodo(ctx, id, actor.Ref())
}

// Agencies lists the partner agencies.
func (a *App) Agencies(ctx context.Context) ([]ippo.Agency, error) {
	return a.DB.Agencies(ctx)
}

// Agency is a partner agency as an admin adds it.
type Agency struct {
	Name, Kind, Email, Description string
}

// CreateAgency adds a partner agency; its name and a plain email address
// are required.
func (a *App) CreateAgency(ctx context.Context, _ Actor, in Agency) (ippo.Agency, error) {
	ag := ippo.Agency{
		ID:          uuid.NewString(),
		Name:        strings.TrimSpace(in.Name),
		Kind:        in.Kind,
		Email:       strings.TrimSpace(in.Email),
		Description: strings.TrimSpace(in.Description),
	}
	var f ippo.Fields
	if ag.Name == "" {
		f.Add("name", "is required")
	} else {
		f.Text("name", ag.Name, 200, false)
	}
	f.Text("description", ag.Description, ippo.MaxNoteLength, true)
	if addr, err := mail.ParseAddress(ag.Email); err != nil || addr.Address != ag.Email {
		f.Add("email", "must be a plain email address such as soudan@example.jp")
	}
	if err := f.Err(); err != nil {
		return ippo.Agency{}, err
	}
	return a.DB.CreateAgency(ctx, ag)
}

// PolicyState is the policy in force today and every version.
type PolicyState struct {
	Today    ippo.Date
	InForce  ippo.Policy
	Versions []ippo.PolicyVersion
}

// Policy returns the policy state.
func (a *App) Policy(ctx context.Context) (PolicyState, error) {
	versions, err := a.DB.PolicyVersions(ctx)
	if err != nil {
		return PolicyState{}, err
	}
	today := a.Today()
	return PolicyState{Today: today, InForce: ippo.PolicyAt(versions, today), Versions: versions}, nil
}

// PutPolicy adds a policy version from a date that is not in the past (a
// zero date is today).
// Workflows read the version in force when they need a value, so running
// lifecycles pick it up from its date on. More places may let waiting
// workers in at once.
func (a *App) PutPolicy(ctx context.Context, actor Actor, v ippo.PolicyVersion) error {
	today := a.Today()
	if v.EffectiveFrom.IsZero() {
		v.EffectiveFrom = today // "from today", read once: a compressed day cannot turn in between
	}
	if v.EffectiveFrom.IsZero() {
		v.EffectiveFrom = today // "from today", as the server counts it
	}
	if v.EffectiveFrom.Before(today) {
		return ippo.Invalid([]ippo.FieldError{{Field: "effective_from", Message: "cannot be in the past (today is " + today.String() + "); past policy stays as it was"}})
	}
	if err := v.Policy.Validate(); err != nil {
		if e, ok := err.(*ippo.Error); ok {
			for i := range e.Fields {
				e.Fields[i].Field = "policy." + e.Fields[i].Field
			}
		}
		return err
	}
	if err := a.DB.PutPolicy(ctx, v, actor.Ref()); err != nil {
		return err
	}
	if !v.EffectiveFrom.After(today) {
		a.fillPlaces(ctx, v.Policy.Capacity)
	}
	return nil
}

// fillPlaces grants places that came free when capacity grew, and tells
// each lifecycle that got one.
func (a *App) fillPlaces(ctx context.Context, capacity int) {
	promoted, err := a.DB.FillPlaces(ctx, capacity)
	if err != nil {
		a.log().Error("fill places", "error", err.Error())
		return
	}
	for _, id := range promoted {
		if err := a.Temporal.SignalWorkflow(ctx, workflows.WorkerWorkflowID(id), "", workflows.SignalPlaceGranted, nil); err != nil {
			a.log().Error("signal place granted", "worker_id", id, "error", err.Error())
		}
	}
}

// Token is a staff token as shown to admins (never its secret).
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// DisplayName is the person who holds the token, as emails name them;
	// empty for a token that is no one's.
	DisplayName string     `json:"display_name,omitempty"`
	Role        string     `json:"role"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
}

// Tokens lists staff tokens.
func (a *App) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := a.DB.Tokens(ctx)
	return mapped(rows, err, func(t postgres.Token) Token { return Token(t) })
}

// NewTokenSecret returns a fresh bearer token: 256 random bits.
func NewTokenSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "ippo_" + base64.RawURLEncoding.EncodeToString(b)
}

// CreateToken issues a token for a named person with a role; the secret
// is answered once and only its hash is stored.
func (a *App) CreateToken(ctx context.Context, actor Actor, name string, role Role) (Token, string, error) {
	return a.CreateTokenFor(ctx, actor, name, name, role)
}

// CreateTokenFor issues a token named name for the person displayName (as
// emails name them, e.g. the center's contact in a handoff; "" for a token
// that is no one's, a script's: emails then name the center).
func (a *App) CreateTokenFor(ctx context.Context, actor Actor, name, displayName string, role Role) (Token, string, error) {
	name, displayName = strings.TrimSpace(name), strings.TrimSpace(displayName)
	var f ippo.Fields
	if name == "" {
		f.Add("name", "is required")
	} else {
		f.Text("name", name, 100, false)
	}
	f.Text("display_name", displayName, 100, false)
	if role == RoleNone {
		f.Add("role", "must be viewer, staff or admin")
	}
	if err := f.Err(); err != nil {
		return Token{}, "", err
	}
	secret := NewTokenSecret()
	t, err := a.DB.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: name, DisplayName: displayName, Role: role.String(), CreatedBy: actor.Name}, secret)
	return Token(t), secret, err
}

// RevokeToken revokes a token at once.
func (a *App) RevokeToken(ctx context.Context, _ Actor, id string) error {
	return a.DB.RevokeToken(ctx, id)
}
