package ippo

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Matching suggests workers for a client task (案件) with the reasons a
// staff member would say aloud. It is a request, never an order: the ranking
// only decides whom staff ask first, and a decline is never held against
// anyone (declines are not an input at all).
//
// The score is a sum of eight bounded terms, each a weight (policy data,
// MatchPolicy) times a value between 0 and 1, minus the avoided-type weight:
//
//	experience   w × min(1, Σ recency / 3), recency = 2^(−age in days / 180)
//	output       w × min(1, (output per hour / median of the candidates) / 2)
//	quality      w × (average delivered quality − 1) / 4
//	pace         w × min(1, (estimated / taken minutes) / 2)
//	availability w × min(1, free minutes in the window / expected minutes)
//	liked        w when the worker listed the type as liked
//	avoided      −w when the worker listed it as rather avoided
//	fairness     w / (1 + requests and assignments in the last FairnessDays)
//
// Unknown values are neutral, not zero: a worker with no history on the type
// gets half of output, quality and pace (the middle of the range, "assumed
// typical"), and the full fairness term, so a newcomer is never ranked out
// by having no past. Health facts and categories are never an input: the
// Candidate type has no field for them.

// MatchPolicy holds the weights of the score and the request timing. It is
// part of the effective-dated Policy.
type MatchPolicy struct {
	Experience   float64 `json:"experience"`
	Output       float64 `json:"output"`
	Quality      float64 `json:"quality"`
	Pace         float64 `json:"pace"`
	Availability float64 `json:"availability"`
	Liked        float64 `json:"liked"`
	Avoided      float64 `json:"avoided"`
	Fairness     float64 `json:"fairness"`
	// FairnessDays is how far back requests and assignments count against
	// being asked first again.
	FairnessDays int `json:"fairness_days"`
	// AnswerDays is how long a request waits for an answer before staff get
	// a to-do and the next suggestion is offered.
	AnswerDays int `json:"answer_days"`
}

// DefaultMatchPolicy weighs availability and spreading opportunities as
// much as experience: the program exists to give people work they can fit
// into their week, and "All for one" means the same few are not always
// asked first. Output and quality count less than experience because they
// are known only for people who have already had chances.
func DefaultMatchPolicy() MatchPolicy {
	return MatchPolicy{
		Experience: 3, Output: 1, Quality: 1.5, Pace: 1, Availability: 3,
		Liked: 1, Avoided: 2, Fairness: 3,
		FairnessDays: 30, AnswerDays: 3,
	}
}

// Validate names each value at fault; field names carry the "matching."
// prefix the policy document uses.
func (m MatchPolicy) Validate(f *Fields) {
	for name, w := range map[string]float64{
		"experience": m.Experience, "output": m.Output, "quality": m.Quality, "pace": m.Pace,
		"availability": m.Availability, "liked": m.Liked, "avoided": m.Avoided, "fairness": m.Fairness,
	} {
		if w < 0 || w > 10 || math.IsNaN(w) {
			f.Add("matching."+name, "must be between 0 and 10")
		}
	}
	if m.FairnessDays < 1 || m.FairnessDays > 365 {
		f.Add("matching.fairness_days", "must be between 1 and 365")
	}
	if m.AnswerDays < 1 || m.AnswerDays > 30 {
		f.Add("matching.answer_days", "must be between 1 and 30")
	}
}

// MatchTask is what the ranking needs of a task: its type, the hours it is
// expected to take and the window it must be done in (Start to Due, both
// included).
type MatchTask struct {
	Type            string
	ExpectedMinutes int
	Start, Due      Date
}

// PastJob is one delivered task of the same type.
type PastJob struct {
	On Date
	// Minutes is the time taken, EstimateMinutes the task's expected time
	// (0: none was given).
	Minutes, EstimateMinutes int
	Output                   int
	// Quality is staff's 1–5 at delivery; 0 when not recorded.
	Quality int
}

// TypeHistory sums a worker's delivered tasks of one type. The store sums
// it in SQL for many workers at once; Add is the same sum, one job at a
// time, and the store's tests compare the two.
type TypeHistory struct {
	Jobs int
	// Recency is the sum of Recency over the jobs' ages; Last the latest.
	Recency float64
	Last    Date
	// Output and OutputMinutes cover jobs with both an output and a time.
	Output, OutputMinutes int
	// EstimatedMinutes and TakenMinutes cover jobs with both.
	EstimatedMinutes, TakenMinutes int
	QualitySum, QualityN           int
}

