package app

import (
	"log/slog"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"go.temporal.io/sdk/client"
)

// App holds what the steps need. The faces share one App.
type App struct {
	DB        *postgres.DB
	Temporal  client.Client
	TaskQueue string
	// Clock is the installation's program clock (IPPO_MONTH_LENGTH).
	Clock ippo.Clock
	Log   *slog.Logger
}

// Today is the program's date.
func (a *App) Today() ippo.Date { return a.Clock.Today(time.Now()) }

// Role is what a staff member may do: viewers read, staff also take steps,
// admins also manage tokens and policy and read the audit log.
type Role int

const (
	RoleNone Role = iota // nothing is open to it
	RoleViewer
	RoleStaff
	RoleAdmin
)

// ParseRole reads a role's name; an unknown name is RoleNone.
func ParseRole(s string) Role {
	switch s {
	case "viewer":
		return RoleViewer
	case "staff":
		return RoleStaff
	case "admin":
		return RoleAdmin
	}
	return RoleNone
}

func (r Role) String() string {
	return [...]string{"none", "viewer", "staff", "admin"}[r]
}

// Actor is the staff member taking a step, whichever face they use.
type Actor struct {
	ID   string
	Name string
	Role Role
	// link is set for the worker or an agency acting through a signed link.
	link string
}

// LinkActor is the worker (ippo.ActorWorker) or a partner agency
// (ippo.ActorAgency) acting through a signed link in an email.
func LinkActor(ref string) Actor { return Actor{link: ref} }

// Ref is how workflows and the timeline refer to the actor: an id, never a name.
func (a Actor) Ref() string {
	if a.link != "" {
		return a.link
	}
	return "staff:" + a.ID
}

func (a *App) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}
