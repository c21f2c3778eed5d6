// Package links signs and verifies the expiring links that let workers and
// partner agencies act from an email without an account: report an absence,
// fill in a self-assessment, opt out of a contract extension, acknowledge a
// handoff.
//
// # Token
//
// A token is
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
//
// without padding, so it can go into a URL path or query as it is. The
// payload is a small JSON object of Claims: the link's own ID (so a
// one-time link can be marked used), the Action it allows, the worker's ID,
// an optional Subject ID (the assessment, handoff, extension, …) and the
// expiry in Unix seconds.
//
// # Contract
//
//   - The payload is signed, not encrypted: anyone holding the link can read
//     it. Claims therefore carry opaque IDs only; Sign refuses values that
//     could be a name or an address (only ASCII letters, digits and
//     "-_.:/" are allowed, at most 128 bytes each).
//   - The MAC key is derived from a secret of at least 32 bytes. Previous
//     secrets may be given to NewSigner so links already sent keep working
//     while the secret is rotated; new links are always signed with the
//     current one.
//   - Verify compares MACs in constant time and tells apart a token that is
//     not a token at all (ErrMalformed), one whose MAC does not match
//     (ErrTampered) and a genuine one past its expiry (ErrExpired, returned
//     together with the claims so the page can say what the link was for).
//   - Any accepted token is exactly the token Sign produces for its claims:
//     no other spelling of the same token verifies.
//   - Verify does not know whether a link was already used; the caller keeps
//     the used IDs.
package links
