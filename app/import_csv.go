package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/workflows"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
	"golang.org/x/text/width"
)

// An import file is a CSV of the workers a center already has under
// contract, one worker a row, with a header row naming the columns by
// their English key or their Japanese label (importColumns). Spreadsheets
// in Japan export Shift_JIS, others UTF-8 with or without a BOM; the
// encoding is detected unless named.

// Import file encodings.
const (
	EncodingAuto     = "auto"
	EncodingUTF8     = "utf-8"
	EncodingShiftJIS = "shift_jis"
)

// MaxImportRows bounds one file; a larger center imports in parts.
const MaxImportRows = 50_000

type importColumn struct {
	key, label string
	required   bool // the header must have it
	max        int  // characters a cell may hold (ippo.CheckText)
}

// importColumns are the columns of an import file, in the order of the
// template. Optional ones may be left out of the header. The maximums are
// intake's where it has one (name, kana, supporting body, wording version),
// an email address's 254, and otherwise room enough for what the column
// holds.
var importColumns = []importColumn{
	{"name", "氏名", true, 100},
	{"name_kana", "ふりがな", false, 100},
	{"email", "メールアドレス", true, 254},
	{"municipality_code", "市区町村コード", true, 20},
	{"category", "区分", true, 20},
	{"recognized_by_doctor", "医師の認定", false, 20},
	{"disability_types", "障害の種類", false, 100},
	{"withdrawn_since", "ひきこもり開始日", false, 20},
	{"supporting_body", "支援機関", false, 200},
	{"intractable_disease", "難病", false, 20},
	{"wants_general_employment", "一般就労の希望", false, 20},
	{"consent_given_on", "同意日", true, 20},
	{"consent_wording_version", "同意文言の版", true, 50},
	{"signed_on", "契約日", true, 20},
	{"term_start", "現在の期間の開始日", true, 20},
	{"term_end", "現在の期間の終了日", true, 20},
	{"extensions", "延長回数", true, 20},
	{"schedule", "週の予定", true, 1000},
}

// ImportHeader is the header row of the template, in Japanese.
func ImportHeader() []string {
	h := make([]string, len(importColumns))
	for i, c := range importColumns {
		h[i] = c.label
	}
	return h
}

func columnLabel(key string) string {
	for _, c := range importColumns {
		if c.key == key {
			return c.label
		}
	}
	return key
}

// ImportRow is one valid row of an import file.
type ImportRow struct {
	// Row is the row's number in the file (the header is row 1).
	Row       int
	WorkerID  string // stable: the same person and contract get the same id
	Applicant ippo.Applicant
	Contract  workflows.ImportedContract
	Schedule  ippo.Schedule
}

// ImportProblem is one refusal: the row, the column (its Japanese label)
// and what is wrong, in Japanese.
type ImportProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
	// workerID is the row's stable id when its email and signing date
	// could be read: a row imported earlier may no longer pass (its term
	// has ended since), and is then unchanged rather than refused.
	workerID string
}

func (p ImportProblem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("%d行目: %s", p.Row, p.Message)
	}
	return fmt.Sprintf("%d行目「%s」: %s", p.Row, p.Column, p.Message)
}

// importNamespace keys imported workers: the worker id is a name-based
// UUID of the email and the signing date, so importing a row again finds
// the worker (and the workflow) it created the first time.
var importNamespace = uuid.MustParse("5b0f8a7e-3c1d-4e2a-9f6b-1d2c3e4f5a60")

// ImportWorkerID is the stable worker id of an imported row.
func ImportWorkerID(email string, signedOn ippo.Date) string {
	return uuid.NewSHA1(importNamespace, []byte(strings.ToLower(email)+"/"+signedOn.String())).String()
}

// fileError is a problem with the file as a whole: nothing is imported.
func fileError(format string, args ...any) error {
	return &ippo.Error{Code: ippo.EINVALID, Message: "the import file cannot be read",
		Fields: []ippo.FieldError{{Field: "file", Message: fmt.Sprintf(format, args...)}}}
}

// decodeImport returns the file's text as UTF-8.
func decodeImport(data []byte, encoding string) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	switch strings.ToLower(strings.ReplaceAll(encoding, "-", "_")) {
	case "", EncodingAuto:
		if utf8.Valid(data) {
			return data, nil
		}
	case "utf_8", "utf8":
		if !utf8.Valid(data) {
			return nil, fileError("UTF-8 として読めません。Shift_JIS で保存したファイルなら、文字コードに shift_jis を選んでください")
		}
		return data, nil
	case EncodingShiftJIS, "sjis", "cp932", "windows_31j":
	default:
		return nil, fileError("文字コード %q には対応していません。utf-8 か shift_jis を選んでください", encoding)
	}
	out, _, err := transform.Bytes(japanese.ShiftJIS.NewDecoder(), data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, fileError("UTF-8 としても Shift_JIS としても読めません。表計算ソフトで「CSV UTF-8」として保存し直してください")
	}
	return out, nil
}

