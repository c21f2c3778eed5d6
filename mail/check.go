package mail

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/ippo-center/ippo"
)

// checker collects what is wrong with a data struct, field by field, so
// one error names every problem.
type checker struct{ problems []string }

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, field+": "+fmt.Sprintf(format, args...))
}

func (c *checker) that(ok bool, field, format string, args ...any) {
	if !ok {
		c.add(field, format, args...)
	}
}

func (c *checker) text(field, v string) {
	c.that(strings.TrimSpace(v) != "", field, "is required")
}

func (c *checker) date(field string, d ippo.Date) {
	c.that(!d.IsZero(), field, "is required")
}

func (c *checker) month(field string, m ippo.YearMonth) {
	c.that(m.Year > 0 && m.Month >= 1 && m.Month <= 12, field, "is required")
}

// link requires an absolute http or https URL: a link in an email that
// goes nowhere is worse than no email.
func (c *checker) link(field, v string) {
	u, err := url.Parse(v)
	c.that(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "", field, "must be an absolute http(s) URL")
}

func (c *checker) email(field, v string) {
	a, err := mail.ParseAddress(v)
	c.that(err == nil && a.Address == v, field, "must be a bare email address")
}

func (c *checker) err(t Template) error {
	if len(c.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s: %s", ErrInvalidData, t, strings.Join(c.problems, "; "))
}
