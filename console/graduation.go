package console

import (
	"net/http"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// recordConsent records the worker's consent to share named items with an
// agency for a purpose, or its withdrawal.
func (s *Server) recordConsent(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "consent", []string{"wording_version", "agency_id", "purpose", "action"}, func() ([]fieldProblem, error) {
		req := ippo.ConsentRequest{
			Action: ippo.ConsentAction(r.PostForm.Get("action")), AgencyID: strings.TrimSpace(r.PostForm.Get("agency_id")),
			Purpose: ippo.ConsentPurpose(r.PostForm.Get("purpose")), WordingVersion: r.PostForm.Get("wording_version"),
		}
		if !isUUID(req.AgencyID) {
			return []fieldProblem{{Field: "agency_id", Label: labelOf("agency_id"), Message: "一覧から関係機関を選んでください。"}}, nil
		}
		if req.Action == ippo.ConsentGive {
			for _, it := range r.PostForm["items"] {
				req.Items = append(req.Items, ippo.ShareItem(it))
			}
		}
		on, errs := formDate(r, "on", "")
		if errs != nil {
			return errs, nil
		}
		req.On = on
		_, err := s.App.RecordConsent(r.Context(), r.Actor, r.WorkerID, req)
		return nil, err
	})
}

// graduate records a graduation and hands the worker over to the agencies
// chosen (each needs the worker's consent in force).
func (s *Server) graduate(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "graduation", []string{"handoff_notes"}, func() ([]fieldProblem, error) {
		g := app.Graduation{Destination: ippo.Destination(r.PostForm.Get("destination")), HandoffNotes: r.PostForm.Get("handoff_notes")}
		for _, a := range r.PostForm["agencies"] {
			if !isUUID(a) {
				return []fieldProblem{{Field: "agencies", Label: labelOf("agencies"), Message: "一覧から選んでください。"}}, nil
			}
			g.Agencies = append(g.Agencies, a)
		}
		_, err := s.App.Graduate(r.Context(), r.Actor, r.WorkerID, r.stepID(), g)
		return nil, err
	})
}

// acknowledgeHandoff records, for an agency that told staff otherwise
// than through its link, that a handoff arrived.
func (s *Server) acknowledgeHandoff(w http.ResponseWriter, r *request) {
	s.workerStep(w, r, "ack", []string{"note"}, func() ([]fieldProblem, error) {
		hid := r.PathValue("handoff")
		if !isUUID(hid) {
			return nil, ippo.Errorf(ippo.ENOTFOUND, "no handoff %q", hid)
		}
		_, err := s.App.AcknowledgeHandoff(r.Context(), r.Actor, r.WorkerID, hid, r.stepID(), r.PostForm.Get("note"))
		return nil, err
	})
}
