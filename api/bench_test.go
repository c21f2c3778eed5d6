package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/stretchr/testify/require"
)

// BenchmarkWorkerReads measures GET /workers/{id} and filtered lists over
// 12,000 workers on the real PostgreSQL, through the whole handler chain
// (auth, validation, audit skip, JSON), and reports p50 and p99.
func BenchmarkWorkerReads(b *testing.B) {
	h, secret, ids := readsServer(b)

	run := func(b *testing.B, path func(i int) string) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			req := httptest.NewRequest("GET", path(i), nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			lat = append(lat, time.Since(start))
			if rec.Code != 200 {
				b.Fatalf("%s: %d %s", req.URL, rec.Code, rec.Body.String())
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("get", func(b *testing.B) {
		run(b, func(i int) string { return "/api/v1/workers/" + ids[i%len(ids)] })
	})
	b.Run("list-phase", func(b *testing.B) {
		run(b, func(int) string { return "/api/v1/workers?phase=active&limit=50" })
	})
	b.Run("list-phase-ending", func(b *testing.B) {
		run(b, func(int) string { return "/api/v1/workers?phase=active&ends_before=2026-12-01&limit=50" })
	})
	b.Run("search", func(b *testing.B) {
		run(b, func(i int) string { return fmt.Sprintf("/api/v1/workers?q=worker%04d&limit=50", i%12000) })
	})
}

// readsServer is the API without Temporal over a database of 12,000
// workers, and a viewer's token: what the read benchmarks measure.
func readsServer(b *testing.B) (h http.Handler, secret string, ids []string) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	db, err := postgres.Open(ctx, url)
	require.NoError(b, err)
	b.Cleanup(db.Close)
	require.NoError(b, db.Seed(ctx))
	ids = pgtest.SeedWorkers(b, url, 12000)

	srv := &api.Server{DB: db, Log: quiet, RatePerSecond: 1e9, RateBurst: 1 << 30} // measure the reads, not the budget
	h, err = srv.Handler()
	require.NoError(b, err)
	srv.Start(ippo.Clock{})
	secret = api.NewTokenSecret()
	_, err = db.CreateToken(ctx, postgres.Token{ID: uuid.NewString(), Name: "bench", Role: "viewer", CreatedBy: "bench"}, secret)
	require.NoError(b, err)
	return h, secret, ids
}
