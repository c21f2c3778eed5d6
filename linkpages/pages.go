package linkpages

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/internal/clientlimit"
	"github.com/ippo-center/ippo/internal/requestlog"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/postgres"
	"github.com/jackc/pgx/v5"
)

// Action is what one kind of signed link does.
type Action struct {
	Action links.Action
	// Title says what the link is for; every page about the link shows it.
	Title string
	// Describe returns the paragraphs above the form; nil shows none.
	Describe func(ctx context.Context, c links.Claims) ([]string, error)
	Fields   []Field
	// Prefill returns the values the form starts with; nil starts empty.
	Prefill func(ctx context.Context, c links.Claims) Form
	// Check returns a message per field for problems across fields of a
	// form whose fields each passed their own checks; nil checks nothing.
	Check func(form Form) map[string]string
	// Button is the confirm button's label.
	Button string
	// Reusable makes each submitted form one use, instead of the link.
	Reusable bool
	Perform  func(ctx context.Context, c links.Claims, form Form) (Done, error)
}

// FieldKind is how a form field is shown.
type FieldKind string

const (
	FieldRadio    FieldKind = "radio"    // one of Options
	FieldText     FieldKind = "text"     // one line
	FieldTextarea FieldKind = "textarea" // free text
	FieldDate     FieldKind = "date"     // a date, read with ippo.ParseDate
	FieldTime     FieldKind = "time"     // a time of day HH:MM, read with ippo.ParseTimeOfDay
)

// Field is one field of an action's form.
type Field struct {
	Name     string
	Label    string
	Hint     string
	Kind     FieldKind
	Options  []Option // FieldRadio
	Required bool
	// RequiredWhen, for a field that is not Required, says when it is
	// needed all the same (a Check enforces it); the label shows it in
	// place of (任意).
	RequiredWhen string
	// MaxLen bounds text in characters (default 2000).
	MaxLen int
	// Inline shows a radio field's choices side by side (short labels,
	// such as the scores 1 to 5).
	Inline bool
}

// Option is one choice of a radio field.
type Option struct {
	Value string
	Label string
}

// Form is the checked form: each field's trimmed value ("" if empty).
type Form map[string]string

// Date returns a FieldDate's value (zero if empty).
func (f Form) Date(name string) ippo.Date {
	d, _ := ippo.ParseDate(f[name])
	return d
}

// Time returns a FieldTime's value, or nil if empty.
func (f Form) Time(name string) *ippo.TimeOfDay {
	t, err := ippo.ParseTimeOfDay(f[name])
	if err != nil {
		return nil
	}
	return &t
}

// Done is the page after an action took effect.
type Done struct {
	Title      string
	Paragraphs []string
}

// Refusal is a kind "not possible" page: the action does not fit (any
// more) and nothing changed.
type Refusal struct {
	Title      string
	Paragraphs []string
}

func (r *Refusal) Error() string { return "link refused: " + r.Title }

// Path is where the pages are served: Path + "/{token}".
const Path = "/l"

// Contact is the center's name and the address people may write to.
type Contact struct {
	Name  string
	Email string
}

// Pages serves the signed-link pages.
type Pages struct {
	// App is the application layer the actions call (its DB, Temporal
	// client and clock).
	App *app.App
	// Contact is the center as the pages name it.
	Contact Contact

	// links verifies the links; set by Start.
	links   *links.Signer
	actions map[links.Action]Action
	started atomic.Bool
}

// New builds the pages over a, with every action signed links may take.
// Until Start they answer "not available".
func New(a *app.App, contact Contact) *Pages {
	p := &Pages{App: a, Contact: contact, actions: map[links.Action]Action{}}
	add := func(act Action) { p.actions[act.Action] = act }
	// the worker declines the next extension (issue 4)
	add(p.optOutAction())
	// the worker reports an absence, late start or early leave (issue 5)
	add(p.absenceAction())
	// the worker's self-assessment; an agency acknowledges a handoff (issue 6)
	add(p.selfAssessmentAction())
	add(p.agencyAckAction())
	// the worker accepts or declines a client task (issue 14)
	add(p.taskAnswerAction())
	return p
}