// Add counts one job as of today.
func (h *TypeHistory) Add(j PastJob, today Date) {
	h.Jobs++
	h.Recency += Recency(j.On.DaysUntil(today))
	if j.On.After(h.Last) {
		h.Last = j.On
	}
	if j.Output > 0 && j.Minutes > 0 {
		h.Output, h.OutputMinutes = h.Output+j.Output, h.OutputMinutes+j.Minutes
	}
	if j.EstimateMinutes > 0 && j.Minutes > 0 {
		h.EstimatedMinutes, h.TakenMinutes = h.EstimatedMinutes+j.EstimateMinutes, h.TakenMinutes+j.Minutes
	}
	if j.Quality >= 1 && j.Quality <= 5 {
		h.QualitySum, h.QualityN = h.QualitySum+j.Quality, h.QualityN+1
	}
}

// HistoryOf sums jobs as of today.
func HistoryOf(today Date, jobs ...PastJob) TypeHistory {
	var h TypeHistory
	for _, j := range jobs {
		h.Add(j, today)
	}
	return h
}

// OutputPerHour is output per hour over the jobs that recorded both.
func (h TypeHistory) OutputPerHour() (float64, bool) {
	if h.OutputMinutes == 0 {
		return 0, false
	}
	return float64(h.Output) * 60 / float64(h.OutputMinutes), true
}

// Candidate is an active worker as the ranking sees them: no name, no
// health facts, no category.
type Candidate struct {
	WorkerID string
	// History sums the worker's delivered tasks of the task's type.
	History TypeHistory
	// Weekly is the declared minutes on each weekday (Sunday first) of the
	// schedule in force at the window's start.
	Weekly [7]int
	// OtherServiceDays are weekdays another service is used: never free.
	OtherServiceDays []time.Weekday
	// AbsentDays are days in the window the worker has said they will rest.
	AbsentDays []Date
	// AssignedMinutes is the expected time of tasks already assigned and
	// not yet delivered.
	AssignedMinutes int
	Likes, Avoids   []string
	// RecentRequests counts requests and assignments in the last FairnessDays.
	RecentRequests int
}

// MatchTerm is one part of a score, with its reason in Japanese.
type MatchTerm struct {
	Name   string  `json:"name"`
	Points float64 `json:"points"`
	Reason string  `json:"reason"`
}

// Suggestion is a ranked candidate.
type Suggestion struct {
	WorkerID string  `json:"worker_id"`
	Rank     int     `json:"rank"`
	Score    float64 `json:"score"`
	// FreeMinutes is the declared time free in the window after rests,
	// other services and assigned work.
	FreeMinutes int         `json:"free_minutes"`
	Terms       []MatchTerm `json:"terms"`
}

// RecencyHalfLifeDays is how long it takes a job to count half as much.
const RecencyHalfLifeDays = 180

// Recency is how much a job of that age counts towards experience: 1 today,
// ½ after half a year, ¼ after a year. An exponential decay, so the sum
// over many jobs can be kept as one number and aged at read time (see
// RecencyOf), which is what keeps the ranking fast over years of history.
func Recency(ageDays int) float64 {
	return math.Exp2(-float64(max(ageDays, 0)) / RecencyHalfLifeDays)
}

// RecencyEpoch anchors the stored decay sums.
var RecencyEpoch = NewDate(2020, 1, 1)

// RecencyWeight is a job's weight relative to RecencyEpoch, 2^(days since
// the epoch / half-life): the store adds these up per worker and type.
func RecencyWeight(on Date) float64 {
	return math.Exp2(float64(RecencyEpoch.DaysUntil(on)) / RecencyHalfLifeDays)
}

// RecencyOf turns a sum of RecencyWeight into the sum of Recency as of
// today. Jobs dated after today (a typing slip) count a little more than
// 1 here, where Recency would cap them; the store never has such jobs, as
// deliveries are dated on the day they are recorded.
func RecencyOf(weightSum float64, today Date) float64 {
	return weightSum * math.Exp2(-float64(RecencyEpoch.DaysUntil(today))/RecencyHalfLifeDays)
}