// ParseImport reads an import file and checks every row with the same
// rules as intake (ippo.CheckApplicant), the contract's dates against today
// and the policy, and the schedule (ippo.ValidateSchedule). It returns the
// valid rows and a problem for every refusal; a file that cannot be read
// at all is an EINVALID error naming "file".
func ParseImport(data []byte, encoding string, versions []ippo.PolicyVersion, today ippo.Date) ([]ImportRow, []ImportProblem, error) {
	text, err := decodeImport(data, encoding)
	if err != nil {
		return nil, nil, err
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fileError("ファイルが空です。1行目に見出し、2行目から一人一行で入れてください")
	}
	if err != nil {
		return nil, nil, fileError("CSV として読めません（%v）", err)
	}
	index := map[string]int{}
	var unknown []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		found := false
		for _, c := range importColumns {
			if h == c.key || h == c.label {
				if _, dup := index[c.key]; dup {
					return nil, nil, fileError("見出し「%s」が二つあります", c.label)
				}
				index[c.key], found = i, true
			}
		}
		if !found && h != "" {
			unknown = append(unknown, h)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, fileError("見出し「%s」は使えません。使える見出しは %s です", strings.Join(unknown, "」「"), strings.Join(ImportHeader(), "、"))
	}
	var missing []string
	for _, c := range importColumns {
		if _, ok := index[c.key]; c.required && !ok {
			missing = append(missing, c.label)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fileError("見出しに「%s」がありません", strings.Join(missing, "」「"))
	}

	p := ippo.PolicyAt(versions, today)
	var (
		rows     []ImportRow
		problems []ImportProblem
		emails   = map[string]int{} // lower-case email → first row
	)
	for n := 2; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
				return nil, nil, fileError("%d行目が CSV として読めません（%v）。引用符（\"）の対を確かめてください", pe.Line, pe.Err)
			}
			return nil, nil, fileError("CSV として読めません（%v）", err)
		}
		if n-1 > MaxImportRows {
			return nil, nil, fileError("一度に取り込めるのは %d 人までです。ファイルを分けてください", MaxImportRows)
		}
		cell := func(key string) string {
			if i, ok := index[key]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if blank(rec) {
			continue
		}
		row, probs := parseImportRow(n, cell, versions, p, today)
		if len(probs) == 0 {
			key := strings.ToLower(row.Applicant.Email)
			if first, dup := emails[key]; dup {
				probs = append(probs, ImportProblem{Row: n, Column: columnLabel("email"),
					Message: fmt.Sprintf("このメールアドレスは %d行目でも使われています。一人一行にしてください", first)})
			} else {
				emails[key] = n
			}
		}
		if len(probs) > 0 {
			problems = append(problems, probs...)
			continue
		}
		rows = append(rows, row)
	}
	return rows, problems, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowProblems collects one row's problems by column key.
type rowProblems struct {
	row  int
	list []ImportProblem
	bad  map[string]bool
	// text holds the columns whose cell broke the text rules: that is
	// their one problem, the checks of what the cell means are not added.
	text map[string]bool
}

func (rp *rowProblems) add(key, format string, args ...any) {
	if rp.bad == nil {
		rp.bad, rp.text = map[string]bool{}, map[string]bool{}
	}
	if rp.text[key] {
		return
	}
	rp.bad[key] = true
	rp.list = append(rp.list, ImportProblem{Row: rp.row, Column: columnLabel(key), Message: fmt.Sprintf(format, args...)})
}

