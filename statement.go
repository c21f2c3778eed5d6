package ippo

import "time"

// Statement is a worker's closed month: the figures CloseMonth computed and
// the contract days they cover. It is written once per worker and month, so
// a rerun of the close finds it and changes nothing.
type Statement struct {
	WorkerID string `json:"worker_id"`
	// WorkerName is filled for staff lists (payments); never stored here.
	WorkerName string `json:"worker_name,omitempty"`
	// ActiveFrom and ActiveUntil are the contract days of the month the
	// theoretical minutes count (ActiveUntil zero: the contract went on).
	ActiveFrom  Date `json:"active_from"`
	ActiveUntil Date `json:"active_until,omitzero"`
	// ReviewSuggested records that the worker was below target and still
	// under contract after the month, so the close suggested reviewing the
	// schedule (and gave staff a to-do).
	ReviewSuggested bool      `json:"review_suggested"`
	ClosedAt        time.Time `json:"closed_at"`
	MonthFigures
}

// PaymentDue is the day a month's statement is paid by under the terms every
// contract states (PaymentTermsDefault in activities: 毎月末日締め、翌月末日
// までに): the last day of the month after it. The statement carries it
// (Freelance Act §4: the payment date is set and told).
func PaymentDue(m YearMonth) Date { return m.Next().Last() }

// SuggestReview reports whether a closed month calls for the kind
// suggestion to review the schedule: the worker was below the target and
// the contract continues after the month. Someone whose contract ended in
// the month still gets the statement, but no suggestion about a schedule
// they no longer keep.
func SuggestReview(m MonthFigures, activeUntil Date) bool {
	return m.BelowTarget && (activeUntil.IsZero() || activeUntil.After(m.Month.Last()))
}

// WagesOver returns the wage table for month m from the policy versions:
// for each day, the rate in force that day under the policy version in
// force that day, so a policy change during the month applies from its date
// and never rewrites the days before it. Days with no rate get 0 (CloseMonth
// refuses to pay logs on them). versions must be sorted by EffectiveFrom.
func WagesOver(versions []PolicyVersion, m YearMonth) WageTable {
	var out WageTable
	for d := m.First(); d.YearMonth() == m; d = d.AddDays(1) {
		rate := PolicyAt(versions, d).Wages.RateOn(d)
		if len(out) == 0 || out[len(out)-1].Yen != rate {
			out = append(out, WageRate{From: d, Yen: rate})
		}
	}
	return out
}

// TargetOver is the utilization target for month m: the one in force on
// its last day, when the month is judged.
func TargetOver(versions []PolicyVersion, m YearMonth) int {
	return PolicyAt(versions, m.Last()).UtilizationTargetPercent
}
