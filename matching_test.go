package ippo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A two-week window from Monday 2026-12-07 to Sunday 2026-12-20.
var (
	matchToday = NewDate(2026, 12, 1)
	matchTask  = MatchTask{Type: "proofreading", ExpectedMinutes: 600, Start: NewDate(2026, 12, 7), Due: NewDate(2026, 12, 20)}
	// Mon/Wed/Fri 10:00–12:00: six hours a week.
	monWedFri = Schedule{EffectiveFrom: NewDate(2026, 4, 1), Slots: []Slot{
		{Weekday: time.Monday, Start: NewTimeOfDay(10, 0), End: NewTimeOfDay(12, 0), Mode: ModeRemote},
		{Weekday: time.Wednesday, Start: NewTimeOfDay(10, 0), End: NewTimeOfDay(12, 0), Mode: ModeRemote},
		{Weekday: time.Friday, Start: NewTimeOfDay(10, 0), End: NewTimeOfDay(12, 0), Mode: ModeRemote},
	}}
)

func termOf(t *testing.T, s Suggestion, name string) MatchTerm {
	t.Helper()
	for _, term := range s.Terms {
		if term.Name == name {
			return term
		}
	}
	t.Fatalf("no term %q in %+v", name, s.Terms)
	return MatchTerm{}
}

func TestRecency(t *testing.T) {
	// A job today counts fully, half a year ago half, a year ago a
	// quarter; a date in the future (a typing slip) counts as today.
	require.Equal(t, 1.0, Recency(0))
	require.Equal(t, 0.5, Recency(180))
	require.InDelta(t, 0.25, Recency(360), 1e-9)
	require.Equal(t, 1.0, Recency(-5))
	// The stored form: weights summed once, aged at read time, give the
	// same sum as Recency on each job.
	jobs := []Date{NewDate(2025, 1, 10), NewDate(2026, 6, 4), NewDate(2026, 11, 30)}
	sum, want := 0.0, 0.0
	for _, d := range jobs {
		sum += RecencyWeight(d)
		want += Recency(d.DaysUntil(matchToday))
	}
	require.InDelta(t, want, RecencyOf(sum, matchToday), 1e-9)
}

func TestFreeMinutes(t *testing.T) {
	tests := []struct {
		why  string
		c    Candidate
		cap  float64
		want int
	}{
		{"two weeks of Mon/Wed/Fri two-hour slots are twelve hours", Candidate{Weekly: WeekdayMinutes(monWedFri)}, 16, 720},
		{"a notified rest on Wednesday the 9th takes its two hours off", Candidate{Weekly: WeekdayMinutes(monWedFri), AbsentDays: []Date{NewDate(2026, 12, 9)}}, 16, 600},
		{"Fridays at another service are never free", Candidate{Weekly: WeekdayMinutes(monWedFri), OtherServiceDays: []time.Weekday{time.Friday}}, 16, 480},
		{"a weekly cap of 4 hours caps each week's six", Candidate{Weekly: WeekdayMinutes(monWedFri)}, 4, 480},
		{"five hours already assigned come off", Candidate{Weekly: WeekdayMinutes(monWedFri), AssignedMinutes: 300}, 16, 420},
		{"more assigned than declared leaves nothing, not less than nothing", Candidate{Weekly: WeekdayMinutes(monWedFri), AssignedMinutes: 5000}, 16, 0},
		{"no declared schedule has no free time", Candidate{}, 16, 0},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			require.Equal(t, tt.want, FreeMinutes(matchTask, tt.c, tt.cap))
		})
	}
	// A window that ends before it starts has no time at all.
	require.Zero(t, FreeMinutes(MatchTask{Start: matchTask.Due, Due: matchTask.Start}, Candidate{Weekly: WeekdayMinutes(monWedFri)}, 16))
}