func parseImportRow(n int, cell func(string) string, versions []ippo.PolicyVersion, p ippo.Policy, today ippo.Date) (ImportRow, []ImportProblem) {
	rp := &rowProblems{row: n}
	// Every cell first passes the text rules that intake and the console
	// apply (ippo.CheckText): no NUL or other control character (a line
	// break in a quoted cell among them), no U+FFFD (what a broken byte or
	// an unpaired surrogate became), no bidirectional formatting, no
	// noncharacter, at most the column's characters.
	for _, c := range importColumns {
		if e := ippo.CheckText(cell(c.key), c.max, false); e != nil {
			rp.add(c.key, "%s", e.Japanese())
			rp.text[c.key] = true
		}
	}
	fold := func(key string) string { return width.Fold.String(cell(key)) }
	date := func(key string) ippo.Date {
		s := fold(key)
		if s == "" {
			return ippo.Date{}
		}
		d, ok := parseImportDate(s)
		if !ok {
			rp.add(key, "「%s」は日付として読めません。2025-04-01 か 2025/4/1 の形で入れてください", s)
		}
		return d
	}
	flag := func(key string) bool {
		switch s := strings.ToLower(fold(key)); s {
		case "", "いいえ", "no", "false", "0", "×", "無", "なし":
			return false
		case "はい", "yes", "true", "1", "○", "〇", "有", "あり":
			return true
		default:
			rp.add(key, "「%s」は読めません。はい か いいえ で入れてください", cell(key))
			return false
		}
	}

	a := ippo.Applicant{
		Name:                   cell("name"),
		NameKana:               cell("name_kana"),
		Email:                  fold("email"),
		MunicipalityCode:       fold("municipality_code"),
		RecognizedByDoctor:     flag("recognized_by_doctor"),
		WithdrawnSince:         date("withdrawn_since"),
		SupportingBody:         cell("supporting_body"),
		IntractableDisease:     flag("intractable_disease"),
		WantsGeneralEmployment: flag("wants_general_employment"),
		Consent:                ippo.CollectionConsent{GivenOn: date("consent_given_on"), WordingVersion: fold("consent_wording_version")},
	}
	switch c := strings.ToLower(fold("category")); c {
	case "disability", "障害":
		a.Category = ippo.CategoryDisability
	case "hikikomori", "ひきこもり":
		a.Category = ippo.CategoryHikikomori
	case "":
	default:
		rp.add("category", "「%s」は区分として読めません。障害 か ひきこもり で入れてください", cell("category"))
	}
	for _, t := range strings.FieldsFunc(fold("disability_types"), isListSeparator) {
		dt, ok := disabilityTypeNames[strings.ToLower(t)]
		if !ok {
			rp.add("disability_types", "「%s」は障害の種類として読めません。精神・発達・知的・身体 から選んでください", t)
			continue
		}
		a.DisabilityTypes = append(a.DisabilityTypes, dt)
	}
	a.Normalize()
	if !rp.bad["category"] {
		var e *ippo.Error
		if errors.As(ippo.CheckApplicant(a, p, today), &e) {
			for _, f := range e.Fields {
				key := applicantColumn(f.Field)
				if !rp.bad[key] {
					rp.add(key, "%s", applicantMessage(f, a, p, today))
				}
			}
		}
	}

	c := workflows.ImportedContract{SignedOn: date("signed_on"), TermStart: date("term_start"), TermEnd: date("term_end")}
	switch s := fold("extensions"); {
	case s == "":
		rp.add("extensions", "これまでの延長の回数を入れてください（延長がなければ 0）")
	default:
		k, err := strconv.Atoi(s)
		if err != nil || k < 0 || k > 200 {
			rp.add("extensions", "「%s」は延長回数として読めません。0 以上の整数で入れてください", s)
		}
		c.Extensions = k
	}
	checkImportedContract(rp, c, versions, today)

	s := ippo.Schedule{EffectiveFrom: today}
	if text := fold("schedule"); text == "" {
		rp.add("schedule", "週の予定を入れてください（例: 月 10:00-12:00 在宅; 水 13:00-15:00 通所）")
	} else {
		slots, ok := parseSlots(rp, text)
		s.Slots = slots
		if ok {
			var e *ippo.Error
			if errors.As(ippo.ValidateSchedule(s, nil, p.WeeklyCapHours, today), &e) {
				for _, f := range e.Fields {
					rp.add("schedule", "%s", scheduleMessage(f, s, p))
				}
			}
		}
	}
	if len(rp.list) > 0 {
		if a.Email != "" && !c.SignedOn.IsZero() {
			for i := range rp.list {
				rp.list[i].workerID = ImportWorkerID(a.Email, c.SignedOn)
			}
		}
		return ImportRow{}, rp.list
	}
	return ImportRow{Row: n, WorkerID: ImportWorkerID(a.Email, c.SignedOn), Applicant: a, Contract: c, Schedule: s}, nil
}

func isListSeparator(r rune) bool {
	return strings.ContainsRune(";,、・/／ 　", r)
}

var disabilityTypeNames = map[string]ippo.DisabilityType{
	"mental": ippo.DisabilityMental, "精神": ippo.DisabilityMental,
	"developmental": ippo.DisabilityDevelopmental, "発達": ippo.DisabilityDevelopmental,
	"intellectual": ippo.DisabilityIntellectual, "知的": ippo.DisabilityIntellectual,
	"physical": ippo.DisabilityPhysical, "身体": ippo.DisabilityPhysical,
}