// Start opens the pages once the application's clock is known, verifying
// links with signer (IPPO_LINK_SECRET; nil answers every link with "not
// available").
func (p *Pages) Start(signer *links.Signer) {
	p.links = signer
	p.started.Store(true)
}

// Register adds GET and POST Path/{token} to r, behind headers that keep
// the pages out of caches and search engines and a rate limit per client.
// Neither takes a staff token: a link is its own credential.
func (p *Pages) Register(r gin.IRouter) {
	g := r.Group(Path, pageHeaders, limitRate(newRateLimiter(linkRequestsPerMinute, time.Minute)))
	g.GET("/:token", p.linkPage)
	g.POST("/:token", p.linkAct)
}

func (p *Pages) today() ippo.Date { return p.App.Clock.Today(time.Now()) }

const (
	// linkStaleAfter is when an unfinished use of a link is taken over.
	linkStaleAfter = 2 * time.Minute
	// linkRequestsPerMinute bounds the link requests of one client.
	linkRequestsPerMinute = 60
	// maxForm bounds a link form's body.
	maxForm = 64 << 10
	// linkActTimeout bounds an action, so a page always answers.
	linkActTimeout = 30 * time.Second
	// linkAwait is how long a request waits for another one acting on the
	// same use (a double click) to finish, so it can say how that went.
	linkAwait = 5 * time.Second
	// useField is the hidden field with a reusable link's form nonce.
	useField = "use"
)

//go:embed templates/link.html
var pageFiles embed.FS

var linkTemplate = template.Must(template.ParseFS(pageFiles, "templates/link.html"))

type pageData struct {
	For        string
	Title      string
	Paragraphs []string
	Form       *formView
	Contact    Contact
}

type formView struct {
	Error  string
	Fields []fieldView
	Button string
	// Use is a reusable link's form nonce (useField).
	Use string
}

type fieldView struct {
	Field
	Value   string
	Error   string
	Choices []choiceView
}

type choiceView struct {
	Value, Label string
	Checked      bool
}

// pageHeaders keeps link pages (whose URL is a credential) out of caches,
// referrers, frames and search engines, and allows no outside assets.
func pageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Next()
}

func (p *Pages) page(c *gin.Context, status int, d pageData) {
	d.Contact = p.Contact
	if d.For == d.Title {
		d.For = "" // the heading says it already
	}
	var b bytes.Buffer
	if err := linkTemplate.Execute(&b, d); err != nil {
		requestlog.From(c).Error("render link page", "error", err.Error())
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("エラーが起きました。時間をおいて、もう一度お試しください。"))
		return
	}
	c.Data(status, "text/html; charset=utf-8", b.Bytes())
}

func (p *Pages) refusedPage(c *gin.Context, status int, forTitle string, r *Refusal) {
	p.page(c, status, pageData{For: forTitle, Title: r.Title, Paragraphs: r.Paragraphs})
}

// pendingPage answers a submission whose step did not answer in time: it
// reached Ippo and counts from when it was submitted.
func (p *Pages) pendingPage(c *gin.Context, forTitle string, submitted time.Time) {
	c.Header("Retry-After", "60")
	p.page(c, http.StatusServiceUnavailable, pageData{
		For:   forTitle,
		Title: "お申し出は届いています",
		Paragraphs: []string{
			fmt.Sprintf("お申し出は %s に届いています。こちらのシステムの都合で、受け付けの処理に時間がかかっています。", japaneseTime(submitted)),
			"届いた時刻で受け付けますので、期限に間に合わなくなることはありません。",
			"数分たってから、このページを開き直すと、結果をご確認いただけます。",
		},
	})
}

// submittedKey carries a link submission's first instant to Perform.
type submittedKey struct{}

