package ippo

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUtilizationBand(t *testing.T) {
	cases := []struct {
		theo, perm int
		want       string
	}{
		{0, 0, "申告時間なし"},
		{600, 1200, "100%以上"},
		{600, 1000, "100%以上"},
		{600, 999, "80%以上100%未満"},
		{600, 800, "80%以上100%未満"}, // exactly the 80% guide
		{600, 799, "50%以上80%未満"},
		{600, 500, "50%以上80%未満"},
		{600, 499, "50%未満"},
		{600, 0, "50%未満"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, UtilizationBand(c.theo, c.perm), "%d‰ of %d minutes", c.perm, c.theo)
	}
}

func TestReportRowsAndCSV(t *testing.T) {
	r := MonthlyReport{
		Month: YearMonth{2026, 4}, WorkersByPhase: map[Phase]int{PhaseActive: 12},
		Categories:      map[Category]int{CategoryDisability: 9, CategoryHikikomori: 3},
		DisabilityTypes: map[DisabilityType]int{DisabilityMental: 7},
		Graduations:     map[Destination]int{DestinationGeneralEmployment: 1},
		ActualMinutes:   90, UtilizationBuckets: []Count{{"80%以上100%未満", 4}},
	}
	rows := r.Rows()
	get := func(label string) string {
		for _, row := range rows {
			if row.Label == label {
				return row.Value
			}
		}
		t.Fatalf("no row %q", label)
		return ""
	}
	require.Equal(t, "2026年4月", get("対象月"))
	require.Equal(t, "12人", get("月末の状況: 稼働中"))
	require.Equal(t, "0人", get("月末の状況: 卒業"), "every phase is listed, zeros too")
	require.Equal(t, "9人", get("類型: 障害"))
	require.Equal(t, "3人", get("類型: ひきこもり"))
	require.Equal(t, "1.5時間", get("稼働時間の合計"))
	require.Equal(t, "4人", get("稼働率 80%以上100%未満"))
	require.Equal(t, "1人", get("卒業: "+DestinationGeneralEmployment.Japanese()))
	csv := r.CSV()
	require.True(t, strings.HasPrefix(csv, "項目,値\n対象月,2026年4月\n"))
	require.Equal(t, len(rows)+1, strings.Count(csv, "\n"))
}
