package mail

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/ippo-center/ippo"
)

// Template names one email. The value is also the base name of its two
// files, templates/<name>.txt and templates/<name>.html.
type Template string

const (
	TemplateApplicationReceived       Template = "application_received"
	TemplateEligibilityApproved       Template = "eligibility_approved"
	TemplatePlaceReady                Template = "place_ready"
	TemplateEligibilityNotApproved    Template = "eligibility_not_approved"
	TemplateContractTerms             Template = "contract_terms"
	TemplateExtensionReminder         Template = "extension_reminder"
	TemplateNonRenewalNotice          Template = "non_renewal_notice"
	TemplateSelfAssessmentRequest     Template = "self_assessment_request"
	TemplateAssessmentOverdue         Template = "assessment_overdue"
	TemplateScheduleReviewSuggestion  Template = "schedule_review_suggestion"
	TemplateStepUpRecommendation      Template = "step_up_recommendation"
	TemplateStepUpRecommendationStaff Template = "step_up_recommendation_staff"
	TemplateAgencyHandoff             Template = "agency_handoff"
	TemplateHandoffNotAcknowledged    Template = "handoff_not_acknowledged"
	TemplateFollowUpCheckIn           Template = "follow_up_check_in"
	TemplateMonthlyStatement          Template = "monthly_statement"
	TemplateCityMonthlyReport         Template = "city_monthly_report"
	TemplateStaffTask                 Template = "staff_task"
	// client tasks (issue 14)
	TemplateTaskRequest     Template = "task_request"
	TemplateTaskTaken       Template = "task_taken"
	TemplateTaskWithdrawn   Template = "task_withdrawn"
	TemplateTaskDueReminder Template = "task_due_reminder"
)

// Audience is who reads an email; it picks the footer and the tone.
type Audience string

const (
	AudienceWorker Audience = "worker" // applicants, workers and graduates
	AudienceAgency Audience = "agency" // partner agencies
	AudienceStaff  Audience = "staff"  // the center's staff
	AudienceCity   Audience = "city"   // the municipality
)

// catalog lists every template with its audience. A test checks it against
// the constants above and the files under templates/.
var catalog = []struct {
	t    Template
	a    Audience
	zero Data
}{
	{TemplateApplicationReceived, AudienceWorker, ApplicationReceived{}},
	{TemplateEligibilityApproved, AudienceWorker, EligibilityApproved{}},
	{TemplatePlaceReady, AudienceWorker, PlaceReady{}},
	{TemplateEligibilityNotApproved, AudienceWorker, EligibilityNotApproved{}},
	{TemplateContractTerms, AudienceWorker, ContractTerms{}},
	{TemplateExtensionReminder, AudienceWorker, ExtensionReminder{}},
	{TemplateNonRenewalNotice, AudienceWorker, NonRenewalNotice{}},
	{TemplateSelfAssessmentRequest, AudienceWorker, SelfAssessmentRequest{}},
	{TemplateAssessmentOverdue, AudienceStaff, AssessmentOverdue{}},
	{TemplateScheduleReviewSuggestion, AudienceWorker, ScheduleReviewSuggestion{}},
	{TemplateStepUpRecommendation, AudienceWorker, StepUpRecommendation{}},
	{TemplateStepUpRecommendationStaff, AudienceStaff, StepUpRecommendationStaff{}},
	{TemplateAgencyHandoff, AudienceAgency, AgencyHandoff{}},
	{TemplateHandoffNotAcknowledged, AudienceStaff, HandoffNotAcknowledged{}},
	{TemplateFollowUpCheckIn, AudienceWorker, FollowUpCheckIn{}},
	{TemplateMonthlyStatement, AudienceWorker, MonthlyStatement{}},
	{TemplateCityMonthlyReport, AudienceCity, CityMonthlyReport{}},
	{TemplateStaffTask, AudienceStaff, StaffTodo{}},
	{TemplateTaskRequest, AudienceWorker, TaskRequest{}},
	{TemplateTaskTaken, AudienceWorker, TaskTaken{}},
	{TemplateTaskWithdrawn, AudienceWorker, TaskWithdrawn{}},
	{TemplateTaskDueReminder, AudienceWorker, TaskDueReminder{}},
}

// Templates returns every template, in catalog order.
func Templates() []Template {
	out := make([]Template, len(catalog))
	for i, c := range catalog {
		out[i] = c.t
	}
	return out
}

// Audience returns who reads the email, or "" for an unknown template.
func (t Template) Audience() Audience {
	for _, c := range catalog {
		if c.t == t {
			return c.a
		}
	}
	return ""
}

// DecodeData decodes the JSON of t's data struct (as json.Marshal wrote
// it), so an outbox can store the data and render it later.
func DecodeData(t Template, b []byte) (Data, error) {
	for _, c := range catalog {
		if c.t == t {
			p := reflect.New(reflect.TypeOf(c.zero))
			if err := json.Unmarshal(b, p.Interface()); err != nil {
				return nil, fmt.Errorf("mail: decode %s data: %w", t, err)
			}
			return p.Elem().Interface().(Data), nil
		}
	}
	return nil, fmt.Errorf("mail: unknown template %q", t)
}

