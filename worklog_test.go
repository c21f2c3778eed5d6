package ippo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHoursToMinutes(t *testing.T) {
	tests := []struct {
		hours float64
		want  int
		err   string
	}{
		{1, 60, ""},
		{0.25, 15, ""},
		{1.5, 90, ""},
		{2.75, 165, ""},
		{0.1, 6, ""},    // 0.1*60 is not exactly 6 in floating point
		{1.33, 80, ""},  // 79.8 → 80
		{1.83, 110, ""}, // 109.8 → 110
		{1.84, 110, ""}, // 110.4 → 110
		{1.0 / 60, 1, ""},
		{24, 1440, ""},
		{0.008, 0, "more than 0"}, // 0.48 minutes rounds to 0
		{0, 0, "more than 0"},
		{-1, 0, "more than 0"},
		{24.5, 0, "at most 24"},
		{math.NaN(), 0, "a number of hours"},
		{math.Inf(1), 0, "a number of hours"},
	}
	for _, tt := range tests {
		got, err := HoursToMinutes(tt.hours)
		if tt.err != "" {
			fe := ruleFieldErrors(t, err)
			require.Len(t, fe, 1, "%v", tt.hours)
			require.Equal(t, "hours", fe[0].Field)
			require.Contains(t, fe[0].Message, tt.err)
			continue
		}
		require.NoError(t, err, "%v", tt.hours)
		require.Equal(t, tt.want, got, "%v hours", tt.hours)
	}
}

func TestValidateWorkLog(t *testing.T) {
	today := NewDate(2026, 4, 10)
	good := WorkLog{Date: today, Minutes: 120, TaskID: "task-1", Output: 12, Quality: "丁寧"}
	with := func(f func(*WorkLog)) WorkLog { w := good; f(&w); return w }
	tests := []struct {
		name    string
		w       WorkLog
		already int
		known   bool
		fields  []string
		says    string
	}{
		{name: "a normal log", w: good, known: true},
		{name: "a past date", w: with(func(w *WorkLog) { w.Date = today.AddDays(-30) }), known: true},
		{name: "tomorrow is the future", w: with(func(w *WorkLog) { w.Date = today.AddDays(1) }), known: true,
			fields: []string{"date"}, says: "cannot be in the future (today is 2026-04-10)"},
		{name: "date missing", w: with(func(w *WorkLog) { w.Date = Date{} }), known: true, fields: []string{"date"}},
		{name: "zero hours", w: with(func(w *WorkLog) { w.Minutes = 0 }), known: true, fields: []string{"hours"}, says: "more than 0"},
		{name: "negative hours", w: with(func(w *WorkLog) { w.Minutes = -30 }), known: true, fields: []string{"hours"}},
		{name: "one minute", w: with(func(w *WorkLog) { w.Minutes = 1 }), known: true},
		{name: "exactly the daily maximum alone", w: with(func(w *WorkLog) { w.Minutes = 480 }), known: true},
		{name: "a minute over the daily maximum alone", w: with(func(w *WorkLog) { w.Minutes = 481 }), known: true,
			fields: []string{"hours"}, says: "8 hours 1 minute is more than the daily maximum of 8 hours"},
		{name: "reaching the maximum with what is logged", w: good, already: 360, known: true},
		{name: "over the maximum with what is logged says how much", w: good, already: 390, known: true,
			fields: []string{"hours"}, says: "6.5 hours already logged on 2026-04-10, so 2 hours more would make 8.5 hours, over the daily maximum of 8 hours"},
		{name: "unknown task", w: good, known: false, fields: []string{"task_id"}, says: `"task-1" is not a known task`},
		{name: "task missing", w: with(func(w *WorkLog) { w.TaskID = "" }), known: false, fields: []string{"task_id"}, says: "is required"},
		{name: "zero output is fine", w: with(func(w *WorkLog) { w.Output = 0 }), known: true},
		{name: "negative output", w: with(func(w *WorkLog) { w.Output = -1 }), known: true, fields: []string{"output"}},
		{name: "output at the maximum", w: with(func(w *WorkLog) { w.Output = MaxOutput }), known: true},
		{name: "output beyond a 32-bit integer", w: with(func(w *WorkLog) { w.Output = 2147483648 }), known: true, fields: []string{"output"}},
		{name: "a NUL in the quality note", w: with(func(w *WorkLog) { w.Quality = "良\x00" }), known: true, fields: []string{"quality"}},
		{name: "quality note at the limit", w: with(func(w *WorkLog) { w.Quality = strings.Repeat("良", MaxNoteLength) }), known: true},
		{name: "quality note too long", w: with(func(w *WorkLog) { w.Quality = strings.Repeat("良", MaxNoteLength+1) }), known: true, fields: []string{"quality"}},
		{name: "everything wrong", w: WorkLog{Date: today.AddDays(2), Minutes: 0, Output: -3}, known: false,
			fields: []string{"date", "hours", "task_id", "output"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateWorkLog(tt.w, tt.already, today, 8, tt.known)
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.fields, ruleFieldNames(t, err))
			if tt.says != "" {
				require.Contains(t, ruleFieldErrors(t, err)[0].Message, tt.says)
			}
		})
	}
}