func withSubmitted(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, submittedKey{}, t)
}

// submittedAt is when the answer Perform acts on first reached Ippo (now,
// outside a link page).
func submittedAt(ctx context.Context) time.Time {
	if t, ok := ctx.Value(submittedKey{}).(time.Time); ok && !t.IsZero() {
		return t
	}
	return time.Now()
}

func (p *Pages) unavailablePage(c *gin.Context, forTitle string) {
	c.Header("Retry-After", "60")
	p.page(c, http.StatusServiceUnavailable, pageData{
		For:   forTitle,
		Title: "いまは受け付けられませんでした",
		Paragraphs: []string{
			"こちらのシステムの都合で、お申し出を受け付けられませんでした。何も変わっていません。",
			"お手数ですが、時間をおいて、もう一度このリンクを開いてください。",
		},
	})
}

// linkFor verifies the token and finds its action. On failure it has
// answered with the page that says why.
func (p *Pages) linkFor(c *gin.Context) (Action, links.Claims, bool) {
	if !p.started.Load() || p.links == nil {
		p.unavailablePage(c, "")
		return Action{}, links.Claims{}, false
	}
	claims, err := p.links.Verify(c.Param("token"), time.Now())
	act, known := p.actions[claims.Action]
	switch {
	case errors.Is(err, links.ErrExpired) && known:
		p.page(c, http.StatusGone, pageData{
			For:   act.Title,
			Title: "このリンクの期限が過ぎました",
			Paragraphs: []string{
				fmt.Sprintf("このリンクは %s までのものでした。いまは使えません。何も変わっていません。", japaneseTime(claims.ExpiresAt)),
				"ご用件があれば、メールでお知らせください。",
			},
		})
	case err != nil && !errors.Is(err, links.ErrExpired):
		p.page(c, http.StatusBadRequest, pageData{
			Title: "このリンクは使えません",
			Paragraphs: []string{
				"リンクが途中で切れているか、形が変わっているようです。何も変わっていません。",
				"メールの中のリンクを、もう一度そのまま開いてみてください。うまくいかないときは、メールでお知らせください。",
			},
		})
	case !known:
		p.page(c, http.StatusNotFound, pageData{
			Title:      "このリンクは使えません",
			Paragraphs: []string{"このリンクで受け付けていたお申し出は、いまは扱っていません。何も変わっていません。ご用件があれば、メールでお知らせください。"},
		})
	default:
		return act, claims, true
	}
	return Action{}, links.Claims{}, false
}

// usedPage answers a link that has acted (or is acting).
func (p *Pages) usedPage(c *gin.Context, act Action, use postgres.LinkUse) {
	if use.State == postgres.LinkActing {
		p.page(c, http.StatusConflict, pageData{
			For:        act.Title,
			Title:      "ただいま受け付けています",
			Paragraphs: []string{"このリンクのお申し出を、いま受け付けているところです。少し待ってから、このページを開き直してください。"},
		})
		return
	}
	if act.Reusable {
		paras := []string{fmt.Sprintf("この内容は %s に受け付けています。同じお知らせを、もう一度送っていただく必要はありません。", japaneseTime(use.At))}
		if use.Outcome != "" {
			paras = append(paras, "そのときのお知らせ: "+use.Outcome)
		}
		paras = append(paras, "ほかのことを知らせるときは、メールのリンクをもう一度開いてください。")
		p.page(c, http.StatusConflict, pageData{For: act.Title, Title: "このお知らせは受け付けています", Paragraphs: paras})
		return
	}
	paras := []string{fmt.Sprintf("このリンクは %s に使われ、お申し出は受け付けられています。", japaneseTime(use.At))}
	if use.Outcome != "" {
		paras = append(paras, "そのときのお知らせ: "+use.Outcome)
	}
	paras = append(paras, "同じお申し出を、もう一度していただく必要はありません。")
	p.page(c, http.StatusConflict, pageData{For: act.Title, Title: "このリンクは使用済みです", Paragraphs: paras})
}