// Data is the typed content of one email. Each template has exactly one
// data struct in this package; the interface is sealed so no other type
// can reach Render.
type Data interface {
	Template() Template
	center() Center
	validate(*checker)
}

// Rendered is an email ready to send.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// ErrInvalidData is returned (wrapped) by Render when the data lacks a
// required field or holds an impossible value.
var ErrInvalidData = errors.New("mail: invalid email data")

//go:embed templates
var files embed.FS

type parsed struct {
	text *texttemplate.Template
	html *htmltemplate.Template
	err  error
}

// registry holds the parsed templates. A template that fails to parse
// keeps its error, so Render reports it and the tests name it, instead of
// the whole binary refusing to start.
var registry = parseAll()

func parseAll() map[Template]parsed {
	out := make(map[Template]parsed, len(catalog))
	for _, c := range catalog {
		var p parsed
		p.text, p.err = texttemplate.New(string(c.t)).Funcs(funcs).
			ParseFS(files, "templates/layout.txt", "templates/"+string(c.t)+".txt")
		if p.err == nil {
			p.html, p.err = htmltemplate.New(string(c.t)).Funcs(htmltemplate.FuncMap(funcs)).
				ParseFS(files, "templates/layout.html", "templates/"+string(c.t)+".html")
		}
		if p.err == nil {
			for _, name := range []string{"subject", "body"} {
				if p.text.Lookup(name) == nil {
					p.err = fmt.Errorf("templates/%s.txt defines no %q", c.t, name)
				}
			}
			if p.html.Lookup("body") == nil {
				p.err = fmt.Errorf("templates/%s.html defines no \"body\"", c.t)
			}
		}
		out[c.t] = p
	}
	return out
}

// layoutData is what the shared layout and footer see.
type layoutData struct {
	Subject  string
	Audience Audience
	Center   Center
	Body     string
}

type htmlLayoutData struct {
	Subject  string
	Audience Audience
	Center   Center
	Body     htmltemplate.HTML
}

// Render checks d and renders its email. The text ends with one newline;
// runs of blank lines are folded into one so optional parts leave no gaps.
func Render(d Data) (Rendered, error) {
	if d == nil {
		return Rendered{}, fmt.Errorf("%w: no data", ErrInvalidData)
	}
	t := d.Template()
	p, ok := registry[t]
	if !ok {
		return Rendered{}, fmt.Errorf("mail: unknown template %q", t)
	}
	if p.err != nil {
		return Rendered{}, fmt.Errorf("mail: template %s: %w", t, p.err)
	}
	c := &checker{}
	d.center().check(c)
	d.validate(c)
	if err := c.err(t); err != nil {
		return Rendered{}, err
	}

	subject, err := run(t, "subject", p.text.ExecuteTemplate, d)
	if err != nil {
		return Rendered{}, err
	}
	subject = oneLine(subject)
	textBody, err := run(t, "body", p.text.ExecuteTemplate, d)
	if err != nil {
		return Rendered{}, err
	}
	text, err := run(t, "document", p.text.ExecuteTemplate, layoutData{subject, t.Audience(), d.center(), tidy(textBody)})
	if err != nil {
		return Rendered{}, err
	}
	htmlBody, err := run(t, "body", p.html.ExecuteTemplate, d)
	if err != nil {
		return Rendered{}, err
	}
	// htmlBody is the output of html/template, so it is already escaped.
	html, err := run(t, "document", p.html.ExecuteTemplate, htmlLayoutData{subject, t.Audience(), d.center(), htmltemplate.HTML(htmlBody)})
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{Subject: subject, Text: tidy(text), HTML: html}, nil
}

func run(t Template, name string, exec func(io.Writer, string, any) error, data any) (string, error) {
	var b strings.Builder
	if err := exec(&b, name, data); err != nil {
		return "", fmt.Errorf("mail: render %s %s: %w", t, name, err)
	}
	return b.String(), nil
}

var blankRuns = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+\n`)

// tidy trims trailing spaces, folds runs of blank lines and ends the text
// with exactly one newline.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = strings.Join(lines, "\n")
	s = blankRuns.ReplaceAllString(s, "\n\n")
	return strings.Trim(s, "\n") + "\n"
}

// oneLine keeps a subject on one line whatever the data holds.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }), " ")
}

// funcs are the formatting helpers every template may use.
var funcs = texttemplate.FuncMap{
	"yen":   Yen,
	"hours": Hours,
	"score": Score,
	"md":    monthDay,
	"lines": func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
}

// Yen formats an amount as 1,225円.
func Yen(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String() + "円"
	}
	return b.String() + "円"
}

// Hours formats hours as 12時間 or 12.5時間 (at most two decimals).
func Hours(h float64) string { return trimFloat(h) + "時間" }

// Score formats a 1–5 average with at least one decimal: 4.0, 4.25.
func Score(v float64) string {
	s := trimFloat(v)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

func monthDay(d ippo.Date) string { return fmt.Sprintf("%d月%d日", d.Month, d.Day) }
