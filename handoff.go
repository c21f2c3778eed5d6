package ippo

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Destination is where a graduate goes next.
type Destination string

const (
	DestinationGeneralEmployment Destination = "general_employment" // 一般就労
	DestinationTypeA             Destination = "employment_type_a"  // 就労継続支援A型
	DestinationTypeB             Destination = "employment_type_b"  // 就労継続支援B型
	DestinationTransition        Destination = "transition_support" // 就労移行支援
	DestinationFreelance         Destination = "freelance"          // フリーランス
	DestinationOther             Destination = "other"              // その他
)

// Destinations lists every destination in the order forms show them.
var Destinations = []Destination{DestinationGeneralEmployment, DestinationTypeA, DestinationTypeB,
	DestinationTransition, DestinationFreelance, DestinationOther}

func (d Destination) Valid() bool { return slices.Contains(Destinations, d) }

// Japanese names the destination in emails to agencies.
func (d Destination) Japanese() string {
	switch d {
	case DestinationGeneralEmployment:
		return "一般就労"
	case DestinationTypeA:
		return "就労継続支援A型"
	case DestinationTypeB:
		return "就労継続支援B型"
	case DestinationTransition:
		return "就労移行支援"
	case DestinationFreelance:
		return "フリーランス"
	case DestinationOther:
		return "その他"
	}
	return string(d)
}

// ConsentPurpose is what the worker allows information to be shared for.
// Consent is given per agency and purpose: sharing 要配慮個人情報 with a
// third party needs the person's consent beforehand (APPI art. 27(1)); the
// opt-out route of art. 27(2) is closed to it, so no consent means no
// sharing.
type ConsentPurpose string

const (
	// PurposeGraduationHandoff: handing the worker over to the agency at
	// graduation, and the agency's support after it. Graduation checks it.
	PurposeGraduationHandoff ConsentPurpose = "graduation_handoff"
	// PurposeSupportCoordination: coordinating support with an agency while
	// the worker uses the program (recorded; nothing is sent automatically).
	PurposeSupportCoordination ConsentPurpose = "support_coordination"
)

var ConsentPurposes = []ConsentPurpose{PurposeGraduationHandoff, PurposeSupportCoordination}

func (p ConsentPurpose) Valid() bool { return slices.Contains(ConsentPurposes, p) }

// Japanese names the purpose for staff and letters.
func (p ConsentPurpose) Japanese() string {
	switch p {
	case PurposeGraduationHandoff:
		return "卒業時の関係機関への引き継ぎ"
	case PurposeSupportCoordination:
		return "利用中の関係機関との支援の調整"
	}
	return string(p)
}

// ShareItem is a category of information a worker may agree to share with
// an agency. Workflows and consents carry these names, never the facts; the
// facts are read from PostgreSQL when the handoff email is composed.
type ShareItem string

const (
	ShareWorkHistory    ShareItem = "work_history"    // when and how long the worker used the program
	ShareAssessments    ShareItem = "assessments"     // the latest staff and self scores (no comments)
	ShareDisabilityType ShareItem = "disability_type" // 要配慮個人情報: disability types, intractable disease
	ShareContact        ShareItem = "contact"         // the worker's email address
	ShareHandoffNotes   ShareItem = "handoff_notes"   // what staff wrote for the handoff at graduation
)

// ShareItems lists every item in the order a handoff email shows them.
var ShareItems = []ShareItem{ShareWorkHistory, ShareAssessments, ShareDisabilityType, ShareContact, ShareHandoffNotes}

func (i ShareItem) Valid() bool { return slices.Contains(ShareItems, i) }

// Japanese is the item's label in a handoff email.
func (i ShareItem) Japanese() string {
	switch i {
	case ShareWorkHistory:
		return "当センターの利用の経過"
	case ShareAssessments:
		return "アセスメントの結果"
	case ShareDisabilityType:
		return "障害の種別"
	case ShareContact:
		return "ご本人の連絡先"
	case ShareHandoffNotes:
		return "引き継ぎの要点"
	}
	return string(i)
}

