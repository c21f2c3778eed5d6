package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/stretchr/testify/require"
)

// importFile is a CSV in the Japanese template with one row per email, all
// signed eight months before today and now in their third term.
func importFile(t *testing.T, today ippo.Date, emails ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("氏名,メールアドレス,市区町村コード,区分,ひきこもり開始日,支援機関,同意日,同意文言の版,契約日,現在の期間の開始日,現在の期間の終了日,延長回数,週の予定\n")
	signed := today.AddDays(-250)
	start := today.AddDays(-10)
	for _, e := range emails {
		fmt.Fprintf(&b, "鎌倉 花子,%s,14204,ひきこもり,2024-01-01,鎌倉市生活福祉課,%s,2025-04,%s,%s,%s,2,月 10:00-12:00 在宅\n",
			e, signed, signed, start, ippo.AddMonthsCivil(start, 3).AddDays(-5))
	}
	return b.String()
}

func TestImportThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	today, err := ippo.ParseDate(e.json("admin", "GET", "/api/v1/policy", nil, 200)["today"].(string))
	require.NoError(t, err)
	file := importFile(t, today, "imp-a@example.jp", "imp-b@example.jp") +
		"鎌倉 次郎,imp-c@example.jp,13101,ひきこもり,2024-01-01,福祉課,2025-01-01,2025-04,2025-01-01,2025-01-01,2025-02-01,0,月 10:00-12:00 在宅\n"
	csv := []string{"Content-Type", "text/csv"}

	e.json("staff", "POST", "/api/v1/imports", file, 403, csv...)
	before := testkit.Snapshot(e.t, e.db)
	checked := e.json("admin", "POST", "/api/v1/imports?check=true", file, 200, csv...)
	require.EqualValues(t, 3, checked["rows"])
	require.EqualValues(t, 0, checked["imported"])
	require.Equal(t, before, testkit.Snapshot(e.t, e.db), "a check imports nothing")

	res := e.json("admin", "POST", "/api/v1/imports", file, 200, csv...)
	require.EqualValues(t, 3, res["rows"])
	require.EqualValues(t, 2, res["imported"])
	require.EqualValues(t, 1, res["refused"])
	problems := res["problems"].([]any)
	require.NotEmpty(t, problems)
	p := problems[0].(map[string]any)
	require.EqualValues(t, 4, p["row"])
	require.Equal(t, "市区町村コード", p["column"])
	require.Contains(t, p["message"], "鎌倉市")

	var ids []string
	for _, email := range []string{"imp-a@example.jp", "imp-b@example.jp"} {
		list := e.json("viewer", "GET", "/api/v1/workers?q="+email, nil, 200)["items"].([]any)
		require.Len(t, list, 1)
		id := list[0].(map[string]any)["id"].(string)
		testkit.Eventually(e.t, "the imported lifecycle to record its first step", func() bool {
			kind, _ := e.json("viewer", "GET", "/api/v1/workers/"+id, nil, 200)["next_deadline_kind"].(string)
			return kind != ""
		})
		ids = append(ids, id)
	}
	id := ids[0]
	w := e.json("viewer", "GET", "/api/v1/workers/"+id, nil, 200)
	require.Equal(t, "active", w["phase"])
	require.EqualValues(t, 2, w["extensions"])
	require.Equal(t, ippo.AddMonthsCivil(today.AddDays(-10), 3).AddDays(-5).String(), w["contract_end"])
	tl := e.json("viewer", "GET", "/api/v1/workers/"+id+"/timeline", nil, 200)["items"].([]any)
	var kinds []any
	for _, it := range tl {
		kinds = append(kinds, it.(map[string]any)["kind"])
	}
	require.Contains(t, kinds, "imported")
	require.Contains(t, kinds, "schedule_declared", "the weekly schedule came in with the worker")
	e.json("staff", "POST", "/api/v1/workers/"+id+"/contract", map[string]any{}, 409)

	// The same file again changes nothing.
	after := testkit.Snapshot(e.t, e.db)
	again := e.json("admin", "POST", "/api/v1/imports", file, 200, csv...)
	require.EqualValues(t, 0, again["imported"])
	require.EqualValues(t, 2, again["unchanged"])
	require.EqualValues(t, 1, again["refused"])
	require.Equal(t, after, testkit.Snapshot(e.t, e.db))

	// A file that cannot be read names the file.
	bad := e.json("admin", "POST", "/api/v1/imports", "名前,年齢\n", 422, csv...)
	require.Equal(t, "file", bad["errors"].([]any)[0].(map[string]any)["field"])
	enc := e.json("admin", "POST", "/api/v1/imports?encoding=latin-1", file, 422, csv...)
	require.Equal(t, "encoding", enc["errors"].([]any)[0].(map[string]any)["field"])
}

// TestImportRefusesBrokenTextByRowAndColumn: cells with a NUL, a control
// character, U+FFFD or a bidi override are refused in Japanese by row and
// column, and nothing is created for their rows (nor for any row of a file
// whose every row is refused).
func TestImportRefusesBrokenTextByRowAndColumn(t *testing.T) {
	e := newEnv(t)
	today, err := ippo.ParseDate(e.json("admin", "GET", "/api/v1/policy", nil, 200)["today"].(string))
	require.NoError(t, err)
	good := importFile(t, today, "text-a@example.jp")
	row := strings.Split(good, "\n")[1]
	header := strings.Split(good, "\n")[0]
	file := header + "\n" +
		strings.Replace(row, "鎌倉 花子", "鎌倉\x00花子", 1) + "\n" + // row 2: NUL in the name
		strings.Replace(strings.Replace(row, "text-a@", "text-b@", 1), "鎌倉市生活福祉課", "鎌倉市\u202e課祉福活生", 1) + "\n" + // row 3: bidi override
		strings.Replace(strings.Replace(row, "text-a@", "text-c@", 1), "2025-04", "2025-04\ufffd", 1) + "\n" + // row 4: U+FFFD
		strings.Replace(strings.Replace(row, "text-a@", "text-d@", 1), "月 10:00-12:00 在宅", "月 10:00-12:00 在宅\x1b", 1) + "\n" // row 5: escape
	csv := []string{"Content-Type", "text/csv"}

	before := testkit.Snapshot(e.t, e.db)
	res := e.json("admin", "POST", "/api/v1/imports", file, 200, csv...)
	require.EqualValues(t, 4, res["rows"])
	require.EqualValues(t, 0, res["imported"])
	require.EqualValues(t, 4, res["refused"])
	var got []string
	for _, p := range res["problems"].([]any) {
		p := p.(map[string]any)
		got = append(got, fmt.Sprintf("%v %v %v", p["row"], p["column"], p["message"]))
	}
	require.Equal(t, []string{
		"2 氏名 使えない制御文字がふくまれています。文字を打ち直してください。",
		"3 支援機関 文字の向きを変える特殊な文字がふくまれています。取りのぞいてください。",
		"4 同意文言の版 読み取れない文字がふくまれています。文字を打ち直してください。",
		"5 週の予定 使えない制御文字がふくまれています。文字を打ち直してください。",
	}, got)
	require.Equal(t, before, testkit.Snapshot(e.t, e.db), "nothing is created for a refused row")
	for _, q := range []string{"text-a", "text-b", "text-c", "text-d"} {
		require.Empty(t, e.json("viewer", "GET", "/api/v1/workers?q="+q, nil, 200)["items"], q)
	}
}
