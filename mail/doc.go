// Package mail renders Ippo's emails and sends them through SendGrid.
//
// # Templates
//
// Every email is one Template constant, one data struct in this package
// (whose Template method names it) and two embedded files:
// templates/<name>.txt (text/template; defines "subject" and "body") and
// templates/<name>.html (html/template; defines "body"). The shared
// templates/layout.txt and templates/layout.html wrap the body and add the
// footer for the email's Audience. Render(d) checks the data, fills in the
// templates and returns the subject, the plain text and the HTML. Adding a
// constant without its files, or a file without a constant, fails the tests.
//
// Every data struct embeds Center, the sender: the center's name, the
// operator that signs contracts, and the reply address shown in the footer.
// Data structs survive JSON: an outbox may store json.Marshal(d) with
// d.Template() and render it later through DecodeData.
//
// # Wording
//
// Emails are in Japanese. Many readers live with mental illness or have
// been withdrawn for a long time, so the wording of worker- and
// agency-facing emails is plain, kind and respectful:
//   - resting when unwell is good practice; no email may blame or punish it;
//   - no step requires a call: every email says a written reply is enough;
//   - the work is a service contract, not employment: the pay is 報酬
//     (never 給与 or 賃金, except in 最低賃金), and the schedule is the
//     worker's own declaration, not an order;
//   - targets (the 80% utilization guide) are guides, never quotas.
//
// Staff-facing emails are short and factual and name the worker by an
// opaque reference (the worker ID) only. No email carries health facts
// (disability type, diagnosis, intractable disease) except AgencyHandoff,
// whose Shared lines hold exactly what the worker consented to share with
// that agency.
//
// # Sending
//
// SendGrid.Send posts one message to SendGrid's v3 mail-send API with the
// official sendgrid-go client and returns SendGrid's message ID. It never
// retries: the caller (a Temporal activity) owns retries and decides with
// IsRetryable, IsPermanent and IsAmbiguous. An ambiguous failure means the
// request may have reached SendGrid; retrying it may send the email twice.
// The outbox and the exactly-once rule built on these (and the one case it
// cannot cover) are documented on activities.Notify.
//
// # Event Webhook
//
// VerifyEvents checks the signature of SendGrid's signed Event Webhook and
// decodes its events; each event carries the ippo_outbox_id custom argument
// the sender put on the message, so delivery, bounces and drops can be
// matched back to the outbox.
//
// Package mail/sendgridfake is a fake of the SendGrid API for tests and
// local development.
package mail
