package ippo

import (
	"fmt"
	"time"
)

// Tokyo is the program's time zone. Japan has kept UTC+9 without daylight
// saving since 1951, so a fixed zone is exact and needs no tzdata.
var Tokyo = time.FixedZone("Asia/Tokyo", 9*60*60)

// Date is a calendar date in Asia/Tokyo, without a time of day. Contracts,
// schedules and fees are about dates, not instants.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date, normalised (2026-02-30 becomes 2026-03-02).
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, Tokyo))
}

// DateOf returns the date of t in Asia/Tokyo.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Tokyo).Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD and refuses dates that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Tokyo)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// Start is the instant the date begins in Asia/Tokyo.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Tokyo) }

func (d Date) IsZero() bool { return d == Date{} }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Japanese renders the date as 2026年4月1日 for letters and emails.
func (d Date) Japanese() string { return fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day) }

func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

func (d Date) Weekday() time.Weekday { return d.Start().Weekday() }

func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }
func (d Date) After(o Date) bool  { return d.Compare(o) > 0 }

// DaysUntil is the number of days from d to o (negative when o is earlier).
func (d Date) DaysUntil(o Date) int {
	// Both are midnights in a zone without DST, so the division is exact.
	return int(o.Start().Sub(d.Start()) / (24 * time.Hour))
}

// YearMonth returns the month the date falls in.
func (d Date) YearMonth() YearMonth { return YearMonth{d.Year, d.Month} }

func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// LastDayOfMonth returns the number of days in the month.
func LastDayOfMonth(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, Tokyo).Day()
}

// AddMonthsCivil returns the last day of a period of n months that starts on
// start (the start day counts), by Civil Code art. 143: the period ends on the
// day before the date corresponding to start n months later, and if that month
// has no corresponding date, on its last day.
//
//	2026-04-01 + 6 → 2026-09-30
//	2026-08-31 + 6 → 2027-02-28 (no 2027-02-31)
//	2027-08-31 + 6 → 2028-02-29 (leap year)
func AddMonthsCivil(start Date, n int) Date {
	y, m := start.Year, start.Month+time.Month(n)
	for m > 12 {
		y, m = y+1, m-12
	}
	for m < 1 {
		y, m = y-1, m+12
	}
	if last := LastDayOfMonth(y, m); start.Day > last {
		return Date{y, m, last}
	}
	return Date{y, m, start.Day}.AddDays(-1)
}

// YearMonth is a calendar month, written YYYY-MM.
type YearMonth struct {
	Year  int
	Month time.Month
}

func ParseYearMonth(s string) (YearMonth, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return YearMonth{}, fmt.Errorf("%q is not a month in the form YYYY-MM", s)
	}
	return YearMonth{t.Year(), t.Month()}, nil
}

func (m YearMonth) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Month) }

// Japanese renders the month as 2026年4月.
func (m YearMonth) Japanese() string { return fmt.Sprintf("%d年%d月", m.Year, m.Month) }

func (m YearMonth) First() Date { return Date{m.Year, m.Month, 1} }
func (m YearMonth) Last() Date  { return Date{m.Year, m.Month, LastDayOfMonth(m.Year, m.Month)} }
func (m YearMonth) Next() YearMonth {
	return m.First().AddDays(LastDayOfMonth(m.Year, m.Month)).YearMonth()
}
func (m YearMonth) Prev() YearMonth { return m.First().AddDays(-1).YearMonth() }

// AddMonths returns the month n months after m (before it when n < 0).
func (m YearMonth) AddMonths(n int) YearMonth {
	i := m.Year*12 + int(m.Month) - 1 + n
	y := i / 12
	if i%12 < 0 {
		y--
	}
	return YearMonth{y, time.Month(i - y*12 + 1)}
}

func (m YearMonth) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *YearMonth) UnmarshalText(b []byte) error {
	p, err := ParseYearMonth(string(b))
	if err != nil {
		return err
	}
	*m = p
	return nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
