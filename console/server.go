package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/postgres"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

const (
	sessionCookie = "ippo_console"
	loginCookie   = "ippo_console_login"
	// maxForm bounds a form's body; the longest form (intake) is far below.
	maxForm = 64 << 10
)

// Server is the console's HTTP handler.
type Server struct {
	App *app.App
	// IdleTimeout ends a session nobody used for this long (default 2 h);
	// MaxAge ends every session this long after sign-in (default 12 h).
	IdleTimeout time.Duration
	MaxAge      time.Duration

	mux     *http.ServeMux
	pages   map[string]*template.Template
	started atomic.Bool
}

// New builds the console over a.
func New(a *app.App) (*Server, error) {
	s := &Server{App: a, IdleTimeout: 2 * time.Hour, MaxAge: 12 * time.Hour, mux: http.NewServeMux()}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFiles, "static")
	s.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticHandler(http.FileServerFS(static))))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	s.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	s.mux.HandleFunc("GET /console/login", s.loginPage)
	s.mux.HandleFunc("POST /console/login", s.login)
	s.handle("POST /console/logout", app.RoleViewer, s.logout)
	s.handle("GET /console/{$}", app.RoleViewer, s.home)
	s.handle("POST /console/todos/{id}/done", app.RoleStaff, s.completeTodo)
	s.handle("GET /console/workers", app.RoleViewer, s.workerList)
	s.handle("GET /console/workers/{id}", app.RoleViewer, s.workerPage)
	s.handle("POST /console/workers/{id}/eligibility", app.RoleStaff, s.decideEligibility)
	s.handle("POST /console/workers/{id}/contract", app.RoleStaff, s.signContract)
	s.handle("POST /console/workers/{id}/non-renewal", app.RoleStaff, s.endContract)
	s.handle("POST /console/workers/{id}/withdrawal", app.RoleStaff, s.withdraw)
	s.handle("POST /console/workers/{id}/assessments", app.RoleStaff, s.recordAssessment)
	s.handle("GET /console/tasks", app.RoleViewer, s.tasksPage)
	s.handle("POST /console/tasks", app.RoleStaff, s.createTask)
	s.handle("GET /console/tasks/{id}", app.RoleViewer, s.taskPage)
	s.handle("POST /console/tasks/{id}/requests", app.RoleStaff, s.requestTask)
	s.handle("POST /console/tasks/{id}/delivery", app.RoleStaff, s.deliverTask)
	s.handle("POST /console/tasks/{id}/close", app.RoleStaff, s.closeTask)
	s.handle("POST /console/tasks/{id}/cancel", app.RoleStaff, s.cancelTask)
	s.handle("POST /console/workers/{id}/tasks", app.RoleStaff, s.assignTask)
	s.handle("POST /console/workers/{id}/schedule", app.RoleStaff, s.declareSchedule)
	s.handle("POST /console/workers/{id}/absences", app.RoleStaff, s.recordAbsence)
	s.handle("POST /console/workers/{id}/work-logs", app.RoleStaff, s.recordWorkLog)
	s.handle("POST /console/workers/{id}/other-services", app.RoleStaff, s.putOtherServices)
	s.handle("POST /console/workers/{id}/consents", app.RoleStaff, s.recordConsent)
	s.handle("POST /console/workers/{id}/graduation", app.RoleStaff, s.graduate)
	s.handle("POST /console/workers/{id}/handoffs/{handoff}/acknowledgement", app.RoleStaff, s.acknowledgeHandoff)
	s.handle("POST /console/workers/{id}/emails/{email}/resend", app.RoleStaff, s.resendEmail)
	s.handle("GET /console/reports", app.RoleViewer, s.reportPage)
	s.handle("GET /console/reports.csv", app.RoleViewer, s.reportCSV)
	s.handle("GET /console/admin", app.RoleAdmin, s.adminPage)
	s.handle("POST /console/admin/tokens", app.RoleAdmin, s.issueToken)
	s.handle("POST /console/admin/tokens/{id}/revoke", app.RoleAdmin, s.revokeToken)
	s.handle("POST /console/admin/policy", app.RoleAdmin, s.addPolicyVersion)
	s.handle("POST /console/admin/agencies", app.RoleAdmin, s.addAgency)
	s.handle("POST /console/admin/closes", app.RoleAdmin, s.startClose)
	s.handle("GET /console/applicants/new", app.RoleStaff, s.intakePage)
	s.handle("POST /console/applicants", app.RoleStaff, s.intake)
	s.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		s.message(w, r, http.StatusNotFound, "ページが見つかりません", "アドレスをお確かめください。")
	})
	return s, nil
}

