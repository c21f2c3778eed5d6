// Package ippo holds the domain of Ippo, the back office of a digital
// employment-support center: phases of a worker's lifecycle, calendar
// arithmetic for contracts, policy values with effective dates, and the
// rules that both the workflows and the API apply.
//
// The package does no I/O. Adapters (postgres, mail, api, workflows,
// activities) import it; it imports none of them.
package ippo
