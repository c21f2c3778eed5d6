package mail

import "github.com/ippo-center/ippo"

// Client task emails (issue 14). A request is a request, never an order:
// the wording says declining is fine and a reason is never needed, and it
// states the task's terms in writing (Freelance Act §3): the work, the
// expected time, the due date, the fee basis (the rate in force) and the
// payment terms.

// TaskRequest asks a worker whether they would like to take a task.
type TaskRequest struct {
	Center `json:"center"`
	Name   string
	// Kind is the task type in Japanese (校正, データ入力, …);
	// Description what the work is (may be empty).
	Kind, Description string
	// ExpectedHours is "10時間" (HoursJapanese), empty when not estimated.
	ExpectedHours string
	StartsOn      ippo.Date
	DueOn         ippo.Date
	HourlyYen     int
	RateBasis     string
	PaymentTerms  string
	// AnswerBy is the day staff hope for an answer by (a wish, not a
	// deadline: a later answer still counts while nobody has taken it).
	AnswerBy ippo.Date
	// AnswerURL is the signed link to accept or decline.
	AnswerURL string
}

func (TaskRequest) Template() Template { return TemplateTaskRequest }
func (d TaskRequest) validate(c *checker) {
	c.text("Name", d.Name)
	c.text("Kind", d.Kind)
	c.date("DueOn", d.DueOn)
	c.date("AnswerBy", d.AnswerBy)
	c.that(d.HourlyYen > 0, "HourlyYen", "must be positive")
	c.text("RateBasis", d.RateBasis)
	c.text("PaymentTerms", d.PaymentTerms)
	c.link("AnswerURL", d.AnswerURL)
}

// TaskTaken tells a worker who was asked, kindly, that someone else has
// taken the task.
type TaskTaken struct {
	Center `json:"center"`
	Name   string
	Kind   string
}

func (TaskTaken) Template() Template { return TemplateTaskTaken }
func (d TaskTaken) validate(c *checker) {
	c.text("Name", d.Name)
	c.text("Kind", d.Kind)
}

// TaskWithdrawn tells a worker who was asked, kindly, that the task has
// been called off: no answer is needed, and nothing is held against them.
type TaskWithdrawn struct {
	Center `json:"center"`
	Name   string
	Kind   string
}

func (TaskWithdrawn) Template() Template { return TemplateTaskWithdrawn }
func (d TaskWithdrawn) validate(c *checker) {
	c.text("Name", d.Name)
	c.text("Kind", d.Kind)
}

// TaskDueReminder reminds the assignee of the due date, the day before.
type TaskDueReminder struct {
	Center `json:"center"`
	Name   string
	Kind   string
	DueOn  ippo.Date
}

func (TaskDueReminder) Template() Template { return TemplateTaskDueReminder }
func (d TaskDueReminder) validate(c *checker) {
	c.text("Name", d.Name)
	c.text("Kind", d.Kind)
	c.date("DueOn", d.DueOn)
}
