package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
)

// TestImportedWorkerExtendsOnTheirDate: `ippo import` brings in a worker
// in their third term (a UTF-8 file with a BOM, as a
// spreadsheet saves it); the lifecycle extends the contract on the day
// after the imported term's end, and importing the file again changes
// nothing. Dates come from the server: the test never races the clock.
func TestImportedWorkerExtendsOnTheirDate(t *testing.T) {
	t.Parallel()
	p := start(t, options{monthLength: "15s"}) // a program day is half a second

	today, err := ippo.ParseDate(p.do("GET", "/api/v1/policy", nil, http.StatusOK)["today"].(string))
	require.NoError(t, err)
	// The term ends forty program days (twenty seconds) after the server's
	// today: room for a slow import before the term would be over.
	signed, termStart, termEnd := today.AddDays(-200), today.AddDays(-40), today.AddDays(40)
	file := filepath.Join(t.TempDir(), "workers.csv")
	csv := "\xef\xbb\xbf氏名,メールアドレス,市区町村コード,区分,ひきこもり開始日,支援機関,同意日,同意文言の版,契約日,現在の期間の開始日,現在の期間の終了日,延長回数,週の予定\n" +
		fmt.Sprintf("鎌倉 花子,imported@example.jp,14204,ひきこもり,2024/1/1,鎌倉市生活福祉課,%s,2025-04,%s,%s,%s,2,月 10:00-12:00 在宅; 木 13:00-15:00 通所\n",
			signed, signed, termStart, termEnd)
	require.NoError(t, os.WriteFile(file, []byte(csv), 0o600))

	importFile := func() string {
		cmd := exec.Command(ippoBinary(t), "import", file)
		cmd.Env = p.env
		out, err := cmd.Output()
		require.NoError(t, err, "ippo import: %s", out)
		return string(out)
	}
	require.Contains(t, importFile(), "1行: 1人を取り込みました、0人は取り込み済みで変わりません、0行は取り込めませんでした")

	list := p.do("GET", "/api/v1/workers?q=imported@example.jp", nil, http.StatusOK)["items"].([]any)
	require.Len(t, list, 1)
	id := list[0].(map[string]any)["id"].(string)
	path := "/api/v1/workers/" + id

	p.eventually(120*time.Second, "the imported contract to extend", func() bool {
		ext, _ := p.do("GET", path, nil, http.StatusOK)["extensions"].(float64)
		return ext >= 3
	})
	w := p.do("GET", path, nil, http.StatusOK)
	require.Equal(t, "active", w["phase"])
	next := termEnd.AddDays(1)
	require.Equal(t, ippo.AddMonthsCivil(next, 3).String(), w["contract_end"], "a three-month extension from the day after the imported term")
	require.Equal(t, signed.String(), w["contract_start"])

	tl := p.do("GET", path+"/timeline", nil, http.StatusOK)["items"].([]any)
	var kinds []string
	for _, it := range tl {
		e := it.(map[string]any)
		if e["source"] != "lifecycle" {
			continue
		}
		kinds = append(kinds, e["kind"].(string))
		if e["kind"] != "contract_extended" {
			continue
		}
		data := e["data"].(map[string]any)
		require.Equal(t, next.String(), data["term_start"])
		require.EqualValues(t, 3, data["extensions"])
		at, err := time.Parse(time.RFC3339Nano, e["program_at"].(string))
		require.NoError(t, err)
		require.False(t, ippo.DateOf(at).Before(next), "never before its date (%s)", at)
	}
	require.Equal(t, "imported", kinds[0])
	require.Contains(t, kinds, "extension_reminder_sent")
	require.Contains(t, kinds, "contract_extended")

	// The same file again changes nothing.
	require.Contains(t, importFile(), "1行: 0人を取り込みました、1人は取り込み済みで変わりません")
	require.Len(t, p.do("GET", "/api/v1/workers?q=imported@example.jp", nil, http.StatusOK)["items"], 1)
}
