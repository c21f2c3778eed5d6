// Package console is the staff console: Japanese, server-rendered HTML over
// the application layer (package app), mounted by the ippo binary under
// /console/.
//
// It is a face, like the API: it parses forms, authorizes and renders;
// every step it takes is a call into app, so no rule lives here twice.
// Every page works without JavaScript.
//
// Sessions: a staff member signs in once with their staff token; the
// console then keeps a server-side session (table console_sessions, only
// the SHA-256 of the cookie's random id stored) with an idle and an
// absolute expiry. The cookie is HttpOnly, SameSite=Strict, Path=/console,
// and Secure when the request came over HTTPS. A revoked token ends its
// sessions at once.
//
// CSRF: every form carries the session's synchronizer token, compared in
// constant time before anything is read or changed; a missing or forged
// token changes nothing and the page says so. The sign-in form, which
// comes before any session, uses a double-submitted cookie instead.
package console