// parseImportDate reads 2025-04-01, 2025/4/1 (as spreadsheets write it).
func parseImportDate(s string) (ippo.Date, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' })
	if len(parts) != 3 || len(parts[0]) != 4 {
		return ippo.Date{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return ippo.Date{}, false
		}
		n[i] = v
	}
	d := ippo.NewDate(n[0], time.Month(n[1]), n[2])
	if d.Month != time.Month(n[1]) || d.Day != n[2] {
		return ippo.Date{}, false // 2025-02-30 is not a day
	}
	return d, true
}

// checkImportedContract checks the contract's dates: signed in the past,
// the current term around today, no longer than a term of the policy, and
// the extension count agreeing with the dates.
func checkImportedContract(rp *rowProblems, c workflows.ImportedContract, versions []ippo.PolicyVersion, today ippo.Date) {
	for key, d := range map[string]ippo.Date{"signed_on": c.SignedOn, "term_start": c.TermStart, "term_end": c.TermEnd} {
		if d.IsZero() && !rp.bad[key] {
			rp.add(key, "日付を入れてください")
		}
	}
	if rp.bad["signed_on"] || rp.bad["term_start"] || rp.bad["term_end"] {
		return
	}
	switch {
	case !c.SignedOn.Before(today):
		rp.add("signed_on", "契約日は今日（%s）より前の日付にしてください。今日からの契約は、ふつうの受付から始めてください", today.Japanese())
	case c.TermStart.Before(c.SignedOn):
		rp.add("term_start", "現在の期間の開始日が契約日（%s）より前になっています", c.SignedOn.Japanese())
	case c.TermStart.After(today):
		rp.add("term_start", "現在の期間の開始日が今日（%s）より後になっています。いま続いている期間を入れてください", today.Japanese())
	case c.TermEnd.Before(today):
		rp.add("term_end", "現在の期間の終了日が今日（%s）より前になっています。いま続いている期間を入れてください", today.Japanese())
	}
	if len(rp.list) > 0 {
		return
	}
	p := ippo.PolicyAt(versions, c.TermStart)
	months := p.ExtensionMonths
	if c.Extensions == 0 {
		months = p.TermMonths
	}
	if longest := ippo.AddMonthsCivil(c.TermStart, months); c.TermEnd.After(longest) {
		rp.add("term_end", "一つの期間は %d か月までです（%s から始まる期間は %s まで）", months, c.TermStart.Japanese(), longest.Japanese())
	}
	if rp.bad["extensions"] {
		return
	}
	switch {
	case c.Extensions == 0 && c.TermStart != c.SignedOn:
		rp.add("extensions", "延長が 0 回なら、現在の期間は契約日（%s）から始まります。延長の回数か期間の開始日を確かめてください", c.SignedOn.Japanese())
	case c.Extensions > 0 && c.TermStart == c.SignedOn:
		rp.add("extensions", "延長が %d 回なら、現在の期間の開始日は契約日より後になります。延長の回数か期間の開始日を確かめてください", c.Extensions)
	}
}

var weekdayNames = map[string]time.Weekday{
	"日": time.Sunday, "月": time.Monday, "火": time.Tuesday, "水": time.Wednesday,
	"木": time.Thursday, "金": time.Friday, "土": time.Saturday,
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

var weekdayJapanese = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// parseSlots reads "月 10:00-12:00 在宅; 水 13:00-15:00 通所": one slot
// per part, each a weekday, a time range and 在宅 (remote) or 通所 (onsite).
func parseSlots(rp *rowProblems, text string) ([]ippo.Slot, bool) {
	ok := true
	var slots []ippo.Slot
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '；' || r == '\n' || r == '、' })
	for i, part := range parts {
		bad := func(why string) {
			rp.add("schedule", "%d番目の枠「%s」%s。「月 10:00-12:00 在宅」の形で入れてください", i+1, strings.TrimSpace(part), why)
			ok = false
		}
		f := strings.Fields(strings.NewReplacer("〜", "-", "～", "-", "–", "-", "ー", "-").Replace(part))
		if len(f) != 3 {
			bad("が読めません")
			continue
		}
		wd, found := weekdayNames[strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(f[0], "曜日"), "曜"))]
		if !found {
			bad("の曜日が読めません")
			continue
		}
		from, to, _ := strings.Cut(f[1], "-")
		start, err1 := ippo.ParseTimeOfDay(from)
		end, err2 := ippo.ParseTimeOfDay(to)
		if err1 != nil || err2 != nil {
			bad("の時刻が読めません")
			continue
		}
		var mode ippo.WorkMode
		switch strings.ToLower(f[2]) {
		case "在宅", "remote":
			mode = ippo.ModeRemote
		case "通所", "onsite":
			mode = ippo.ModeOnsite
		default:
			bad("の働き方が読めません（在宅 か 通所）")
			continue
		}
		slots = append(slots, ippo.Slot{Weekday: wd, Start: start, End: end, Mode: mode})
	}
	return slots, ok
}

