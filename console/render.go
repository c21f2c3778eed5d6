package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// page is what every template gets.
type page struct {
	Title string
	// Actor is the signed-in staff member (zero on the sign-in page).
	Actor app.Actor
	CSRF  string
	// Program names the center from policy data; Today is the program's
	// date, Compressed whether its clock runs faster than the calendar.
	Program    string
	Today      ippo.Date
	Compressed bool
	MonthLen   string
	Nav        string
	// Notice is a one-line confirmation after a step (fixed wording only).
	Notice string
	// NoticeKey names the step the notice confirms (for tests and styles).
	NoticeKey string
	// Errors lists the fields at fault, in the order of the form.
	Errors []fieldProblem
	// Problem is a refusal that is not about one field.
	Problem *stepProblem
	Data    any
}

// CanAct reports whether the staff member may take steps (not a viewer).
func (p *page) CanAct() bool { return p.Actor.Role >= app.RoleStaff }

// IsAdmin reports whether admin-only pages are open.
func (p *page) IsAdmin() bool { return p.Actor.Role >= app.RoleAdmin }

// FieldError returns the message for a field, if any.
func (p *page) FieldError(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

var funcs = template.FuncMap{
	"phaseJa":    func(p ippo.Phase) string { return p.Japanese() },
	"statusJa":   statusJa,
	"roleJa":     roleJa,
	"roleNameJa": func(s string) string { return roleJa(app.ParseRole(s)) },
	"entryJa":    entryJa,
	"deadlineJa": deadlineKindJa,
	"emailJa":    emailStatusJa,
	"resendable": ippo.Resendable,
	"stepJa":     stepJa,
	"handoffJa":  handoffJa,
	"taskJa":     taskStatusJa,
	"answerJa":   answerJa,
	"taskTypeJa": ippo.TaskTypeJapanese,
	"hoursJa":    ippo.HoursJapanese,
	"date": func(d ippo.Date) string {
		if d.IsZero() {
			return "—"
		}
		return d.Japanese()
	},
	"dateOf": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return ippo.DateOf(t).Japanese()
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(ippo.Tokyo).Format("2006年1月2日 15:04")
	},
	"iso": func(d ippo.Date) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	},
	"add": func(a, b int) int { return a + b },
	"hours": func(min int) string {
		return strconv.FormatFloat(float64(min)/60, 'f', 1, 64)
	},
	"percent": func(permille int) string {
		return strconv.Itoa(permille/10) + "." + strconv.Itoa(permille%10)
	},
	"weekdayJa": weekdayJa,
}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("console layout: %w", err)
	}
	for _, name := range []string{"login", "message", "home", "workers", "worker", "intake", "admin", "reports", "tasks", "task"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("console template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// render writes a page. It renders into a buffer first, so a template
// fault never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if s.started.Load() {
		p.Today = s.App.Today()
		p.Compressed = s.App.Clock.Compressed()
		if p.Compressed {
			p.MonthLen = s.App.Clock.MonthLength.String()
		}
		if p.Program == "" {
			p.Program = s.programName(r)
		}
	}
	if p.Program == "" {
		p.Program = "デジタル就労支援センター"
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.App.Log.Error("console render", "page", name, "error", err.Error())
		http.Error(w, "表示できませんでした。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// programName is the center's name from the policy in force: the program
// runs for a municipality, which is data, never a constant.
func (s *Server) programName(r *http.Request) string {
	p, err := s.App.Policy(r.Context())
	if err != nil || p.InForce.MunicipalityName == "" {
		return "デジタル就労支援センター"
	}
	return "デジタル就労支援センター " + p.InForce.MunicipalityName
}

// message renders a short page that explains what happened.
func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, title, body string) {
	p := &page{Title: title, Data: body}
	if c, err := r.Cookie(sessionCookie); err == nil && s.started.Load() && status != http.StatusServiceUnavailable {
		if sess, err := s.App.DB.ConsoleSession(r.Context(), c.Value, s.IdleTimeout); err == nil {
			p.Actor = app.Actor{ID: sess.Token.ID, Name: sess.Token.Name, Role: app.ParseRole(sess.Token.Role)}
			p.CSRF = sess.CSRF
		}
	}
	s.render(w, r, status, "message", p)
}

// clean makes a value typed into a search box safe to pass on: valid
// UTF-8 without NUL bytes (PostgreSQL refuses both), at most 100 runes.
func clean(v string) string {
	v = strings.ToValidUTF8(v, "")
	v = strings.ReplaceAll(v, "\x00", "")
	if r := []rune(v); len(r) > 100 {
		v = string(r[:100])
	}
	return strings.TrimSpace(v)
}