// linkPage is GET /l/{token}: what the link is for, and its form. It
// changes nothing.
func (p *Pages) linkPage(c *gin.Context) {
	act, claims, ok := p.linkFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if !act.Reusable {
		use, err := p.App.DB.LinkUse(ctx, claims.ID)
		switch {
		case err == nil:
			p.usedPage(c, act, use)
			return
		case !errors.Is(err, pgx.ErrNoRows):
			requestlog.From(c).Error("link page", "action", string(claims.Action), "error", err.Error())
			p.unavailablePage(c, act.Title)
			return
		}
	}
	var paras []string
	if act.Describe != nil {
		var err error
		paras, err = act.Describe(ctx, claims)
		if p.linkError(c, act, err) {
			return
		}
	}
	var form Form
	if act.Prefill != nil {
		form = act.Prefill(ctx, claims)
	}
	view := newFormView(act, form, nil)
	if act.Reusable {
		view.Use = links.NewID()
	}
	p.page(c, http.StatusOK, pageData{For: act.Title, Title: act.Title, Paragraphs: paras, Form: view})
}

// formNonce matches the nonces links.NewID makes (useField).
var formNonce = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// linkAct is POST /l/{token}: it checks the form, claims the link, acts,
// and records the use, or releases the claim if nothing changed.
func (p *Pages) linkAct(c *gin.Context) {
	act, claims, ok := p.linkFor(c)
	if !ok {
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxForm)
	if err := c.Request.ParseForm(); err != nil {
		p.page(c, http.StatusBadRequest, pageData{For: act.Title, Title: act.Title,
			Paragraphs: []string{"送られた内容を読み取れませんでした。このページを開き直して、もう一度お試しください。"}})
		return
	}
	form, problems := checkForm(act.Fields, c.Request.PostForm)
	if len(problems) == 0 && act.Check != nil {
		problems = act.Check(form)
	}
	nonce := c.Request.PostForm.Get(useField)
	freshNonce := act.Reusable && !formNonce.MatchString(nonce)
	if len(problems) > 0 || freshNonce {
		var paras []string
		if act.Describe != nil {
			var err error
			if paras, err = act.Describe(c.Request.Context(), claims); p.linkError(c, act, err) {
				return
			}
		}
		view := newFormView(act, form, problems)
		if act.Reusable {
			if freshNonce {
				nonce = links.NewID()
				if view.Error == "" {
					view.Error = "内容を確かめて、もう一度ボタンを押してください。まだ何も送られていません。"
				}
			}
			view.Use = nonce
		}
		p.page(c, http.StatusUnprocessableEntity, pageData{For: act.Title, Title: act.Title, Paragraphs: paras, Form: view})
		return
	}
	useID := claims.ID
	if act.Reusable {
		useID = claims.ID + "/" + nonce
	}

	// The bookkeeping finishes even if the person closes the page.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), linkActTimeout)
	defer cancel()
	use, claimed, err := p.App.DB.ClaimLink(ctx, useID, string(claims.Action), claims.WorkerID, linkStaleAfter)
	if err != nil {
		requestlog.From(c).Error("claim link", "action", string(claims.Action), "error", err.Error())
		p.unavailablePage(c, act.Title)
		return
	}
	if !claimed {
		p.usedPage(c, act, p.awaitLink(ctx, use))
		return
	}
	perform := claims
	perform.ID = useID
	done, err := act.Perform(withSubmitted(ctx, use.SubmittedAt), perform, form)
	if errors.Is(err, app.ErrStepPending) {
		// The step was sent and may still be taken: the claim stays (a
		// retry after linkStaleAfter acts again, as the same step, and
		// keeps the first submission's instant).
		requestlog.From(c).Warn("link action pending", "action", string(claims.Action), "error", err.Error())
		p.pendingPage(c, act.Title, use.SubmittedAt)
		return
	}
	if err != nil {
		if rerr := p.App.DB.ReleaseLink(ctx, useID); rerr != nil {
			requestlog.From(c).Error("release link", "action", string(claims.Action), "error", rerr.Error())
		}
		p.linkError(c, act, err)
		return
	}
	if err := p.App.DB.FinishLink(ctx, useID, done.Title); err != nil {
		// It acted; the claim turns stale and a retry acts again, idempotently.
		requestlog.From(c).Error("finish link", "action", string(claims.Action), "error", err.Error())
	}
	requestlog.From(c).Info("link used", "action", string(claims.Action), "link_id", claims.ID)
	p.page(c, http.StatusOK, pageData{For: act.Title, Title: done.Title, Paragraphs: done.Paragraphs})
}