func TestRankTerms(t *testing.T) {
	w := DefaultMatchPolicy()
	// Peers make the output median 10 pages an hour.
	peers := []Candidate{
		{WorkerID: "p1", History: HistoryOf(matchToday, PastJob{On: NewDate(2026, 6, 1), Minutes: 60, Output: 10})},
		{WorkerID: "p2", History: HistoryOf(matchToday, PastJob{On: NewDate(2026, 6, 1), Minutes: 60, Output: 10})},
	}
	tests := []struct {
		why        string
		c          Candidate
		term       string
		wantPoints float64
		wantReason string
	}{
		{"no history: no experience points, and the reason says newcomers are asked too",
			Candidate{}, "experience", 0, "校正はまだ経験がありません"},
		{"three jobs today saturate experience at its full weight",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday}, PastJob{On: matchToday}, PastJob{On: matchToday})}, "experience", 3, "校正の経験が3件あります（最近は2026年12月）"},
		{"one job half a year ago counts ½ of the 3 that saturate: 3 × ½ / 3",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday.AddDays(-180)})}, "experience", 0.5, "校正の経験が1件あります（最近は2026年6月）"},
		{"no recorded output is neutral: half the weight",
			Candidate{}, "output", 0.5, "まだ記録がありません"},
		{"twice the median output per hour gets the full weight",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday, Minutes: 60, Output: 20})}, "output", 1, "多めです"},
		{"half the median gets a quarter and a kind word",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday, Minutes: 60, Output: 5})}, "output", 0.25, "ゆっくりめです"},
		{"no quality recorded is neutral: half of 1.5",
			Candidate{}, "quality", 0.75, "まだありません"},
		{"an average of 5 gets the full 1.5",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday, Quality: 5}, PastJob{On: matchToday, Quality: 5})}, "quality", 1.5, "平均5.0"},
		{"an average of 3 is the middle of 1–5: half",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday, Quality: 2}, PastJob{On: matchToday, Quality: 4})}, "quality", 0.75, "平均3.0"},
		{"taking the estimated time is half the pace weight",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday, Minutes: 120, EstimateMinutes: 120})}, "pace", 0.5, "見込みの時間どおり"},
		{"twice as fast as the estimate is the full weight",
			Candidate{History: HistoryOf(matchToday, PastJob{On: matchToday, Minutes: 60, EstimateMinutes: 120})}, "pace", 1, "早めに"},
		{"12 free hours cover the expected 10: full availability",
			Candidate{Weekly: WeekdayMinutes(monWedFri)}, "availability", 3, "期間内に12時間の空きがあります（見込み10時間）"},
		{"5 free hours cover half of 10: half of 3",
			Candidate{Weekly: WeekdayMinutes(monWedFri), AssignedMinutes: 420}, "availability", 1.5, "5時間の空き"},
		{"no free time: nothing, said plainly",
			Candidate{}, "availability", 0, "予定の空きがありません"},
		{"a liked type adds its weight",
			Candidate{Likes: []string{"proofreading"}}, "preference", 1, "校正を好きな作業に挙げています"},
		{"a type to avoid takes its weight off",
			Candidate{Avoids: []string{"proofreading"}}, "preference", -2, "控えたい作業"},
		{"no wish either way is neutral",
			Candidate{Likes: []string{"data_entry"}}, "preference", 0, "希望は特にありません"},
		{"nobody asked lately: the full fairness weight",
			Candidate{}, "fairness", 3, "この30日間に依頼がないので"},
		{"two requests lately: a third of it",
			Candidate{RecentRequests: 2}, "fairness", 1, "この30日間に2件の依頼・担当がありました"},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			tt.c.WorkerID = "w"
			ranked := Rank(matchTask, append([]Candidate{tt.c}, peers...), w, 16, matchToday, 1<<30)
			var got Suggestion
			for _, s := range ranked {
				if s.WorkerID == "w" {
					got = s
				}
			}
			term := termOf(t, got, tt.term)
			require.Equal(t, tt.wantPoints, term.Points)
			require.Contains(t, term.Reason, tt.wantReason)
			sum := 0.0
			for _, term := range got.Terms {
				sum += term.Points
			}
			require.InDelta(t, sum, got.Score, 0.011, "the score is the sum of its terms")
		})
	}
}