// WeekdayMinutes is the declared minutes on each weekday, Sunday first.
func WeekdayMinutes(s Schedule) [7]int {
	var out [7]int
	for _, sl := range s.Slots {
		if sl.Weekday >= time.Sunday && sl.Weekday <= time.Saturday {
			out[sl.Weekday] += sl.Minutes()
		}
	}
	return out
}

// FreeMinutes is the declared time in the window [Start, Due] that is not
// on an other-service day or a notified rest day, with each calendar week
// (Monday to Sunday) capped at weeklyCapHours, minus the expected time of
// work already assigned.
func FreeMinutes(t MatchTask, c Candidate, weeklyCapHours float64) int {
	return windowOf(t).free(&c, weeklyCapHours)
}

// window is a task's days, worked out once per ranking rather than once
// per candidate (calendar arithmetic is the costly part of a ranking).
type window []struct {
	d       Date
	wd      time.Weekday
	newWeek bool // a Monday after the first day
}

func windowOf(t MatchTask) window {
	var w window
	for d := t.Start; !d.After(t.Due); d = d.AddDays(1) {
		wd := d.Weekday()
		w = append(w, struct {
			d       Date
			wd      time.Weekday
			newWeek bool
		}{d, wd, wd == time.Monday && d != t.Start})
	}
	return w
}

func (w window) free(c *Candidate, weeklyCapHours float64) int {
	if len(w) == 0 {
		return 0
	}
	capMinutes := int(weeklyCapHours * 60)
	total, week := 0, 0
	for _, day := range w {
		if day.newWeek {
			total += min(week, capMinutes)
			week = 0
		}
		if slices.Contains(c.OtherServiceDays, day.wd) || slices.Contains(c.AbsentDays, day.d) {
			continue
		}
		week += c.Weekly[day.wd]
	}
	total += min(week, capMinutes)
	return max(total-c.AssignedMinutes, 0)
}

// Rank scores every candidate for the task and returns them best first; ties
// go to fewer recent requests, then to the worker id, so the order is
// deterministic. Nobody is left out: a low score only means later. The
// first explain suggestions carry their reasons (words cost more than
// numbers, and staff read the top of the list); the others only points.
//
// Scoring allocates one block for every candidate's terms, not a slice per
// candidate, and words no reason it will not show: the arguments of a
// reason are not even boxed unless it is explained.
func Rank(t MatchTask, cands []Candidate, w MatchPolicy, weeklyCapHours float64, today Date, explain int) []Suggestion {
	rates := make([]float64, 0, len(cands))
	for i := range cands {
		if r, ok := cands[i].History.OutputPerHour(); ok {
			rates = append(rates, r)
		}
	}
	median := medianOf(rates)
	// The order is sorted as one number per candidate, the score in
	// hundredths (round2) descending then the recent requests ascending,
	// with the worker id only to break a tie of both.
	type scored struct {
		key, id uint64 // id: the worker id's first 8 bytes
		i       int32
		free    int32
	}
	win := windowOf(t)
	all := make([]scored, len(cands))
	scores := make([]float64, len(cands))
	// Every suggestion carries its terms' points; one block holds them all.
	points := make([]MatchTerm, len(cands)*matchTerms)
	for i := range cands {
		c := &cands[i]
		sc := scorer{terms: points[i*matchTerms : i*matchTerms : (i+1)*matchTerms]}
		sc.run(t, win, c, w, weeklyCapHours, median)
		scores[i] = round2(sc.sum)
		all[i] = scored{orderKey(scores[i], c.RecentRequests), idPrefix(c.WorkerID), int32(i), int32(sc.free)}
	}
	slices.SortFunc(all, func(a, b scored) int {
		switch {
		case a.key != b.key:
			return cmp.Compare(a.key, b.key)
		case a.id != b.id:
			return cmp.Compare(a.id, b.id)
		}
		return strings.Compare(cands[a.i].WorkerID, cands[b.i].WorkerID)
	})
	out := make([]Suggestion, len(all))
	for r, x := range all {
		c, i := &cands[x.i], int(x.i)
		if r < explain {
			out[r] = score(t, win, *c, w, weeklyCapHours, today, median, true)
		} else {
			out[r] = Suggestion{WorkerID: c.WorkerID, Score: scores[i], FreeMinutes: int(x.free),
				Terms: points[i*matchTerms : (i+1)*matchTerms : (i+1)*matchTerms]}
		}
		out[r].Rank = r + 1
	}
	return out
}

