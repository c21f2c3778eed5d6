package ippo

import (
	"bytes"
	"encoding/csv"
	"fmt"
)

// MonthlyReport is the program's month for the city (事業実績): counts
// only, never a person. Dates are program dates; "at the month's end"
// means as the read model stood when the month ended.
type MonthlyReport struct {
	Month        YearMonth `json:"month"`
	Municipality string    `json:"municipality"`
	// Intake in the month.
	Registrations int `json:"registrations"`
	Approved      int `json:"approved"`
	NotApproved   int `json:"not_approved"`
	// WorkersByPhase at the month's end, with every phase present.
	WorkersByPhase map[Phase]int `json:"workers_by_phase"`
	Waitlisted     int           `json:"waitlisted"`
	// Work in the month, from the monthly close's statements of workers
	// under contract in the month. FeesYen is what the month's statements
	// pay, late work of earlier months included (a statement that pays only
	// late work, after the contract ended, adds to it and to nothing else).
	Statements         int     `json:"statements"`
	DeclaredMinutes    int     `json:"declared_minutes"`
	ActualMinutes      int     `json:"actual_minutes"`
	FeesYen            int     `json:"fees_yen"`
	UtilizationBuckets []Count `json:"utilization_buckets"`
	// Among workers under contract (onboarding or active) at the month's end.
	Categories         map[Category]int       `json:"categories"`
	DisabilityTypes    map[DisabilityType]int `json:"disability_types"`
	IntractableDisease int                    `json:"intractable_disease"`
	// Graduations in the month by destination, with every destination present.
	Graduations map[Destination]int `json:"graduations"`
	// Handoffs to partner agencies in the month.
	HandoffsSent           int `json:"handoffs_sent"`
	HandoffsAcknowledged   int `json:"handoffs_acknowledged"`
	HandoffsUnacknowledged int `json:"handoffs_unacknowledged"`
	HandoffsCancelled      int `json:"handoffs_cancelled"`
}

// Count is a labelled count (a utilization band).
type Count struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// UtilizationBands are the bands of utilization the report counts: the
// 80% guide splits them. A worker with no declared hours is counted apart.
var UtilizationBands = []struct {
	Label    string
	FromPerm int // inclusive, permille
}{
	{"100%以上", 1000},
	{"80%以上100%未満", 800},
	{"50%以上80%未満", 500},
	{"50%未満", 0},
}

// UtilizationBand names the band of a statement's utilization.
func UtilizationBand(theoreticalMinutes, permille int) string {
	if theoreticalMinutes == 0 {
		return "申告時間なし"
	}
	for _, b := range UtilizationBands {
		if permille >= b.FromPerm {
			return b.Label
		}
	}
	return UtilizationBands[len(UtilizationBands)-1].Label
}

// Row is one line of the report as the city reads it.
type Row struct {
	Label string
	Value string
}

// Rows are the report's figures in Japanese, in a fixed order.
func (r MonthlyReport) Rows() []Row {
	var rows []Row
	add := func(label string, format string, args ...any) {
		rows = append(rows, Row{label, fmt.Sprintf(format, args...)})
	}
	add("対象月", "%s", r.Month.Japanese())
	add("新規登録(申込)", "%d人", r.Registrations)
	add("利用決定", "%d人", r.Approved)
	add("利用非決定", "%d人", r.NotApproved)
	for _, p := range Phases {
		add("月末の状況: "+p.Japanese(), "%d人", r.WorkersByPhase[p])
	}
	add("月末の待機者(定員待ち)", "%d人", r.Waitlisted)
	add("月次締めの対象者", "%d人", r.Statements)
	add("申告稼働時間(理論値)の合計", "%s時間", hours(r.DeclaredMinutes))
	add("稼働時間の合計", "%s時間", hours(r.ActualMinutes))
	add("報酬の合計", "%d円", r.FeesYen)
	for _, b := range r.UtilizationBuckets {
		add("稼働率 "+b.Label, "%d人", b.Count)
	}
	add("類型: 障害", "%d人", r.Categories[CategoryDisability])
	add("類型: ひきこもり", "%d人", r.Categories[CategoryHikikomori])
	for _, t := range DisabilityTypes {
		add("障害種別: "+t.Japanese(), "%d人", r.DisabilityTypes[t])
	}
	add("難病のある方", "%d人", r.IntractableDisease)
	for _, d := range Destinations {
		add("卒業: "+d.Japanese(), "%d人", r.Graduations[d])
	}
	add("関係機関への引き継ぎ", "%d件", r.HandoffsSent)
	add("引き継ぎの受領確認", "%d件", r.HandoffsAcknowledged)
	add("受領確認のない引き継ぎ", "%d件", r.HandoffsUnacknowledged)
	add("同意の撤回などで取りやめた引き継ぎ", "%d件", r.HandoffsCancelled)
	return rows
}

// CSV renders the rows as CSV (項目,値) for spreadsheets.
func (r MonthlyReport) CSV() string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"項目", "値"})
	for _, row := range r.Rows() {
		_ = w.Write(CSVRow(row.Label, row.Value))
	}
	w.Flush()
	return buf.String()
}

func hours(minutes int) string {
	h := float64(minutes) / 60
	if minutes%60 == 0 {
		return fmt.Sprintf("%d", minutes/60)
	}
	return fmt.Sprintf("%.1f", h)
}
