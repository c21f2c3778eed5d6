package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// SeedWorkers inserts n workers spread over the phases (with their
// statuses, terms' ends and, for active ones, a next deadline) with COPY,
// for benchmarks over many workers, and returns their ids. Names are
// "ワーカー 00042", emails "worker0042-42@example.jp".
func SeedWorkers(tb testing.TB, url string, n int) []string {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	phases := []string{"screening", "onboarding", "active", "active", "active", "active", "graduated", "withdrawn", "ended"}
	statuses := map[string]string{"screening": "awaiting_decision", "onboarding": "awaiting_contract", "active": "under_contract",
		"graduated": "following_up", "withdrawn": "closed", "ended": "closed"}
	ids := make([]string, n)
	rows := make([][]any, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		ids[i] = uuid.NewString()
		phase := phases[i%len(phases)]
		end := base.AddDate(0, 6+i%24, 0)
		var deadline any
		if phase == "active" {
			deadline = end.Add(-14 * 24 * time.Hour)
		}
		rows[i] = []any{ids[i], fmt.Sprintf("ワーカー %05d", i), fmt.Sprintf("worker%04d-%d@example.jp", i%12000, i), "14204", "disability",
			time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), "2026-01", base.Add(time.Duration(i) * time.Minute), phase, statuses[phase], end, deadline}
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"workers"},
		[]string{"id", "name", "email", "municipality_code", "category", "consent_given_on", "consent_wording_version", "applied_at", "phase", "status", "contract_end", "next_deadline"},
		pgx.CopyFromRows(rows))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE workers"); err != nil {
		tb.Fatal(err)
	}
	return ids
}