// idPrefix is the first 8 bytes of id as a number (zero-padded), which
// orders ids as strings.Compare does unless they share those bytes.
func idPrefix(id string) uint64 {
	var b [8]byte
	copy(b[:], id)
	return binary.BigEndian.Uint64(b[:])
}

// orderKey orders by score (in hundredths, as round2 leaves it) descending,
// then by recent requests ascending. A score is a sum of eight terms of at
// most 10 points each, and requests are far fewer than 2³¹, so neither
// part overflows its half.
func orderKey(score float64, recent int) uint64 {
	hundredths := int64(math.Round(score * 100))
	return uint64(1<<31-hundredths)<<32 | uint64(min(max(recent, 0), 1<<31))
}

// score scores one candidate; with explain it also lists each term with
// its reason.
func score(t MatchTask, win window, c Candidate, w MatchPolicy, weeklyCapHours float64, today Date, median float64, explain bool) Suggestion {
	sc := scorer{explain: explain, kind: TaskTypeJapanese(t.Type), terms: make([]MatchTerm, 0, matchTerms)}
	sc.run(t, win, &c, w, weeklyCapHours, median)
	return Suggestion{WorkerID: c.WorkerID, Score: round2(sc.sum), FreeMinutes: sc.free, Terms: sc.terms}
}

// matchTerms is how many terms a score has.
const matchTerms = 7

// scorer adds up the terms of one score into terms (which has room for
// them); with explain it also words each term's reason.
type scorer struct {
	explain bool
	kind    string // the task type in Japanese, for reasons
	sum     float64
	free    int
	terms   []MatchTerm
}

// say words a reason only for an explained score: the arguments are not
// even boxed otherwise.
func (sc *scorer) say(reason func() string) string {
	if !sc.explain {
		return ""
	}
	return reason()
}

func (sc *scorer) add(name string, weight, value float64, reason string) {
	points := round2(weight * value)
	sc.sum += points
	sc.terms = append(sc.terms, MatchTerm{Name: name, Points: points, Reason: reason})
}

func (sc *scorer) run(t MatchTask, win window, c *Candidate, w MatchPolicy, weeklyCapHours float64, median float64) {
	kind, explain := sc.kind, sc.explain
	h := &c.History
	// Experience, recent jobs counting more.
	if h.Jobs == 0 {
		sc.add("experience", w.Experience, 0, sc.say(func() string {
			return fmt.Sprintf("%sはまだ経験がありません（初めての方にもご案内しています）", kind)
		}))
	} else {
		reason := ""
		if explain {
			reason = fmt.Sprintf("%sの経験が%d件あります（最近は%d年%d月）", kind, h.Jobs, h.Last.Year, h.Last.Month)
		}
		sc.add("experience", w.Experience, math.Min(1, h.Recency/3), reason)
	}

	// Output per hour against the other candidates.
	if r, ok := h.OutputPerHour(); ok && median > 0 {
		ratio := r / median
		reason := "1時間あたりの成果はほかの方と同じくらいです"
		switch {
		case ratio >= 1.2:
			reason = "1時間あたりの成果が多めです"
		case ratio <= 0.8:
			reason = "1時間あたりの成果はゆっくりめです"
		}
		sc.add("output", w.Output, math.Min(1, ratio/2), reason)
	} else {
		sc.add("output", w.Output, 0.5, "1時間あたりの成果はまだ記録がありません")
	}

	// Quality staff recorded at delivery.
	if h.QualityN > 0 {
		avg := float64(h.QualitySum) / float64(h.QualityN)
		sc.add("quality", w.Quality, (avg-1)/4, sc.say(func() string { return fmt.Sprintf("仕上がりの評価は平均%.1f（5段階）です", avg) }))
	} else {
		sc.add("quality", w.Quality, 0.5, "仕上がりの評価はまだありません")
	}

	// Time taken against the estimate.
	if h.TakenMinutes > 0 {
		ratio := float64(h.EstimatedMinutes) / float64(h.TakenMinutes)
		reason := "見込みの時間どおりに仕上げています"
		switch {
		case ratio >= 1.1:
			reason = "見込みより早めに仕上げています"
		case ratio <= 0.9:
			reason = "見込みより時間をかけて丁寧に仕上げています"
		}
		sc.add("pace", w.Pace, math.Min(1, ratio/2), reason)
	} else {
		sc.add("pace", w.Pace, 0.5, "見込み時間との比較はまだありません")
	}

	// Free hours in the window.
	sc.free = win.free(c, weeklyCapHours)
	switch {
	case sc.free == 0:
		sc.add("availability", w.Availability, 0, "期間内に予定の空きがありません")
	case t.ExpectedMinutes <= 0:
		sc.add("availability", w.Availability, 1, sc.say(func() string { return fmt.Sprintf("期間内に%sの空きがあります", HoursJapanese(sc.free)) }))
	default:
		sc.add("availability", w.Availability, math.Min(1, float64(sc.free)/float64(t.ExpectedMinutes)),
			sc.say(func() string {
				return fmt.Sprintf("期間内に%sの空きがあります（見込み%s）", HoursJapanese(sc.free), HoursJapanese(t.ExpectedMinutes))
			}))
	}

	// The worker's own wishes.
	switch {
	case slices.Contains(c.Likes, t.Type):
		sc.add("preference", w.Liked, 1, sc.say(func() string { return fmt.Sprintf("%sを好きな作業に挙げています", kind) }))
	case slices.Contains(c.Avoids, t.Type):
		sc.add("preference", w.Avoided, -1, sc.say(func() string { return fmt.Sprintf("%sはできれば控えたい作業に挙げています", kind) }))
	default:
		sc.add("preference", 0, 0, sc.say(func() string { return fmt.Sprintf("%sについての希望は特にありません", kind) }))
	}

	// Spreading opportunities.
	reason := ""
	if explain {
		reason = fmt.Sprintf("この%d日間に依頼がないので、先にご案内しています", w.FairnessDays)
		if c.RecentRequests > 0 {
			reason = fmt.Sprintf("この%d日間に%d件の依頼・担当がありました", w.FairnessDays, c.RecentRequests)
		}
	}
	sc.add("fairness", w.Fairness, 1/float64(1+max(c.RecentRequests, 0)), reason)
}