// Japanese names a disability type for an agency.
func (t DisabilityType) Japanese() string {
	switch t {
	case DisabilityMental:
		return "精神障害"
	case DisabilityDevelopmental:
		return "発達障害"
	case DisabilityIntellectual:
		return "知的障害"
	case DisabilityPhysical:
		return "身体障害"
	}
	return string(t)
}

// Consent is a worker's consent to share some items with one agency for
// one purpose: when it was given and on which wording, and, once
// withdrawn, when and on which wording. A withdrawn consent stays on record.
type Consent struct {
	ID             string         `json:"id"`
	WorkerID       string         `json:"worker_id"`
	AgencyID       string         `json:"agency_id"`
	AgencyName     string         `json:"agency_name,omitempty"`
	Purpose        ConsentPurpose `json:"purpose"`
	Items          []ShareItem    `json:"items"`
	GivenOn        Date           `json:"given_on"`
	WordingVersion string         `json:"wording_version"`
	GivenBy        string         `json:"given_recorded_by"`
	CreatedAt      time.Time      `json:"created_at"`
	// Set once withdrawn.
	WithdrawnOn              Date       `json:"withdrawn_on,omitzero"`
	WithdrawalWordingVersion string     `json:"withdrawal_wording_version,omitempty"`
	WithdrawnBy              string     `json:"withdrawn_recorded_by,omitempty"`
	WithdrawnAt              *time.Time `json:"withdrawn_at,omitempty"`
}

// InForce reports whether the consent allows sharing on date d: given on or
// before d and not withdrawn.
func (c Consent) InForce(d Date) bool {
	return c.WithdrawnOn.IsZero() && !c.GivenOn.IsZero() && !c.GivenOn.After(d)
}

// Allows reports whether the consent allows sharing item.
func (c Consent) Allows(item ShareItem) bool { return slices.Contains(c.Items, item) }

// ConsentAction is what a consent request records.
type ConsentAction string

const (
	ConsentGive     ConsentAction = "give"
	ConsentWithdraw ConsentAction = "withdraw"
)

// ConsentRequest records a consent given or withdrawn.
type ConsentRequest struct {
	Action         ConsentAction
	AgencyID       string
	Purpose        ConsentPurpose
	Items          []ShareItem // give only
	On             Date
	WordingVersion string
}

// ValidateConsentRequest checks a consent request and names every field
// at fault. Items are sorted into ShareItems order.
func ValidateConsentRequest(r *ConsentRequest, today Date) error {
	var f Fields
	switch r.Action {
	case ConsentGive, ConsentWithdraw:
	case "":
		f.Add("action", "is required: give or withdraw")
	default:
		f.Add("action", "must be give or withdraw")
	}
	if r.AgencyID == "" {
		f.Add("agency_id", "is required")
	}
	switch {
	case r.Purpose == "":
		f.Add("purpose", "is required")
	case !r.Purpose.Valid():
		f.Add("purpose", "must be one of %s", joinOf(ConsentPurposes))
	}
	switch {
	case r.On.IsZero():
		f.Add("on", "is required")
	case r.On.After(today):
		f.Add("on", "cannot be in the future (today is %s)", today)
	}
	r.WordingVersion = strings.TrimSpace(r.WordingVersion)
	switch n := utf8.RuneCountInString(r.WordingVersion); {
	case n == 0:
		f.Add("wording_version", "name the version of the consent wording the worker read")
	case n > 50:
		f.Add("wording_version", "must be at most 50 characters")
	}
	if r.Action == ConsentGive {
		if len(r.Items) == 0 {
			f.Add("items", "name at least one item the worker agrees to share (%s)", joinOf(ShareItems))
		}
		for _, it := range r.Items {
			if !it.Valid() {
				f.Add("items", "%q is not one of %s", it, joinOf(ShareItems))
			}
		}
		sorted := slices.Clone(r.Items)
		slices.SortFunc(sorted, func(a, b ShareItem) int { return slices.Index(ShareItems, a) - slices.Index(ShareItems, b) })
		if len(slices.Compact(slices.Clone(sorted))) != len(sorted) {
			f.Add("items", "name each item once")
		}
		r.Items = sorted
	}
	if r.Action == ConsentWithdraw && len(r.Items) > 0 {
		f.Add("items", "only when giving a consent: a withdrawal ends the whole consent for this agency and purpose")
	}
	return f.Err()
}