// awaitLink waits, up to linkAwait, for a use another request is acting
// on (a double click, a reload) to finish, and returns it as it then
// stands: the person sees what came of the first request rather than a
// page asking them to try again.
func (p *Pages) awaitLink(ctx context.Context, use postgres.LinkUse) postgres.LinkUse {
	deadline := time.NewTimer(linkAwait)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for use.State == postgres.LinkActing {
		select {
		case <-ctx.Done():
			return use
		case <-deadline.C:
			return use
		case <-tick.C:
		}
		now, err := p.App.DB.LinkUse(ctx, use.LinkID)
		if err != nil {
			// Released (the other request changed nothing) or unreadable:
			// the "acting" page asks to try again in a moment.
			return use
		}
		use = now
	}
	return use
}

// linkError answers err from Describe or Perform; it reports whether there
// was one.
func (p *Pages) linkError(c *gin.Context, act Action, err error) bool {
	if err == nil {
		return false
	}
	var refusal *Refusal
	if errors.As(err, &refusal) {
		p.refusedPage(c, http.StatusConflict, act.Title, refusal)
		return true
	}
	requestlog.From(c).Error("link action failed", "action", string(act.Action), "error", err.Error())
	p.unavailablePage(c, act.Title)
	return true
}

// afterStep says what an action's page answers when the application
// refuses the step the action asked it for.
type afterStep struct {
	// movedOn are the error codes that mean the record moved on since the
	// page was shown.
	movedOn []string
	// fits reads the record again and returns the refusal that says how it
	// stands now, or nil when it finds nothing amiss: then gone answers.
	fits func(context.Context, links.Claims) error
	gone *Refusal
	// unread, if set, is the title of the page for EINVALID (when not in
	// movedOn): the application could not read a form the page's checks
	// passed, a bug, said kindly.
	unread string
	// step names the step in the error of any other failure (the "try
	// again later" page).
	step string
}

// answer returns nil for no error, else what the page says about err.
func (a afterStep) answer(ctx context.Context, c links.Claims, err error) error {
	code := ippo.ErrorCode(err)
	switch {
	case err == nil:
		return nil
	case slices.Contains(a.movedOn, code):
		if ferr := a.fits(ctx, c); ferr != nil {
			return ferr
		}
		return a.gone
	case code == ippo.EINVALID && a.unread != "":
		return &Refusal{Title: a.unread,
			Paragraphs: []string{"入力の内容を、こちらで読み取れませんでした。何も記録されていません。お手数ですが、メールでお知らせください。"}}
	}
	return fmt.Errorf("%s: %w", a.step, err)
}

// refusalOnly adapts a fits function that also returns the record it
// read to afterStep.fits.
func refusalOnly[T any](fits func(context.Context, links.Claims) (T, error)) func(context.Context, links.Claims) error {
	return func(ctx context.Context, c links.Claims) error {
		_, err := fits(ctx, c)
		return err
	}
}

// notFound refuses a link whose record (what: 契約, お仕事) is unknown.
func notFound(what string) *Refusal {
	return &Refusal{Title: "このリンクは使えません",
		Paragraphs: []string{"このリンクの" + what + "が見つかりませんでした。何も変わっていません。ご用件があれば、メールでお知らせください。"}}
}