func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// taskTypes names the usual task types in Japanese; other types are shown
// as staff typed them.
var taskTypes = map[string]string{
	"proofreading":  "校正",
	"data_entry":    "データ入力",
	"transcription": "文字起こし",
	"design":        "デザイン",
	"web":           "Web更新",
	"research":      "調べもの",
}

// TaskTypeJapanese names a task type for reasons and emails.
func TaskTypeJapanese(t string) string {
	if j, ok := taskTypes[t]; ok {
		return j
	}
	return "「" + t + "」"
}

// TaskPreference is the worker's own list of task types they like and would
// rather avoid; it only moves them up or down the list, never out of it.
type TaskPreference struct {
	Likes  []string `json:"likes"`
	Avoids []string `json:"avoids"`
}

// Normalize trims, drops empty entries and repeats, and sorts.
func (p *TaskPreference) Normalize() {
	clean := func(xs []string) []string {
		out := []string{}
		for _, x := range xs {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	p.Likes, p.Avoids = clean(p.Likes), clean(p.Avoids)
}

// ValidateTaskPreference checks a normalized preference: at most 20 types
// each, each a task type of at most 50 characters that follows the text
// rules (CheckText), none both liked and avoided.
func ValidateTaskPreference(p TaskPreference) error {
	var f Fields
	for field, xs := range map[string][]string{"likes": p.Likes, "avoids": p.Avoids} {
		if len(xs) > 20 {
			f.Add(field, "must list at most 20 task types")
		}
		for i, x := range xs {
			if e := CheckText(x, 50, false); e != nil {
				f.Add(fmt.Sprintf("%s[%d]", field, i), "%s", e.Error())
			}
		}
	}
	for _, x := range p.Likes {
		if slices.Contains(p.Avoids, x) {
			f.Add("avoids", "%q is also in likes; a type can be one or the other", x)
		}
	}
	slices.SortFunc(f, func(a, b FieldError) int { return cmpString(a.Field, b.Field) })
	return f.Err()
}

// HoursJapanese renders minutes as "12時間" or "2時間30分".
func HoursJapanese(minutes int) string {
	if minutes%60 == 0 {
		return fmt.Sprintf("%d時間", minutes/60)
	}
	if minutes < 60 {
		return fmt.Sprintf("%d分", minutes)
	}
	return fmt.Sprintf("%d時間%d分", minutes/60, minutes%60)
}
