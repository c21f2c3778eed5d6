// Package linkpages serves the signed-link pages: the third face over the
// application layer (app), beside the staff API (api) and the staff
// console (console), for the workers and agencies who act on an email.
//
// They are served on the API's Gin engine (api.Server.LinkPages), outside
// /api/v1 and without a staff token, so they share its request IDs and
// their logger (internal/requestlog), access log, metrics, panic recovery
// and trusted proxies; cmd/ippo wires them.
//
// A link in an email (links.Signer) leads to GET /l/{token}: a small page
// that says what the link is for and shows a form with a confirm button.
// GET never acts — mail scanners and link previews open links on their own —
// only POST /l/{token} does, once. The page framework handles everything
// common to every action: verifying the token, the pages for a tampered,
// expired, used or unknown link (each says so plainly and changes nothing),
// the form fields and their checks, single use (recorded in PostgreSQL by
// the link's ID, or by the form's nonce for a reusable link: see below), a
// rate limit per client, and headers that keep the token
// out of caches, referrers and search engines. Pages show no personal data.
//
// # Adding an action
//
// An action is an Action, registered in New (one line,
// under the comment). It names its links.Action, a Title (what the
// link is for), optional Describe (paragraphs shown above the form, read
// from PostgreSQL; a *Refusal there shows the page without a form when
// the action no longer fits), its form Fields (radio, text, textarea,
// date; checked before Perform is called), the Button label, and Perform.
// Perform acts and says what happened (Done), or refuses kindly
// (*Refusal: nothing changed, the link stays usable), or fails (any
// other error: nothing changed, the person is asked to try later). Perform
// must be idempotent by the link's ID (claims.ID): if a process stops
// after acting but before the use is recorded, the link is acted on again
// two minutes later. A Temporal Update with UpdateID "link/"+claims.ID is.
// Wording is Japanese, plain and kind; no page may blame the reader.
//
// Optional: Prefill gives the form's starting values (today's date);
// Check adds checks across fields (a time needed by one choice only),
// run after the fields' own checks and, like them, before anything acts.
//
// # Single use and reusable links
//
// A link acts once, by default: its use is recorded under claims.ID and
// every later request gets the "used" page. A Reusable action (the
// absence notice: a worker may rest more than once in a term) acts once
// per submitted form instead: GET puts a fresh random nonce in a hidden
// field, and the use recorded is claims.ID + "/" + nonce, so a double
// click, a reload or a retried POST of the same form acts once, while the
// same link opened again gives a new form that acts again. Perform sees
// that use ID as claims.ID, so "idempotent by claims.ID" holds for both
// kinds. A POST without a well-formed nonce acts on nothing and shows the
// form again with one.
package linkpages