func TestRankOrder(t *testing.T) {
	w := DefaultMatchPolicy()
	veteran := Candidate{WorkerID: "c-veteran", Weekly: WeekdayMinutes(monWedFri), RecentRequests: 4,
		History: HistoryOf(matchToday, PastJob{On: matchToday, Minutes: 60, Output: 10, Quality: 4, EstimateMinutes: 60}, PastJob{On: matchToday}, PastJob{On: matchToday})}
	newcomer := Candidate{WorkerID: "b-newcomer", Weekly: WeekdayMinutes(monWedFri)}
	busy := Candidate{WorkerID: "a-busy", AssignedMinutes: 10000, Weekly: WeekdayMinutes(monWedFri)}
	got := Rank(matchTask, []Candidate{busy, veteran, newcomer}, w, 16, matchToday, 1<<30)
	ids := []string{got[0].WorkerID, got[1].WorkerID, got[2].WorkerID}
	// The veteran asked four times lately scores 3 (experience) + .5
	// (output at the median) + 1.13 (quality 4) + .5 (on estimate) + 3
	// (free) + .6 (fairness 3/5) = 8.73; the newcomer 0 + .5 + .75 + .5 +
	// 3 + 3 = 7.75 (neutral history, full fairness): experience wins with
	// the default weights, but the newcomer comes before the worker whose
	// week is full, and nobody is left out.
	require.Equal(t, []string{"c-veteran", "b-newcomer", "a-busy"}, ids)
	require.Equal(t, []int{1, 2, 3}, []int{got[0].Rank, got[1].Rank, got[2].Rank})
	require.Equal(t, 8.73, got[0].Score)
	require.Equal(t, 7.75, got[1].Score)
	all := got

	// Asked as often as the veteran, and with the same history, a second
	// veteran ties; a tie goes to fewer recent requests, then the id.
	twin := veteran
	twin.WorkerID, twin.RecentRequests = "d-twin", 4
	got = Rank(matchTask, []Candidate{twin, veteran}, w, 16, matchToday, 1<<30)
	require.Equal(t, "c-veteran", got[0].WorkerID)
	require.Equal(t, got[0].Score, got[1].Score)

	// Only the first explain suggestions are worded; the rest carry the
	// same points without reasons.
	brief := Rank(matchTask, []Candidate{busy, veteran, newcomer}, w, 16, matchToday, 1)
	require.NotEmpty(t, brief[0].Terms[0].Reason)
	require.Empty(t, brief[1].Terms[0].Reason)
	require.Equal(t, all[1].Score, brief[1].Score)

	// Doubling the fairness weight (policy data) puts the newcomer first.
	w.Fairness = 6
	got = Rank(matchTask, []Candidate{veteran, newcomer}, w, 16, matchToday, 1<<30)
	require.Equal(t, "b-newcomer", got[0].WorkerID)

	// Every reason is Japanese and names no health fact: the candidate has
	// no field for one, and reasons speak of work only.
	for _, s := range got {
		for _, term := range s.Terms {
			require.NotEmpty(t, term.Reason)
			require.False(t, strings.ContainsAny(term.Reason, "abcdefghijklmnopqrstuvwxyz"), term.Reason)
		}
	}
}

func TestMatchPolicyValidate(t *testing.T) {
	p := DefaultPolicy()
	require.NoError(t, p.Validate())
	require.Equal(t, DefaultMatchPolicy(), p.MatchPolicy(), "no matching section means the defaults")
	bad := DefaultMatchPolicy()
	bad.Fairness, bad.AnswerDays = -1, 0
	p.Matching = &bad
	err := p.Validate()
	require.Error(t, err)
	fields := []string{}
	for _, f := range err.(*Error).Fields {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"matching.answer_days", "matching.fairness"}, fields)
}

func TestTaskPreference(t *testing.T) {
	p := TaskPreference{Likes: []string{" proofreading", "data_entry", "proofreading", ""}, Avoids: nil}
	p.Normalize()
	require.Equal(t, []string{"data_entry", "proofreading"}, p.Likes)
	require.Equal(t, []string{}, p.Avoids)
	require.NoError(t, ValidateTaskPreference(p))

	p.Avoids = []string{"proofreading"}
	err := ValidateTaskPreference(p)
	require.ErrorContains(t, err, "also in likes")
	require.Equal(t, "avoids", err.(*Error).Fields[0].Field)

	// Each type follows the text rules (CheckText), like every free text.
	for _, bad := range []string{"proof\x00reading", "proof\u202ereading", strings.Repeat("字", 51)} {
		err = ValidateTaskPreference(TaskPreference{Likes: []string{bad}, Avoids: []string{}})
		require.Error(t, err, "%q", bad)
		require.Equal(t, "likes[0]", err.(*Error).Fields[0].Field, "%q", bad)
	}
}

func TestHoursJapanese(t *testing.T) {
	require.Equal(t, "12時間", HoursJapanese(720))
	require.Equal(t, "2時間30分", HoursJapanese(150))
	require.Equal(t, "45分", HoursJapanese(45))
}

