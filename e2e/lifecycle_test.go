package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestContractExtendsTwiceThenEnds: with a three-second month, a contract
// signed today extends twice and ends with the term the center named in a
// timely non-renewal notice; every email is in the outbox.
func TestContractExtendsTwiceThenEnds(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "3s"})

	id := p.do("POST", "/api/v1/applicants", applicant("taro@example.jp"), http.StatusCreated)["id"].(string)
	path := "/api/v1/workers/" + id
	p.do("POST", path+"/contract", map[string]any{}, http.StatusConflict) // not yet approved
	approved := p.do("POST", path+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
	require.Equal(t, "onboarding", approved["phase"])
	signed := p.do("POST", path+"/contract", map[string]any{}, http.StatusOK)
	require.Equal(t, "active", signed["phase"])

	// The third term's end: the first term, then two three-month extensions.
	end1, err := ippo.ParseDate(signed["term_end"].(string))
	require.NoError(t, err)
	end2 := ippo.AddMonthsCivil(end1.AddDays(1), 3)
	end3 := ippo.AddMonthsCivil(end2.AddDays(1), 3)
	notice := p.do("POST", path+"/contract/non-renewal", map[string]any{
		"by": "center", "ends_on": end3.String(), "reason": "センターの事業計画の見直しのため",
	}, http.StatusOK)
	require.Equal(t, end3.String(), notice["ends_on"])

	p.eventually(90*time.Second, "the contract to end", func() bool {
		return p.do("GET", path, nil, http.StatusOK)["phase"] == "ended"
	})
	w := p.do("GET", path, nil, http.StatusOK)
	require.EqualValues(t, 2, w["extensions"])
	require.Equal(t, end3.String(), w["contract_end"])

	// Nobody assesses in this test: the first round (due three months after
	// signing) is asked for, reminded and escalated to staff, once.
	require.Equal(t, []string{
		"applied", "eligibility_approved", "contract_signed", "non_renewal_given",
		"assessment_requested", "assessment_reminder_sent", "assessment_overdue",
		"extension_reminder_sent", "contract_extended", "extension_reminder_sent", "contract_extended",
		"contract_ended",
	}, p.timelineKinds(id))
	// Monthly statements come too (the month closes every three seconds);
	// e2e/close_test.go checks those.
	p.eventually(10*time.Second, "every email", func() bool {
		emails := p.lifecycleEmails(id)
		return len(emails) == 11 && settled(emails)
	})
	require.Equal(t, []string{
		"application_received", "eligibility_approved", "contract_terms", "non_renewal_notice",
		"self_assessment_request", "self_assessment_request", "assessment_overdue",
		"extension_reminder", "contract_terms", "extension_reminder", "contract_terms",
	}, templates(p.lifecycleEmails(id)))
	for _, e := range p.lifecycleEmails(id) {
		require.Equal(t, "held", e["status"])
	}
	// A step after the end is refused with the phase.
	p.do("POST", path+"/withdrawal", map[string]any{"reason": "x"}, http.StatusConflict)
}
