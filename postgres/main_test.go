package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/stretchr/testify/require"
)

func applicant(email string, general bool) ippo.Applicant {
	return ippo.Applicant{
		Name: "鎌倉 花子", Email: email, MunicipalityCode: "14204", Category: ippo.CategoryDisability,
		RecognizedByDoctor: true, DisabilityTypes: []ippo.DisabilityType{ippo.DisabilityMental},
		WantsGeneralEmployment: general,
		Consent:                ippo.CollectionConsent{GivenOn: ippo.Date{Year: 2026, Month: 1, Day: 5}, WordingVersion: "2026-01"},
	}
}

func newApplicant(t *testing.T, db *postgres.DB, general bool) string {
	t.Helper()
	id := uuid.NewString()
	require.NoError(t, db.CreateApplicant(context.Background(), id, applicant(id+"@example.jp", general)))
	return id
}

func postgresToken(name string) postgres.Token {
	return postgres.Token{ID: uuid.NewString(), Name: name, Role: "admin", CreatedBy: "test"}
}
