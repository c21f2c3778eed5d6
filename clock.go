package ippo

import (
	"math/big"
	"time"
)

// ProgramMonth is the length of a policy month in program time: thirty days.
const ProgramMonth = 30 * 24 * time.Hour

// Clock maps real instants to program instants. In production MonthLength is
// zero and the clock is the identity. IPPO_MONTH_LENGTH sets MonthLength so a
// policy month (thirty program days) passes in that much real time, counted
// from Anchor, so a whole lifecycle can be watched in minutes.
//
// Workflows carry the Clock in their state, so a running lifecycle keeps the
// clock it started with even if the configuration changes.
type Clock struct {
	Anchor      time.Time     `json:"anchor,omitzero"`
	MonthLength time.Duration `json:"month_length,omitempty"`
}

// Compressed reports whether program time runs faster than real time.
func (c Clock) Compressed() bool { return c.MonthLength > 0 }

// Program returns the program instant at real instant r, rounded down.
func (c Clock) Program(r time.Time) time.Time {
	if !c.Compressed() {
		return r
	}
	return c.Anchor.Add(scale(r.Sub(c.Anchor), int64(ProgramMonth), int64(c.MonthLength), false))
}

// Real returns the real instant at which program instant p is reached,
// rounded up, so Program(Real(p)) is never before p: a timer set for Real(p)
// always wakes on or after p.
func (c Clock) Real(p time.Time) time.Time {
	if !c.Compressed() {
		return p
	}
	return c.Anchor.Add(scale(p.Sub(c.Anchor), int64(c.MonthLength), int64(ProgramMonth), true))
}

// Today is the program date at real instant r.
func (c Clock) Today(r time.Time) Date { return DateOf(c.Program(r)) }

// Wait is the real duration from real instant now until program instant p
// (zero if p has passed).
func (c Clock) Wait(now, p time.Time) time.Duration {
	return max(c.Real(p).Sub(now), 0)
}

// scale returns d*num/den exactly, rounded down or up.
func scale(d time.Duration, num, den int64, up bool) time.Duration {
	x := new(big.Int).Mul(big.NewInt(int64(d)), big.NewInt(num))
	q, m := new(big.Int).DivMod(x, big.NewInt(den), new(big.Int)) // Euclidean: floor for den > 0
	if up && m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return time.Duration(q.Int64())
}
