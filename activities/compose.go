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
		// A term the contract ends with (the center's notice came too late
		// for the extension that starts it) is followed by no extension:
		// the email says so and carries no opt-out. The read model covers
		// emails enqueued before the workflow said so itself.
		final := f.Final || (!w.EndsOn.IsZero() && !w.EndsOn.After(f.TermEnd))
		terms := mail.ContractTerms{
			Center: center, Name: name, Kind: kind, TermStart: f.TermStart, TermEnd: f.TermEnd,
			HourlyYen: f.RateYen, RateBasis: mail.RateBasisMinimumWage(p.WagePrefecture),
			WorkContent: mail.WorkContentIT, Place: mail.PlaceRemoteOrOnSite, PaymentTerms: a.paymentTerms(),
			Final: final,
		}
		if !final {
			terms.NextExtension, terms.ExtensionMonths = f.NextStart, f.ExtensionMonths
			if terms.OptOutURL, err = a.link(links.ActionOptOut, w.ID, f.TermEnd.String(), f.OptOutBy); err != nil {
				return out, err
			}
		}
		if terms.AbsenceURL, err = a.absenceLink(w.ID, f.TermEnd); err != nil {
			return out, err
		}
		d = terms
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
	case EmailTaskRequest, EmailTaskTaken, EmailTaskWithdrawn, EmailTaskDueReminder:
		// client tasks (issue 14): compose_task.go
		if d, err = a.composeTask(ctx, n, w); err != nil {
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

// absenceLink signs the link a worker reports an absence, a late start or
// an early leave with (links.ActionAbsence), valid to the end of until.
// The link is reusable: every submission of its page records one notice
// (see linkpages/absence.go), so one link serves a whole term. Its
// Subject is the last day it is meant for. It is a convenience in emails
// about something else: without a signer configured (some tests) the
// email goes without it, never held back.
func (a *Activities) absenceLink(workerID string, until ippo.Date) (string, error) {
	if a.Links == nil || until.IsZero() {
		return "", nil
	}
	return a.link(links.ActionAbsence, workerID, until.String(), until)
}

// statementAbsenceLink is the absence link for a monthly statement: while
// the worker is active, valid to the day the contract ends (the end of
// the current term, or the earlier day it was set to end); none once the
// worker has left.
func (a *Activities) statementAbsenceLink(w ippo.Worker) (string, ippo.Date, error) {
	if w.Phase != ippo.PhaseActive || w.ContractEnd.IsZero() {
		return "", ippo.Date{}, nil
	}
	until := w.ContractEnd
	if !w.EndsOn.IsZero() && w.EndsOn.Before(until) {
		until = w.EndsOn
	}
	if until.Before(a.Clock.Today(time.Now())) {
		return "", ippo.Date{}, nil
	}
	url, err := a.absenceLink(w.ID, until)
	if url == "" || err != nil {
		return "", ippo.Date{}, err
	}
	return url, until, nil
}

func (a *Activities) paymentTerms() string {
	if a.PaymentTerms != "" {
		return a.PaymentTerms
	}
	return PaymentTermsDefault
}
