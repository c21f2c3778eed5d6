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
	if !s.workerOf(w, r) {
		return
	}
	if errs := textProblems(r.PostForm, 50, "wording_version", "agency_id", "purpose", "action", "on"); errs != nil {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, "consent")
		return
	}
	req := ippo.ConsentRequest{
		Action: ippo.ConsentAction(r.PostForm.Get("action")), AgencyID: strings.TrimSpace(r.PostForm.Get("agency_id")),
		Purpose: ippo.ConsentPurpose(r.PostForm.Get("purpose")), WordingVersion: r.PostForm.Get("wording_version"),
	}
	if !isUUID(req.AgencyID) {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, []fieldProblem{{Field: "agency_id", Label: "関係機関", Message: "一覧から関係機関を選んでください。"}}, nil, "consent")
		return
	}
	if req.Action == ippo.ConsentGive {
		for _, it := range r.PostForm["items"] {
			req.Items = append(req.Items, ippo.ShareItem(it))
		}
	}
	if v := strings.TrimSpace(r.PostForm.Get("on")); v != "" {
		d, err := ippo.ParseDate(v)
		if err != nil {
			s.renderWorker(w, r, http.StatusUnprocessableEntity, []fieldProblem{{Field: "on", Label: "同意の日", Message: "2026-04-01 のような形の日付を入力してください。"}}, nil, "consent")
			return
		}
		req.On = d
	}
	if _, err := s.App.RecordConsent(r.Context(), r.Actor, r.WorkerID, req); err != nil {
		s.stepFailed(w, r, "consent", err)
		return
	}
	stepDone(w, r, "consent")
}

// graduate records a graduation and hands the worker over to the agencies
// chosen (each needs the worker's consent in force).
func (s *Server) graduate(w http.ResponseWriter, r *request) {
	if !s.workerOf(w, r) {
		return
	}
	if errs := textProblems(r.PostForm, 2000, "handoff_notes"); errs != nil {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, "graduation")
		return
	}
	g := app.Graduation{Destination: ippo.Destination(r.PostForm.Get("destination")), HandoffNotes: r.PostForm.Get("handoff_notes")}
	for _, a := range r.PostForm["agencies"] {
		if !isUUID(a) {
			s.renderWorker(w, r, http.StatusUnprocessableEntity, []fieldProblem{{Field: "agencies", Label: "引き継ぐ関係機関", Message: "一覧から選んでください。"}}, nil, "graduation")
			return
		}
		g.Agencies = append(g.Agencies, a)
	}
	if _, err := s.App.Graduate(r.Context(), r.Actor, r.WorkerID, r.stepID(), g); err != nil {
		s.stepFailed(w, r, "graduation", err)
		return
	}
	stepDone(w, r, "graduation")
}

// acknowledgeHandoff records, for an agency that told staff otherwise
// than through its link, that a handoff arrived.
func (s *Server) acknowledgeHandoff(w http.ResponseWriter, r *request) {
	if !s.workerOf(w, r) {
		return
	}
	hid := r.PathValue("handoff")
	if !isUUID(hid) {
		s.message(w, r.Request, http.StatusNotFound, "見つかりません", "この引き継ぎは見つかりませんでした。")
		return
	}
	if errs := textProblems(r.PostForm, 2000, "note"); errs != nil {
		s.renderWorker(w, r, http.StatusUnprocessableEntity, errs, nil, "ack")
		return
	}
	if _, err := s.App.AcknowledgeHandoff(r.Context(), r.Actor, r.WorkerID, hid, r.stepID(), r.PostForm.Get("note")); err != nil {
		s.stepFailed(w, r, "ack", err)
		return
	}
	stepDone(w, r, "ack")
}