func joinOf[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// Handoff statuses.
const (
	// HandoffSent: provided to the agency (email sent); awaiting its acknowledgement.
	HandoffSent = "sent"
	// HandoffAcknowledged: the agency confirmed it received the handoff.
	HandoffAcknowledged = "acknowledged"
	// HandoffUnacknowledged: no acknowledgement in time; staff were told.
	// A later acknowledgement is still recorded.
	HandoffUnacknowledged = "unacknowledged"
	// HandoffConsentWithdrawn: the consent was withdrawn after the handoff
	// was sent; the acknowledgement is no longer chased and staff are
	// asked to tell the agency.
	HandoffConsentWithdrawn = "consent_withdrawn"
	// HandoffCancelled: the consent was withdrawn before anything was
	// sent; nothing reached the agency.
	HandoffCancelled = "cancelled"
)

// Handoff is one graduate's handoff to one agency. Once provided, it is
// also the record of a third-party provision (APPI art. 29): what (Items),
// to whom (AgencyID, AgencyName), when (ProvidedAt), kept until KeepUntil
// and then deleted.
type Handoff struct {
	ID             string      `json:"id"`
	WorkerID       string      `json:"worker_id"`
	AgencyID       string      `json:"agency_id"`
	AgencyName     string      `json:"agency_name"`
	ConsentID      string      `json:"consent_id"`
	Destination    Destination `json:"destination"`
	GraduatedOn    Date        `json:"graduated_on"`
	Status         string      `json:"status"`
	Items          []ShareItem `json:"items"`
	WordingVersion string      `json:"consent_wording_version,omitempty"`
	ProvidedAt     *time.Time  `json:"provided_at,omitempty"`
	ProvidedOn     Date        `json:"provided_on,omitzero"`
	KeepUntil      Date        `json:"keep_until,omitzero"`
	AckBy          Date        `json:"ack_by,omitzero"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string      `json:"acknowledged_by,omitempty"`
	EscalatedAt    *time.Time  `json:"escalated_at,omitempty"`
	// Reason says why a handoff was cancelled.
	Reason    string    `json:"reason,omitempty"`
	CreatedBy string    `json:"created_by"`
	UpdatedAt time.Time `json:"updated_at"`
	// NoteID is staff's handoff notes (shared only as ShareHandoffNotes).
	NoteID   string `json:"-"`
	EmailKey string `json:"-"`
}

// ProvisionKeptUntil is the last day a record of a provision on date on is
// kept: years later, by the Civil Code's reckoning (AddMonthsCivil).
func ProvisionKeptUntil(on Date, years int) Date { return AddMonthsCivil(on, 12*years) }

// ActorAgency names a partner agency acting through a signed link.
const ActorAgency = "agency"

// AssessmentRecord is an assessment as stored: who recorded it and when.
type AssessmentRecord struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	Assessment
	// Average is the mean of the four scores, for reading.
	Average    float64   `json:"average"`
	RecordedBy string    `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// Latest returns the latest staff and self assessments among records (by
// date, then by the order recorded), or nil where there is none.
func Latest(records []AssessmentRecord) (staff, self *AssessmentRecord) {
	for i := range records {
		r := &records[i]
		switch r.By {
		case AssessorStaff:
			if staff == nil || !r.On.Before(staff.On) {
				staff = r
			}
		case AssessorSelf:
			if self == nil || !r.On.Before(self.On) {
				self = r
			}
		}
	}
	return staff, self
}

// ScoresJapanese renders scores for an agency: 「作業安定度 4、作業遂行 3、…(平均 3.75)」.
func (a Assessment) ScoresJapanese() string {
	parts := make([]string, 0, len(Dimensions))
	for _, d := range Dimensions {
		parts = append(parts, fmt.Sprintf("%s %d", d.Japanese(), a.Scores.Get(d)))
	}
	return strings.Join(parts, "、") + "(平均 " + a.AverageText() + ")"
}
