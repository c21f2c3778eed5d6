package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/postgres"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestWorkerSearch: both lists (the API's and the console's) find workers
// by part of a kanji name, the kana, or the email, in any case, take LIKE's
// metacharacters literally, answer 1- and 2-character queries (which have
// no trigram) correctly, and use the trigram index for longer ones — over
// 12,000 other workers, so the planner has a real choice to make.
func TestWorkerSearch(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	require.NoError(t, db.Seed(ctx))
	pgtest.SeedWorkers(t, url, 12000) // ワーカー 00000…, worker0000-0@example.jp…

	people := map[string]struct{ name, kana, email string }{
		"yamada":  {"山田 太郎", "やまだ たろう", "Taro.Yamada@Example.JP"},
		"yamaoka": {"山岡 花子", "ヤマオカ ハナコ", "h_yamaoka@example.jp"},
		"sato":    {"佐藤 100%", "さとう", "sato@example.jp"},
		"back":    {`木村 a\b`, "きむら", "kimura@example.jp"},
	}
	ids := map[string]string{}
	for key, p := range people {
		a := applicant(p.email, false)
		a.Name, a.NameKana = p.name, p.kana
		ids[key] = uuid.NewString()
		require.NoError(t, db.CreateApplicant(ctx, ids[key], a))
	}
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	// As autovacuum would: the statistics, and the GIN index's pending
	// entries merged, so the planner's estimate is the steady state's.
	_, err = conn.Exec(ctx, "VACUUM ANALYZE workers")
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	for _, c := range []struct {
		q    string
		want []string // keys of people; nil: none of them (and no seeded worker either)
	}{
		{"山田", []string{"yamada"}},           // 2 kanji: no trigram
		{"山", []string{"yamada", "yamaoka"}}, // 1 kanji
		{"山田 太郎", []string{"yamada"}},
		{"やまだ", []string{"yamada"}},         // hiragana kana
		{"ヤマオカ", []string{"yamaoka"}},       // katakana kana
		{"taro.yamada", []string{"yamada"}}, // email part, stored in mixed case
		{"TARO.YAMADA@EXAMPLE", []string{"yamada"}},
		{"  さとう  ", []string{"sato"}}, // surrounding spaces are trimmed
		{"%", []string{"sato"}},       // a literal %, not "anything"
		{"100%", []string{"sato"}},
		{"_", []string{"yamaoka"}}, // a literal _, not "any one character"
		{"h_y", []string{"yamaoka"}},
		{"h%y", nil},
		{`\`, []string{"back"}}, // a literal backslash, not an escape
		{`a\b`, []string{"back"}},
		{`a\\b`, nil},
		{"鈴木", nil},
	} {
		api, err := db.Workers(ctx, postgres.WorkerFilter{Query: c.q, Limit: 500})
		require.NoError(t, err, c.q)
		console, total, err := db.WorkerList(ctx, postgres.WorkerListFilter{Query: c.q, Limit: 200})
		require.NoError(t, err, c.q)
		want := []string{}
		for _, k := range c.want {
			want = append(want, ids[k])
		}
		for name, got := range map[string][]string{"API": workerIDs(api), "console": workerIDs(console)} {
			slices.Sort(got)
			slices.Sort(want)
			require.Equal(t, want, got, "%s list, q=%q", name, c.q)
		}
		require.Equal(t, len(want), total, "console total, q=%q", c.q)
	}

	// The seeded workers are found too, by part of the kanji/katakana name
	// and by email, through the index for 3 characters or more.
	got, err := db.Workers(ctx, postgres.WorkerFilter{Query: "ワーカー 01234"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "ワーカー 01234", got[0].Applicant.Name)
	got, err = db.Workers(ctx, postgres.WorkerFilter{Query: "WORKER0123-"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "worker0123-123@example.jp", got[0].Applicant.Email)
	// (A query whose trigrams every row shares, like "ワーカー 01234" here,
	// may be planned as a scan: the planner's call, right either way.)
	for _, q := range []string{"worker0123-", "taro.yamada", "山岡 花子"} {
		plan, err := db.ExplainSearchForTest(ctx, q)
		require.NoError(t, err)
		require.Contains(t, plan, "workers_search", "a selective query of 3+ characters uses the trigram index, q=%q:\n%s", q, plan)
	}
	// Short queries cannot: the plan reads the table or the applied_at
	// order, and the answers above show it is still right.
	plan, err := db.ExplainSearchForTest(ctx, "山田")
	require.NoError(t, err)
	require.NotContains(t, plan, "workers_search", plan)
}

func workerIDs(ws []ippo.Worker) []string {
	ids := []string{}
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	return ids
}
