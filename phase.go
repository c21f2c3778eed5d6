package ippo

// Phase is where a worker stands in the lifecycle.
type Phase string

const (
	PhaseScreening  Phase = "screening"  // applied; eligibility not yet decided, or waiting for a place
	PhaseOnboarding Phase = "onboarding" // eligible with a place; contract not yet signed
	PhaseActive     Phase = "active"     // under contract
	PhaseGraduated  Phase = "graduated"  // stepped up to other work; handoff and follow-ups
	PhaseWithdrawn  Phase = "withdrawn"  // left at their own wish or the center's record of it
	PhaseIneligible Phase = "ineligible" // not approved at screening
	PhaseEnded      Phase = "ended"      // contract ended without extension
)

// Phases lists every phase in lifecycle order.
var Phases = []Phase{PhaseScreening, PhaseOnboarding, PhaseActive, PhaseGraduated, PhaseWithdrawn, PhaseIneligible, PhaseEnded}

func (p Phase) Valid() bool {
	for _, q := range Phases {
		if p == q {
			return true
		}
	}
	return false
}

// Final reports whether no staff step can follow. A graduated worker still
// has handoffs and follow-ups, but no phase change.
func (p Phase) Final() bool {
	return p == PhaseWithdrawn || p == PhaseIneligible || p == PhaseEnded || p == PhaseGraduated
}

// HoldsPlace reports whether a worker in this phase counts against capacity.
func (p Phase) HoldsPlace() bool { return p == PhaseOnboarding || p == PhaseActive }

// Japanese is the phase as staff and workers read it.
func (p Phase) Japanese() string {
	switch p {
	case PhaseScreening:
		return "利用審査中"
	case PhaseOnboarding:
		return "契約準備中"
	case PhaseActive:
		return "稼働中"
	case PhaseGraduated:
		return "卒業"
	case PhaseWithdrawn:
		return "利用終了(本人申出)"
	case PhaseIneligible:
		return "対象外"
	case PhaseEnded:
		return "契約終了"
	}
	return string(p)
}
