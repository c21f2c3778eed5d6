// Package codec encrypts what Ippo hands to Temporal. Every payload a
// workflow, activity, signal, update, query, memo or failure carries is
// sealed with AES-256-GCM before it leaves the process, so Temporal's
// database holds ciphertext; staff read it decoded in the Temporal Web UI
// through the API's codec endpoint (/codec/{namespace}/decode).
//
// Keys come from configuration (IPPO_PAYLOAD_KEYS), several at once so a
// key can be rolled: the first encrypts, every one decrypts, and each
// encrypted payload names its key id in its metadata. Payloads written
// before encryption was turned on pass through unchanged.
package codec
