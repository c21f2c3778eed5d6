package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/mail"
)

// PaymentTermsDefault is how fees are paid unless configured otherwise.
const PaymentTermsDefault = "毎月末日締め、翌月末日までに、ご指定の口座へ振り込みます。"

// composed is a rendered email with its recipient.
type composed struct {
	to, toName          string
	workerID, agencyID  string
	subject, text, html string
}

// compose renders the email n asks for, reading the personal facts it
// needs (names, addresses, reasons) from PostgreSQL.
func (a *Activities) compose(ctx context.Context, n Notice) (composed, error) {
	w, err := a.DB.Worker(ctx, n.WorkerID)
	if err != nil {
		return composed{}, nonRetryable(err)
	}
	out := composed{to: w.Applicant.Email, toName: w.Applicant.Name, workerID: w.ID}
	f := n.Facts
	center := a.Center
	name := w.Applicant.Name
	var d mail.Data
	switch n.Email {
	case EmailMonthlyStatement, EmailScheduleReview:
		md, err := a.composeMonth(ctx, n.Email, w, f.Month)
		if err != nil {
			return out, err
		}
		d = md
	case EmailApplicationReceived:
		d = mail.ApplicationReceived{Center: center, Name: name, Received: a.Clock.Today(w.AppliedAt)}
	case EmailEligibilityApproved:
		d = mail.EligibilityApproved{Center: center, Name: name, Waitlisted: f.Waitlisted, Position: f.Position}
	case EmailPlaceReady:
		d = mail.PlaceReady{Center: center, Name: name}
	case EmailEligibilityRejected:
		reason, err := a.DB.Note(ctx, f.NoteID)
		if err != nil {
			return out, err
		}
		d = mail.EligibilityNotApproved{Center: center, Name: name, Reason: reason}
	case EmailContractTerms:
		p, err := a.DB.PolicyAt(ctx, f.TermStart)
		if err != nil {
			return out, err
		}
		kind := mail.ContractSigning
		if f.Extension {
			kind = mail.ContractExtension
		}
		optOut, err := a.link(links.ActionOptOut, w.ID, f.TermEnd.String(), f.OptOutBy)
		if err != nil {
			return out, err
		}
		d = mail.ContractTerms{
			Center: center, Name: name, Kind: kind, TermStart: f.TermStart, TermEnd: f.TermEnd,
			HourlyYen: f.RateYen, RateBasis: mail.RateBasisMinimumWage(p.WagePrefecture),
			WorkContent: mail.WorkContentIT, Place: mail.PlaceRemoteOrOnSite, PaymentTerms: a.paymentTerms(),
			NextExtension: f.NextStart, ExtensionMonths: f.ExtensionMonths, OptOutURL: optOut,
		}
	case EmailExtensionReminder:
		optOut, err := a.link(links.ActionOptOut, w.ID, f.TermEnd.String(), f.OptOutBy)
		if err != nil {
			return out, err
		}
		d = mail.ExtensionReminder{
			Center: center, Name: name, CurrentEnd: f.TermEnd, ExtensionStart: f.NextStart,
			ExtensionEnd: f.NextEnd, OptOutBy: f.OptOutBy, OptOutURL: optOut,
		}
	case EmailNonRenewalNotice:
		reason, err := a.DB.Note(ctx, f.NoteID)
		if err != nil {
			return out, err
		}
		d = mail.NonRenewalNotice{Center: center, Name: name, EndDate: f.TermEnd, Reason: reason, NoticeDays: f.NoticeDays}
	case EmailSelfAssessmentRequest, EmailAssessmentOverdue, EmailStepUp, EmailStepUpStaff,
		EmailAgencyHandoff, EmailHandoffNotAcked, EmailFollowUp:
		// assessments, graduation and handoff (issue 6): compose_graduation.go
		if d, err = a.composeGraduation(ctx, n, w, &out); err != nil {
			return out, err
		}
	default:
		return out, nonRetryable(fmt.Errorf("no template for email %q", n.Email))
	}
	r, err := mail.Render(d)
	if err != nil {
		return out, nonRetryable(err)
	}
	out.subject, out.text, out.html = r.Subject, r.Text, r.HTML
	return out, nil
}

// link signs a link for an action by email, valid to the end of the
// program date until.
func (a *Activities) link(action links.Action, workerID, subject string, until ippo.Date) (string, error) {
	if a.Links == nil {
		return "", nonRetryable(fmt.Errorf("no link signer configured (IPPO_LINK_SECRET)"))
	}
	tok, err := a.Links.Sign(links.Claims{
		ID: links.NewID(), Action: action, WorkerID: workerID, Subject: subject,
		ExpiresAt: a.Clock.Real(until.AddDays(1).Start()).Truncate(time.Second),
	})
	if err != nil {
		return "", nonRetryable(err)
	}
	return a.PublicURL + "/l/" + tok, nil
}

func (a *Activities) paymentTerms() string {
	if a.PaymentTerms != "" {
		return a.PaymentTerms
	}
	return PaymentTermsDefault
}
