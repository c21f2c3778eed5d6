package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/stretchr/testify/require"
)

func day(s string) ippo.Date {
	d, err := ippo.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// worker registers an applicant and records lifecycle steps so the read
// model stands as a worker in phase would: signed on start (zero: never
// signed), with a notice ending the contract on endsOn, and for a final
// phase other than ended, a step into it on left.
type worker struct {
	phase         ippo.Phase
	start, endsOn ippo.Date
	left          ippo.Date
}

func newWorker(t *testing.T, db *postgres.DB, w worker) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	require.NoError(t, db.CreateApplicant(ctx, id, ippo.Applicant{
		Name: "鎌倉 花子", Email: id[:8] + "@example.jp", MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		Consent: ippo.CollectionConsent{GivenOn: day("2025-01-05"), WordingVersion: "2025-01"},
	}))
	seq := int64(0)
	record := func(kind string, on ippo.Date, v ippo.WorkerView) {
		seq++
		at := on.Start().Add(10 * time.Hour)
		require.NoError(t, db.RecordStep(ctx, ippo.Step{
			Key: fmt.Sprintf("worker/%s/step/%d", id, seq), WorkerID: id, Seq: seq, At: at, ProgramAt: at,
			Kind: kind, Actor: "staff:test", View: v,
		}))
	}
	if w.start.IsZero() {
		record("applied", day("2025-01-05"), ippo.WorkerView{Phase: w.phase, Status: "x"})
		return id
	}
	active := ippo.WorkerView{Phase: ippo.PhaseActive, Status: "under_contract", ContractStart: w.start,
		ContractEnd: ippo.AddMonthsCivil(w.start, 6), EndsOn: w.endsOn}
	record("contract_signed", w.start, active)
	switch w.phase {
	case ippo.PhaseActive:
	case ippo.PhaseEnded:
		v := active
		v.Phase, v.ContractEnd = ippo.PhaseEnded, w.endsOn
		record("contract_ended", w.endsOn.AddDays(1), v)
	default:
		v := active
		v.Phase = w.phase
		record(string(w.phase), w.left, v)
	}
	return id
}

func active(start string) worker { return worker{phase: ippo.PhaseActive, start: day(start)} }

// errCode returns the domain error in err (failing on any other error).
func domainError(t *testing.T, err error) *ippo.Error {
	t.Helper()
	require.Error(t, err)
	var e *ippo.Error
	require.True(t, errors.As(err, &e), "want an *ippo.Error, got %v", err)
	return e
}

func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	e := domainError(t, err)
	require.Equal(t, ippo.EINVALID, e.Code, "%v", err)
	var names []string
	for _, f := range e.Fields {
		names = append(names, f.Field)
	}
	return names
}

func slot(wd time.Weekday, start, end string) ippo.Slot {
	s, err := ippo.ParseTimeOfDay(start)
	if err != nil {
		panic(err)
	}
	e, err := ippo.ParseTimeOfDay(end)
	if err != nil {
		panic(err)
	}
	return ippo.Slot{Weekday: wd, Start: s, End: e, Mode: ippo.ModeRemote}
}

// toJSON round-trips v through JSON, as an API client would see it.
func toJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