// Start opens the console once the application is ready (its clock known).
func (s *Server) Start() { s.started.Store(true) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.App.Log.Error("console panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			s.message(w, r, http.StatusInternalServerError, "うまく表示できませんでした", "時間をおいてもう一度お試しください。")
		}
	}()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if !s.started.Load() && r.URL.Path != "/" {
		h.Set("Retry-After", "2")
		s.message(w, r, http.StatusServiceUnavailable, "起動中です", "少し待ってから、もう一度開いてください。")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func staticHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// request is what a handler knows about the signed-in staff member.
type request struct {
	*http.Request
	Actor app.Actor
	CSRF  string
	// WorkerID is set by handlers that act on a worker (for the audit log).
	WorkerID string
}

// handle registers a route open to need and above. Every POST checks the
// CSRF token first and is audited, refused ones included.
func (s *Server) handle(pattern string, need app.Role, h func(http.ResponseWriter, *request)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.session(w, r)
		if !ok {
			return
		}
		req := &request{Request: r, Actor: app.Actor{ID: sess.Token.ID, Name: sess.Token.Name, Role: app.ParseRole(sess.Token.Role)}, CSRF: sess.CSRF}
		if r.Method != http.MethodGet {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			w = rec
			defer s.audit(req, rec)
		}
		if req.Actor.Role < need {
			s.message(w, r, http.StatusForbidden, "この操作の権限がありません",
				fmt.Sprintf("この操作には「%s」の権限が必要です。いまの権限は「%s」です。", roleJa(need), roleJa(req.Actor.Role)))
			return
		}
		if r.Method != http.MethodGet {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				s.message(w, r, http.StatusBadRequest, "送信された内容を読めませんでした", "もう一度フォームからお送りください。")
				return
			}
			got := r.PostForm.Get("csrf")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
				s.message(w, r, http.StatusForbidden, "フォームの確認ができませんでした",
					"安全のため、この送信は受け付けていません。何も変更されていません。ページを開き直してから、もう一度お試しください。")
				return
			}
		}
		h(w, req)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// audit records a console action like an API call: who, what, when, the
// worker, the outcome. It never records what was typed.
func (s *Server) audit(r *request, rec *statusRecorder) {
	if r.WorkerID == "" && isUUID(r.PathValue("id")) {
		r.WorkerID = strings.ToLower(r.PathValue("id"))
	}
	outcome := "ok"
	if rec.status >= 400 {
		outcome = "refused"
	}
	if rec.status >= 500 {
		outcome = "error"
	}
	e := postgres.AuditEntry{
		ActorID: r.Actor.ID, Actor: r.Actor.Name, Method: r.Method, Route: r.Pattern[strings.Index(r.Pattern, " ")+1:],
		Path: r.URL.Path, WorkerID: r.WorkerID, RequestID: "console-" + randomID()[:16], Status: rec.status, Outcome: outcome,
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := s.App.DB.Audit(ctx, e); err != nil {
		s.App.Log.Error("console audit write failed", "error", err.Error())
	}
}

// session finds the request's live session; without one it sends the
// browser to sign in (a form post is refused, not redirected, so nothing
// typed is silently lost) and returns false.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (postgres.ConsoleSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err == nil && c.Value != "" && len(c.Value) < 100 {
		sess, err := s.App.DB.ConsoleSession(r.Context(), c.Value, s.IdleTimeout)
		if err == nil {
			return sess, true
		}
		if ippo.ErrorCode(err) != ippo.ENOTFOUND {
			s.App.Log.Error("console session", "error", err.Error())
			s.message(w, r, http.StatusServiceUnavailable, "いま確認できません", "データベースに接続できませんでした。少し待ってから、もう一度お試しください。")
			return sess, false
		}
	}
	if r.Method != http.MethodGet {
		s.message(w, r, http.StatusUnauthorized, "サインインの有効期限が切れました",
			"この送信は受け付けていません。何も変更されていません。もう一度サインインしてからお試しください。")
		return postgres.ConsoleSession{}, false
	}
	http.Redirect(w, r, "/console/login?next="+urlPathEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return postgres.ConsoleSession{}, false
}

func urlPathEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", "?", "%3F", "=", "%3D").Replace(s)
}

// safeNext keeps a sign-in's return address inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "/console/login") {
		return "/console/"
	}
	return next
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/console", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure(r), MaxAge: int(maxAge / time.Second),
	})
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomID()
	s.setCookie(w, r, loginCookie, token, 30*time.Minute)
	s.render(w, r, status, "login", &page{Title: "サインイン", CSRF: token, Data: map[string]any{
		"Next": safeNext(r.FormValue("next")), "Problem": problem,
	}})
}

// login turns a staff token into a session. The token is read once and
// never stored in the browser.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, "送信された内容を読めませんでした。もう一度お試しください。")
		return
	}
	c, err := r.Cookie(loginCookie)
	got := r.PostForm.Get("csrf")
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, "フォームの確認ができませんでした。お手数ですが、もう一度入力してください。")
		return
	}
	secret := strings.TrimSpace(r.PostForm.Get("token"))
	if secret == "" || !utf8.ValidString(secret) || strings.ContainsRune(secret, 0) || len(secret) > 200 {
		s.renderLogin(w, r, http.StatusUnprocessableEntity, "スタッフトークンを入力してください。")
		return
	}
	t, err := s.App.DB.TokenBySecret(r.Context(), secret)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		s.renderLogin(w, r, http.StatusUnauthorized, "このトークンではサインインできません。入力に誤りがないか、取り消されていないかお確かめください。")
		return
	}
	if err != nil {
		s.App.Log.Error("console sign-in", "error", err.Error())
		s.renderLogin(w, r, http.StatusServiceUnavailable, "いま確認できません。少し待ってから、もう一度お試しください。")
		return
	}
	id := randomID()
	if err := s.App.DB.CreateConsoleSession(r.Context(), id, t.ID, randomID(), s.MaxAge); err != nil {
		s.App.Log.Error("console sign-in", "error", err.Error())
		s.renderLogin(w, r, http.StatusServiceUnavailable, "いまサインインできません。少し待ってから、もう一度お試しください。")
		return
	}
	s.setCookie(w, r, loginCookie, "", -time.Second)
	s.setCookie(w, r, sessionCookie, id, s.MaxAge)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.App.DB.DeleteConsoleSession(r.Context(), c.Value); err != nil {
			s.App.Log.Error("console sign-out", "error", err.Error())
		}
	}
	s.setCookie(w, r.Request, sessionCookie, "", -time.Second)
	http.Redirect(w, r.Request, "/console/login?signed_out=1", http.StatusSeeOther)
}

// failure renders an error the application layer returned that is not
// about a field: a conflict with the phase, a missing worker, or a fault.
func (s *Server) failure(w http.ResponseWriter, r *http.Request, err error) {
	var e *ippo.Error
	switch {
	case errors.As(err, &e) && e.Code == ippo.ENOTFOUND:
		s.message(w, r, http.StatusNotFound, "見つかりません", "指定されたものは見つかりませんでした。")
	case errors.Is(err, app.ErrUnavailable):
		s.App.Log.Error("console step", "error", err.Error())
		s.message(w, r, http.StatusServiceUnavailable, "いま処理できません", "何も変更されていません。少し待ってから、もう一度お試しください。")
	default:
		s.App.Log.Error("console step", "error", err.Error())
		s.message(w, r, http.StatusInternalServerError, "うまく処理できませんでした", "何も変更されていない可能性があります。ワーカーのページで状況をお確かめください。")
	}
}

// Mount serves the console under /console/ (and / redirects there) in
// front of next, which serves everything else (the API).
func (s *Server) Mount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/" || p == "/console" || strings.HasPrefix(p, "/console/") {
			s.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
