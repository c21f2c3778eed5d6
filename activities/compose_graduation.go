package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
)

// staffName is the salutation of emails to the center's staff address.
const staffName = "スタッフ各位"

// composeGraduation renders the emails of assessments, step-up, handoffs
// and follow-ups. Staff emails go to the policy's staff address and name
// the worker by ID only; a handoff email goes to the agency and carries
// exactly the items the worker's consent allowed, read here from
// PostgreSQL.
func (a *Activities) composeGraduation(ctx context.Context, n Notice, w ippo.Worker, out *composed) (mail.Data, error) {
	f, center, name := n.Facts, a.Center, w.Applicant.Name
	toStaff := func(on ippo.Date) error {
		p, err := a.DB.PolicyAt(ctx, on)
		if err != nil {
			return err
		}
		out.to, out.toName = p.StaffEmail, staffName
		return nil
	}
	switch n.Email {
	case EmailSelfAssessmentRequest:
		url, err := a.link(links.ActionSelfAssessment, w.ID, f.DueOn.String(), f.LinkExpires)
		if err != nil {
			return nil, err
		}
		return mail.SelfAssessmentRequest{Center: center, Name: name, Due: f.DueOn, URL: url}, nil
	case EmailAssessmentOverdue:
		if err := toStaff(f.On); err != nil {
			return nil, err
		}
		return mail.AssessmentOverdue{Center: center, WorkerName: w.Applicant.Name, WorkerRef: w.ID, Due: f.DueOn, StaffMissing: f.StaffMissing, SelfMissing: f.SelfMissing}, nil
	case EmailStepUp:
		return mail.StepUpRecommendation{Center: center, Name: name, StaffAverage: f.StaffAverage, SelfAverage: f.SelfAverage}, nil
	case EmailStepUpStaff:
		if err := toStaff(f.On); err != nil {
			return nil, err
		}
		return mail.StepUpRecommendationStaff{Center: center, WorkerName: w.Applicant.Name, WorkerRef: w.ID, StaffAverage: f.StaffAverage, SelfAverage: f.SelfAverage, Threshold: f.Threshold}, nil
	case EmailFollowUp:
		return mail.FollowUpCheckIn{Center: center, Name: name, Months: f.Months}, nil
	case EmailHandoffNotAcked:
		h, err := a.DB.Handoff(ctx, f.HandoffID)
		if err != nil {
			return nil, nonRetryableIfNotFound(err)
		}
		if err := toStaff(f.On); err != nil {
			return nil, err
		}
		return mail.HandoffNotAcknowledged{Center: center, AgencyName: h.AgencyName, WorkerName: w.Applicant.Name, WorkerRef: w.ID, SentOn: h.ProvidedOn}, nil
	case EmailAgencyHandoff:
		return a.composeHandoff(ctx, n, w, out)
	}
	return nil, nonRetryable(fmt.Errorf("no template for email %q", n.Email))
}

// composeHandoff renders the email that hands a graduate over to an agency.
func (a *Activities) composeHandoff(ctx context.Context, n Notice, w ippo.Worker, out *composed) (mail.Data, error) {
	h, err := a.DB.Handoff(ctx, n.Facts.HandoffID)
	if err != nil {
		return nil, nonRetryableIfNotFound(err)
	}
	if h.Status == ippo.HandoffCancelled || h.ProvidedAt == nil || len(h.Items) == 0 {
		// Only a recorded provision may be sent: no consent, no email.
		return nil, nonRetryable(fmt.Errorf("handoff %s was not provided (%s %s): nothing to send", h.ID, h.Status, h.Reason))
	}
	agency, err := a.DB.Agency(ctx, h.AgencyID)
	if err != nil {
		return nil, nonRetryableIfNotFound(err)
	}
	out.to, out.toName, out.agencyID = agency.Email, agency.Name, agency.ID
	shared, err := a.sharedLines(ctx, w, h)
	if err != nil {
		return nil, err
	}
	p, err := a.DB.PolicyAt(ctx, h.ProvidedOn)
	if err != nil {
		return nil, err
	}
	// The center's contact is the person who handed over; a token that is
	// no one's (the bootstrap admin's) gives the center's name instead.
	staff, err := a.DB.TokenDisplayName(ctx, h.CreatedBy)
	if err != nil {
		return nil, err
	}
	if staff == "" {
		staff = a.Center.Name
	}
	ack, err := a.link(links.ActionAgencyAck, w.ID, h.ID, n.Facts.LinkExpires)
	if err != nil {
		return nil, err
	}
	return mail.AgencyHandoff{
		Center: a.Center, AgencyName: agency.Name, WorkerName: w.Applicant.Name, Destination: h.Destination.Japanese(),
		Shared: shared, StaffName: staff, StaffEmail: p.StaffEmail, AckURL: ack, AckBy: h.AckBy,
	}, nil
}

// sharedLines renders the items of a provision, and only those, in the
// fixed order of ippo.ShareItems.
func (a *Activities) sharedLines(ctx context.Context, w ippo.Worker, h ippo.Handoff) ([]mail.Line, error) {
	const none = "記録はありません"
	var lines []mail.Line
	for _, item := range ippo.ShareItems {
		if !slicesContains(h.Items, item) {
			continue
		}
		value := none
		switch item {
		case ippo.ShareWorkHistory:
			if !w.ContractStart.IsZero() {
				value = fmt.Sprintf("%sから%sまで、当センターとの業務委託契約で、在宅または通所によるIT作業(文章校正・データ入力など)に取り組みました。",
					w.ContractStart.Japanese(), h.GraduatedOn.Japanese())
			}
		case ippo.ShareAssessments:
			records, err := a.DB.Assessments(ctx, w.ID)
			if err != nil {
				return nil, err
			}
			staff, self := ippo.Latest(records)
			var parts []string
			if staff != nil {
				parts = append(parts, fmt.Sprintf("スタッフによる評価(%s) %s", staff.On.Japanese(), staff.ScoresJapanese()))
			}
			if self != nil {
				parts = append(parts, fmt.Sprintf("ご本人による評価(%s) %s", self.On.Japanese(), self.ScoresJapanese()))
			}
			if len(parts) > 0 {
				value = strings.Join(parts, "/") + "。各5点満点です。"
			}
		case ippo.ShareDisabilityType:
			var kinds []string
			for _, t := range w.Applicant.DisabilityTypes {
				kinds = append(kinds, t.Japanese())
			}
			if w.Applicant.IntractableDisease {
				kinds = append(kinds, "難病")
			}
			if len(kinds) > 0 {
				value = strings.Join(kinds, "、")
			}
		case ippo.ShareContact:
			value = "メール " + w.Applicant.Email
		case ippo.ShareHandoffNotes:
			note, err := a.DB.Note(ctx, h.NoteID)
			if err != nil {
				return nil, err
			}
			if note = strings.Join(strings.Fields(note), " "); note != "" {
				value = note
			} else {
				value = "特にありません"
			}
		}
		lines = append(lines, mail.Line{Label: item.Japanese(), Value: value})
	}
	return lines, nil
}

func slicesContains(items []ippo.ShareItem, x ippo.ShareItem) bool {
	for _, i := range items {
		if i == x {
			return true
		}
	}
	return false
}

// nonRetryableIfNotFound stops retrying what will never appear.
func nonRetryableIfNotFound(err error) error {
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		return nonRetryable(err)
	}
	return err
}