// BenchmarkRank scores 12,000 candidates with two years of history, the
// domain's part of a ranking (no I/O); it measures, asserts no timing.
func BenchmarkRank(b *testing.B) {
	cands := make([]Candidate, 12_000)
	for i := range cands {
		cands[i] = Candidate{WorkerID: fmt.Sprintf("w%05d", i), Weekly: WeekdayMinutes(monWedFri), RecentRequests: i % 4,
			History: HistoryOf(matchToday, PastJob{On: matchToday.AddDays(-i % 700), Minutes: 90 + i%60, EstimateMinutes: 120, Output: 10 + i%20, Quality: 1 + i%5})}
		if i%5 == 0 {
			cands[i].AbsentDays = []Date{NewDate(2026, 12, 9)}
		}
	}
	for b.Loop() {
		Rank(matchTask, cands, DefaultMatchPolicy(), 16, matchToday, 20)
	}
}

func TestClientTaskMatchWindow(t *testing.T) {
	today := NewDate(2026, 12, 1)
	tests := []struct {
		why  string
		task ClientTask
		want MatchTask
	}{
		{"no window: two weeks from today", ClientTask{Type: "web"}, MatchTask{Type: "web", Start: today, Due: today.AddDays(13)}},
		{"a window is kept", ClientTask{Type: "web", ExpectedMinutes: 60, StartsOn: NewDate(2026, 12, 7), DueOn: NewDate(2026, 12, 20)},
			MatchTask{Type: "web", ExpectedMinutes: 60, Start: NewDate(2026, 12, 7), Due: NewDate(2026, 12, 20)}},
		{"a start in the past counts from today: past days are not free", ClientTask{Type: "web", StartsOn: NewDate(2026, 11, 1), DueOn: NewDate(2026, 12, 20)},
			MatchTask{Type: "web", Start: today, Due: NewDate(2026, 12, 20)}},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) { require.Equal(t, tt.want, tt.task.MatchTask(today)) })
	}
	err := ValidateClientTask(ClientTask{Type: "web", Client: "鎌倉商事", StartsOn: NewDate(2026, 12, 20), DueOn: NewDate(2026, 12, 7)})
	require.Equal(t, "due_on", err.(*Error).Fields[0].Field)
}

// orderKey sorts a higher score first, then fewer recent requests; equal
// keys are left to the worker id.
func TestOrderKey(t *testing.T) {
	tests := []struct {
		why           string
		first, second [2]float64 // score, recent requests
	}{
		{"a higher score first, however often asked", [2]float64{8.73, 4}, [2]float64{7.75, 0}},
		{"a cent makes the difference", [2]float64{0.01, 0}, [2]float64{0, 0}},
		{"a zero score before a negative one (an avoided type)", [2]float64{0, 100}, [2]float64{-0.01, 0}},
		{"two negative scores", [2]float64{-1.5, 0}, [2]float64{-2, 0}},
		{"an equal score: fewer recent requests first", [2]float64{3.1, 1}, [2]float64{3.1, 2}},
		{"the highest possible score before the lowest", [2]float64{80, 1 << 40}, [2]float64{-10, 0}},
	}
	for _, tt := range tests {
		a := orderKey(tt.first[0], int(tt.first[1]))
		b := orderKey(tt.second[0], int(tt.second[1]))
		require.Less(t, a, b, tt.why)
	}
	require.Equal(t, orderKey(round2(0.1+0.2), 3), orderKey(0.3, 3), "scores equal after rounding tie")
}

// A tie of score and recent requests goes to the worker id as
// strings.Compare orders them, also for ids alike in their first bytes and
// ids shorter than eight bytes.
func TestRankTieOnId(t *testing.T) {
	c := Candidate{Weekly: WeekdayMinutes(monWedFri), RecentRequests: 1}
	var cands []Candidate
	for _, id := range []string{"worker-0002", "worker-0001", "worker-", "work", "worker-00010", "a"} {
		c.WorkerID = id
		cands = append(cands, c)
	}
	var got []string
	for _, s := range Rank(matchTask, cands, DefaultMatchPolicy(), 16, matchToday, 0) {
		got = append(got, s.WorkerID)
	}
	require.Equal(t, []string{"a", "work", "worker-", "worker-0001", "worker-00010", "worker-0002"}, got)
}