// workerFits refuses kindly when the link's worker is unknown, or, with
// closed, when the worker is in none of phases.
func (p *Pages) workerFits(ctx context.Context, c links.Claims, closed *Refusal, phases ...ippo.Phase) error {
	w, err := p.App.DB.Worker(ctx, c.WorkerID)
	switch {
	case ippo.ErrorCode(err) == ippo.ENOTFOUND:
		return notFound("契約")
	case err != nil:
		return err
	case !slices.Contains(phases, w.Phase):
		return closed
	}
	return nil
}

// checkForm checks the posted values against the fields and returns the
// trimmed values and a message per field in error.
func checkForm(fields []Field, values map[string][]string) (Form, map[string]string) {
	form := Form{}
	problems := map[string]string{}
	for _, f := range fields {
		var v string
		if vs := values[f.Name]; len(vs) > 0 {
			v = strings.TrimSpace(vs[0])
		}
		form[f.Name] = v
		if v == "" {
			if f.Required {
				if f.Kind == FieldRadio {
					problems[f.Name] = "ひとつ選んでください。"
				} else {
					problems[f.Name] = "入力してください。"
				}
			}
			continue
		}
		switch f.Kind {
		case FieldRadio:
			if !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == v }) {
				problems[f.Name] = "選び直してください。"
			}
		case FieldDate:
			if _, err := ippo.ParseDate(v); err != nil {
				problems[f.Name] = "日付を選んでください(例: 2026-04-01)。"
			}
		case FieldTime:
			if _, err := ippo.ParseTimeOfDay(v); err != nil {
				problems[f.Name] = "時刻を選んでください(例: 10:30)。"
			}
		default:
			// The same text rules as the API and the console.
			if e := ippo.CheckText(v, maxLen(f), f.Kind == FieldTextarea); e != nil {
				problems[f.Name] = e.Japanese()
			}
		}
	}
	return form, problems
}

func maxLen(f Field) int {
	if f.MaxLen > 0 {
		return f.MaxLen
	}
	return 2000
}

func newFormView(act Action, form Form, problems map[string]string) *formView {
	v := &formView{Button: act.Button}
	if len(problems) > 0 {
		v.Error = "入力の内容を確かめてください。まだ何も送られていません。"
	}
	for _, f := range act.Fields {
		f.MaxLen = maxLen(f)
		fv := fieldView{Field: f, Value: form[f.Name], Error: problems[f.Name]}
		for _, o := range f.Options {
			fv.Choices = append(fv.Choices, choiceView{Value: o.Value, Label: o.Label, Checked: o.Value == fv.Value})
		}
		v.Fields = append(v.Fields, fv)
	}
	return v
}

// japaneseTime is a time in Asia/Tokyo, e.g. 2026年9月30日 23時59分.
func japaneseTime(t time.Time) string {
	t = t.In(tokyo)
	return fmt.Sprintf("%d年%d月%d日 %d時%02d分", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
}

var tokyo = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*60*60)
}()

// rateLimiter counts link-page requests per client: a bounded LRU of
// clients that never stops counting (see clientlimit).
type rateLimiter = clientlimit.Limiter

// maxClients bounds the clients remembered at once.
const maxClients = 10000

func newRateLimiter(per int, window time.Duration) *rateLimiter {
	return clientlimit.New(per, window, maxClients)
}

// limitRate answers 429 to a client over the limit. The client is the
// connection's address, or behind a trusted reverse proxy
// (api.Server.TrustedProxies) the address the proxy forwarded.
func limitRate(l *rateLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !l.Allow(c.ClientIP(), time.Now()) {
			c.Header("Retry-After", "60")
			c.Data(http.StatusTooManyRequests, "text/plain; charset=utf-8",
				[]byte("アクセスが集中しています。1分ほど待ってから、もう一度開いてください。"))
			c.Abort()
			return
		}
		c.Next()
	}
}