// applicantColumn is the import column of a CheckApplicant field.
func applicantColumn(field string) string {
	switch field {
	case "consent.given_on":
		return "consent_given_on"
	case "consent.wording_version":
		return "consent_wording_version"
	}
	return field
}

// applicantMessage says in Japanese what CheckApplicant found wrong.
func applicantMessage(f ippo.FieldError, a ippo.Applicant, p ippo.Policy, today ippo.Date) string {
	has := func(s string) bool { return strings.Contains(f.Message, s) }
	switch f.Field {
	case "name":
		if has("required") {
			return "氏名を入れてください"
		}
		return "氏名は100文字までにしてください"
	case "name_kana":
		return "ふりがなは100文字までにしてください"
	case "email":
		if has("required") {
			return "メールアドレスを入れてください。プログラムからのお知らせはメールで届きます"
		}
		return "メールアドレスの形になっていません。hanako@example.jp のような形で入れてください"
	case "municipality_code":
		return fmt.Sprintf("このプログラムを使えるのは%s（市区町村コード %s）にお住まいの方です", p.MunicipalityName, p.MunicipalityCode)
	case "recognized_by_doctor":
		return "障害の区分では、医師による障害の認定が必要です（はい と入れてください）"
	case "disability_types":
		return "障害の区分では、精神・発達・知的・身体 から少なくとも一つを入れてください"
	case "withdrawn_since":
		switch {
		case has("required"):
			return "ひきこもりの区分では、ひきこもり開始日が必要です"
		case has("future"):
			return "ひきこもり開始日に今日より後の日付は入れられません"
		}
		latest := ippo.AddMonthsCivil(today, -p.HikikomoriMonths).AddDays(1)
		return fmt.Sprintf("ひきこもりの区分では、%d か月以上（%s 以前から）であることが必要です", p.HikikomoriMonths, latest.Japanese())
	case "supporting_body":
		return "支えている市役所の窓口や支援機関の名前を入れてください"
	case "category":
		switch {
		case has("required"):
			return "区分を入れてください（障害 か ひきこもり）"
		case a.Category == ippo.CategoryDisability:
			return "ひきこもり開始日と支援機関は、ひきこもりの区分の方だけに入れてください"
		case a.Category == ippo.CategoryHikikomori:
			return "医師の認定と障害の種類は、障害の区分の方だけに入れてください"
		}
		return "区分は 障害 か ひきこもり で入れてください"
	case "consent.given_on":
		if has("future") {
			return "同意日に今日より後の日付は入れられません"
		}
		return "要配慮個人情報を取得することへのご本人の同意と、その日付が必要です"
	case "consent.wording_version":
		return "ご本人が同意した文言の版を入れてください"
	}
	return fmt.Sprintf("値を確かめてください（%s）", f.Message)
}

// scheduleMessage says in Japanese what ValidateSchedule found wrong with
// slots the parser already read.
func scheduleMessage(f ippo.FieldError, s ippo.Schedule, p ippo.Policy) string {
	var i int
	switch {
	case f.Field == "slots" && strings.Contains(f.Message, "cap"):
		return fmt.Sprintf("週の合計が %s 時間で、上限の %g 時間を超えています", strconv.FormatFloat(s.WeeklyHours(), 'f', -1, 64), p.WeeklyCapHours)
	case f.Field == "slots":
		return "枠を一つ以上入れてください"
	case strings.HasSuffix(f.Field, ".end"):
		fmt.Sscanf(f.Field, "slots[%d]", &i)
		return fmt.Sprintf("%d番目の枠は、終わりの時刻を始まりより後にしてください", i+1)
	case strings.HasPrefix(f.Field, "slots["):
		if _, err := fmt.Sscanf(f.Field, "slots[%d]", &i); err == nil && strings.Contains(f.Message, "overlaps") {
			return fmt.Sprintf("%d番目の枠（%s曜日）が、同じ曜日の別の枠と重なっています", i+1, weekdayJapanese[s.Slots[i].Weekday])
		}
	}
	return fmt.Sprintf("週の予定を確かめてください（%s）", f.Message)
}