func TestWorkLogJSON(t *testing.T) {
	w := WorkLog{Date: NewDate(2026, 4, 10), Minutes: 90, TaskID: "t1", Output: 30, Quality: "誤字なし"}
	b, err := json.Marshal(w)
	require.NoError(t, err)
	require.JSONEq(t, `{"date":"2026-04-10","minutes":90,"task_id":"t1","output":30,"quality":"誤字なし"}`, string(b))
}

func TestValidateAbsence(t *testing.T) {
	day := NewDate(2026, 4, 10)
	at := func(h, m int) *TimeOfDay { t := tod(h, m); return &t }
	tests := []struct {
		name   string
		a      Absence
		fields []string
		says   string
	}{
		{name: "a day off, no reason", a: Absence{Date: day, Kind: AbsenceAbsent}},
		{name: "a day off with a reason", a: Absence{Date: day, Kind: AbsenceAbsent, Reason: "体調不良のため"}},
		{name: "a day off far ahead or after the fact", a: Absence{Date: day.AddDays(-20), Kind: AbsenceAbsent}},
		{name: "a day off with times", a: Absence{Date: day, Kind: AbsenceAbsent, From: at(10, 0), Until: at(12, 0)},
			fields: []string{"from", "until"}, says: "does not apply to absent"},
		{name: "late with the start time", a: Absence{Date: day, Kind: AbsenceLate, From: at(11, 0)}},
		{name: "late without a start time", a: Absence{Date: day, Kind: AbsenceLate},
			fields: []string{"from"}, says: "is required for late: the time work will start"},
		{name: "late with an end time", a: Absence{Date: day, Kind: AbsenceLate, From: at(11, 0), Until: at(12, 0)},
			fields: []string{"until"}},
		{name: "early leave with the end time", a: Absence{Date: day, Kind: AbsenceEarlyLeave, Until: at(11, 0)}},
		{name: "early leave without an end time", a: Absence{Date: day, Kind: AbsenceEarlyLeave},
			fields: []string{"until"}, says: "the time work will end"},
		{name: "early leave with a start time", a: Absence{Date: day, Kind: AbsenceEarlyLeave, From: at(9, 0), Until: at(11, 0)},
			fields: []string{"from"}},
		{name: "early leave at 00:00", a: Absence{Date: day, Kind: AbsenceEarlyLeave, Until: at(0, 0)}},
		{name: "time out of range", a: Absence{Date: day, Kind: AbsenceLate, From: at(25, 0)},
			fields: []string{"from"}, says: "between 00:00 and 24:00"},
		{name: "date missing", a: Absence{Kind: AbsenceAbsent}, fields: []string{"date"}},
		{name: "kind missing", a: Absence{Date: day}, fields: []string{"kind"}, says: "is required"},
		{name: "kind unknown", a: Absence{Date: day, Kind: "sick", From: at(1, 0)}, fields: []string{"kind"}},
		{name: "reason at the limit", a: Absence{Date: day, Kind: AbsenceAbsent, Reason: strings.Repeat("あ", MaxNoteLength)}},
		{name: "reason too long", a: Absence{Date: day, Kind: AbsenceAbsent, Reason: strings.Repeat("あ", MaxNoteLength+1)},
			fields: []string{"reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAbsence(tt.a)
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.fields, ruleFieldNames(t, err))
			if tt.says != "" {
				require.Contains(t, ruleFieldErrors(t, err)[0].Message, tt.says)
			}
		})
	}
}

func TestAbsenceJSON(t *testing.T) {
	var a Absence
	require.NoError(t, json.Unmarshal([]byte(`{"date":"2026-04-10","kind":"late","from":"11:30"}`), &a))
	require.Equal(t, AbsenceLate, a.Kind)
	require.NotNil(t, a.From)
	require.Equal(t, tod(11, 30), *a.From)
	require.Nil(t, a.Until)
	require.NoError(t, ValidateAbsence(a))

	b, err := json.Marshal(Absence{Date: NewDate(2026, 4, 10), Kind: AbsenceAbsent})
	require.NoError(t, err)
	require.JSONEq(t, `{"date":"2026-04-10","kind":"absent"}`, string(b))
}

func TestAbsenceKindJapanese(t *testing.T) {
	tests := map[AbsenceKind]string{AbsenceAbsent: "お休み", AbsenceLate: "遅れて開始", AbsenceEarlyLeave: "早めに終了"}
	for k, want := range tests {
		require.True(t, k.Valid())
		require.Equal(t, want, k.Japanese())
	}
	require.False(t, AbsenceKind("sick").Valid())
}
