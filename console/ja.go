package console

import (
	"errors"
	"regexp"
	"strings"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
)

// fieldProblem is one field at fault, in Japanese.
type fieldProblem struct {
	Field   string // the form field's name (and the input's id)
	Label   string
	Message string
}

// stepProblem is a refused step that is not about one field: why, and what
// would fit instead.
type stepProblem struct {
	Message  string
	Allowed  []string // Japanese names of the steps that fit the phase
	Earliest ippo.Date
}

var fieldLabels = map[string]string{
	"name":                    "氏名",
	"name_kana":               "ふりがな",
	"email":                   "メールアドレス",
	"municipality_code":       "お住まいの市区町村コード",
	"category":                "利用の区分",
	"recognized_by_doctor":    "医師による障害の認定",
	"disability_types":        "障害の種別",
	"withdrawn_since":         "ひきこもり状態が始まった時期",
	"supporting_body":         "支援している機関",
	"consent.given_on":        "同意した日",
	"consent.wording_version": "同意文の版",
	"reason":                  "理由",
	"ends_on":                 "終了日",
	"signed_on":               "契約日",
	"by":                      "申し出た人",
	"decision":                "判定",
	"scores.stability":        "作業安定度",
	"scores.execution":        "作業遂行",
	"scores.habits":           "基本的労働習慣",
	"scores.interpersonal":    "対人技能",
	"comment":                 "コメント",
	"role":                    "権限",
	"type":                    "種類",
	"client":                  "取引先",
	"description":             "内容",
	"output_unit":             "成果の単位",
	"task_id":                 "案件",
	"worker_ids":              "依頼する方",
	"expected_hours":          "見込みの時間",
	"starts_on":               "作業を始められる日",
	"due_on":                  "納期",
	"output":                  "成果の量",
	"quality":                 "仕上がり",
	"agency_id":               "関係機関",
	"purpose":                 "目的",
	"items":                   "提供する情報",
	"action":                  "同意",
	"wording_version":         "同意文の版",
	"on":                      "日付",
	"agencies":                "引き継ぐ関係機関",
	"destination":             "卒業後の行き先",
	"handoff_notes":           "引き継ぎのメモ",
}

func labelOf(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// fieldMessages turns the domain's field messages (English, written for
// the API) into Japanese for staff. Patterns are tried in order; the
// first match wins. A message no pattern knows keeps a plain Japanese
// sentence, so staff never see English alone.
var fieldMessages = []struct {
	re *regexp.Regexp
	ja func(m []string) string
}{
	{regexp.MustCompile(`^is required: the program reaches people in writing`), fixed("入力してください。センターからの連絡はすべて書面(メール)で届きます。")},
	{regexp.MustCompile(`^must be a plain email address`), fixed("hanako@example.jp のような形のメールアドレスを入力してください。")},
	{regexp.MustCompile(`^only residents of (.+) \(municipality code (\d+)\)`), func(m []string) string {
		return m[1] + "にお住まいの方(市区町村コード " + m[2] + ")が利用できます。"
	}},
	{regexp.MustCompile(`^the disability category needs a disability recognized by a doctor`), fixed("障害の区分では、医師による障害の認定が必要です。")},
	{regexp.MustCompile(`^name at least one of`), fixed("障害の種別を1つ以上選んでください。")},
	{regexp.MustCompile(`is not one of mental`), fixed("選べる種別(精神・発達・知的・身体)から選んでください。")},
	{regexp.MustCompile(`^withdrawn_since and supporting_body belong`), fixed("ひきこもりの区分の項目は、障害の区分では入力しません。")},
	{regexp.MustCompile(`^recognized_by_doctor and disability_types belong`), fixed("障害の区分の項目は、ひきこもりの区分では入力しません。")},
	{regexp.MustCompile(`^is required for the hikikomori category`), fixed("ひきこもりの区分では入力してください。")},
	{regexp.MustCompile(`^cannot be in the future`), fixed("今日より後の日付は入力できません。")},
	{regexp.MustCompile(`needs (\d+) months or more \(since (\S+) or earlier\)`), func(m []string) string {
		return m[1] + "か月以上続いていることが必要です(" + jaDate(m[2]) + "以前)。"
	}},
	{regexp.MustCompile(`^name the city office or agency`), fixed("支援している市の窓口または機関の名前を入力してください。")},
	{regexp.MustCompile(`^is required: disability or hikikomori`), fixed("利用の区分を選んでください。")},
	{regexp.MustCompile(`^must be disability or hikikomori`), fixed("「障害」か「ひきこもり」から選んでください。")},
	{regexp.MustCompile(`^the applicant's consent to collecting sensitive facts is required`), fixed("要配慮個人情報の取得への本人の同意と、その日付が必要です。")},
	{regexp.MustCompile(`^name the version of the consent wording`), fixed("本人が同意した同意文の版を入力してください。")},
	{regexp.MustCompile(`^must be at most (\d+) characters`), func(m []string) string { return m[1] + "文字以内で入力してください。" }},
	{regexp.MustCompile(`^is required when the applicant is not approved`), fixed("承認しないときは理由を入力してください。理由は、わかりやすい言葉で本人に届きます。")},
	{regexp.MustCompile(`^only the center names an end date`), fixed("終了日を指定できるのはセンターからの申し出のときだけです。本人の申し出では、いまの期間の終わりに終了します。")},
	{regexp.MustCompile(`^a worker's opt-out ends the contract with the current term, on (\S+)`), func(m []string) string {
		return "本人の申し出では、いまの期間の終わり(" + jaDate(m[1]) + ")に終了します。"
	}},
	{regexp.MustCompile(`^must be the last day of a term \((\S+), (\S+), (\S+)`), func(m []string) string {
		return "契約期間の最終日を選んでください(" + jaDate(m[1]) + "、" + jaDate(m[2]) + "、" + jaDate(m[3]) + " など)。"
	}},
	{regexp.MustCompile(`^must be center or worker`), fixed("「センター」か「本人」から選んでください。")},
	{regexp.MustCompile(`^is already used by`), fixed("このメールアドレスの方は、すでに登録されていて利用が続いています。")},
	{regexp.MustCompile(`^must be today \((\S+)\) or later`), func(m []string) string { return "今日(" + jaDate(m[1]) + ")以降の日付にしてください。" }},
	{regexp.MustCompile(`^at least one slot is required`), fixed("少なくとも1日、時間と場所を入れてください。")},
	{regexp.MustCompile(`uses another service`), fixed("この曜日は、ほかのサービス(就労継続支援B型・就労移行支援)を利用する日です。ほかの曜日を選んでください。")},
	{regexp.MustCompile(`^must be between 00:00 and`), fixed("00:00から24:00のあいだで入力してください。")},
	{regexp.MustCompile(`^must be a time of day HH:MM`), fixed("10:00 のような形で入力してください。")},
	{regexp.MustCompile(`^must be after the start`), fixed("開始より後の時刻にしてください。")},
	{regexp.MustCompile(`^must be remote \(在宅\) or onsite`), fixed("在宅か通所を選んでください。")},
	{regexp.MustCompile(`overlaps`), fixed("同じ日の時間が重なっています。")},
	{regexp.MustCompile(`^add up to (.+) a week, over the weekly cap of (.+)$`), func(m []string) string {
		return "合計が週" + hoursJa(m[1]) + "になり、上限の" + hoursJa(m[2]) + "を超えています。無理のない時間にしましょう。"
	}},
	{regexp.MustCompile(`^(.+): the worker has not consented to sharing information with this agency`), func(m []string) string {
		return m[1] + "への情報提供について、ご本人の同意が記録されていません。どの機関にも送っていません。同意を記録するか、この機関を外してください。"
	}},
	{regexp.MustCompile(`^names the same agency twice`), fixed("同じ機関が2回選ばれています。")},
	{regexp.MustCompile(`^no such agency`), fixed("一覧から関係機関を選んでください。")},
	{regexp.MustCompile(`^is required: give or withdraw|^must be give or withdraw`), fixed("「同意する」か「撤回する」を選んでください。")},
	{regexp.MustCompile(`^must be one of`), fixed("一覧から選んでください。")},
	{regexp.MustCompile(`^name the version of the consent wording the worker read`), fixed("ご本人が読んだ同意文の版を入力してください。")},
	{regexp.MustCompile(`^must be (admin, staff or viewer|viewer, staff or admin)`), fixed("権限を選んでください。")},
	{regexp.MustCompile(`^is required: staff or self`), fixed("「支援員」か「本人」を選んでください。")},
	{regexp.MustCompile(`^must be staff or self`), fixed("「支援員」か「本人」を選んでください。")},
	{regexp.MustCompile(`^is required: a score from`), fixed("1から5のうち、ひとつを選んでください。")},
	{regexp.MustCompile(`^must be from \d+ to \d+`), fixed("1から5のうち、ひとつを選んでください。")},
	{regexp.MustCompile(`^cannot be in the future`), fixed("今日より後の日付は入力できません。")},
	{regexp.MustCompile(`^must be a number of hours`), fixed("1.5 のような数で、時間を入力してください。")},
	{regexp.MustCompile(`^must be more than 0$`), fixed("0より大きい数を入力してください。")},
	{regexp.MustCompile(`^must be at most 24 in one day`), fixed("1日24時間までで入力してください。")},
	{regexp.MustCompile(`is more than the daily maximum of (.+)$`), func(m []string) string {
		return "1日の上限(" + hoursJa(m[1]) + ")を超えています。打ち間違いがないか、お確かめください。"
	}},
	{regexp.MustCompile(`already logged on .*over the daily maximum of (.+)$`), func(m []string) string {
		return "この日はすでに記録があり、合わせると1日の上限(" + hoursJa(m[1]) + ")を超えます。"
	}},
	{regexp.MustCompile(`is not a known task`), fixed("一覧から案件を選んでください。")},
	{regexp.MustCompile(`^cannot be negative`), fixed("0以上の数を入力してください。")},
	{regexp.MustCompile(`^the schedule declared from \S+ has a slot on`), fixed("週の予定にこの曜日の時間が入っています。先にその曜日を外した予定を記録してから、ほかのサービスの利用日を記録してください。")},
	{regexp.MustCompile(`^is required for (late|early_leave)`), fixed("時刻を入れてください(例: 13:00)。")},
	{regexp.MustCompile(`^must be absent, late or early_leave|^is required: absent, late`), fixed("「お休み」「遅れて始める」「早めに終える」から選んでください。")},
	{regexp.MustCompile(`^cannot be in the past \(today is (\S+)\)`), func(m []string) string { return "今日(" + jaDate(m[1]) + ")以降の日付にしてください。" }},
	{regexp.MustCompile(`^must be between (\d+) and (\d+)`), func(m []string) string { return m[1] + "から" + m[2] + "までの数を入力してください。" }},
	{regexp.MustCompile(`^must be more than 0 and at most (\d+)`), func(m []string) string {
		return "0より大きく、" + m[1] + "以下の数を入力してください。"
	}},
	{regexp.MustCompile(`has not ended yet`), fixed("この月はまだ終わっていません。締めは月が終わってからです。")},
	{regexp.MustCompile(`^is required`), fixed("入力してください。")},
}

var reHours = regexp.MustCompile(`^([\d.]+) hours?(?: (\d+) minutes?)?$`)

// hoursJa reads the domain's "18 hours", "2.5 hours", "1 hour 20 minutes".
func hoursJa(s string) string {
	m := reHours.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	if m[2] != "" {
		return m[1] + "時間" + m[2] + "分"
	}
	return m[1] + "時間"
}

func fixed(s string) func([]string) string { return func([]string) string { return s } }

func jaDate(s string) string {
	s = strings.TrimRight(s, ",.;)")
	if d, err := ippo.ParseDate(s); err == nil {
		return d.Japanese()
	}
	return s
}

func fieldMessageJa(msg string) string {
	for _, p := range fieldMessages {
		if m := p.re.FindStringSubmatch(msg); m != nil {
			return p.ja(m)
		}
	}
	return "入力内容をお確かめください。"
}

// problems splits an application error into field problems (EINVALID),
// a step problem (ECONFLICT), or neither (anything else: the caller shows
// a general page).
func problems(err error) ([]fieldProblem, *stepProblem) {
	var e *ippo.Error
	if !errors.As(err, &e) {
		return nil, nil
	}
	switch e.Code {
	case ippo.EINVALID:
		out := make([]fieldProblem, 0, len(e.Fields))
		for _, f := range e.Fields {
			name := f.Field
			if i := strings.IndexByte(name, '['); i > 0 && !strings.HasPrefix(name, "slots") {
				name = name[:i] // agencies[1] → the agencies checkboxes
			}
			out = append(out, fieldProblem{Field: name, Label: labelOf(name), Message: fieldMessageJa(f.Message)})
		}
		return out, nil
	case ippo.ECONFLICT:
		if len(e.Fields) > 0 {
			out := make([]fieldProblem, 0, len(e.Fields))
			for _, f := range e.Fields {
				out = append(out, fieldProblem{Field: f.Field, Label: labelOf(f.Field), Message: fieldMessageJa(f.Message)})
			}
			return out, nil
		}
		p := &stepProblem{Message: conflictJa(e)}
		for _, a := range e.Allowed {
			p.Allowed = append(p.Allowed, stepJa(a))
		}
		if d, err := ippo.ParseDate(e.Details["earliest_end_date"]); err == nil {
			p.Earliest = d
		}
		return nil, p
	}
	return nil, nil
}

var (
	reTooLate  = regexp.MustCompile(`^too late to end the contract on (\S+):.*?(\d+) days.*earliest possible end date is (\S+)`)
	reEndsOn   = regexp.MustCompile(`^the contract already ends on (\S+)`)
	reWaitlist = regexp.MustCompile(`waiting for a place \(position (\d+)\)`)
)

func conflictJa(e *ippo.Error) string {
	if m := reTooLate.FindStringSubmatch(e.Message); m != nil {
		return jaDate(m[1]) + "に終了するには、" + m[2] + "日前までにお知らせする必要があり、その期限を過ぎています。いちばん早い終了日は" + jaDate(m[3]) + "です。"
	}
	if m := reEndsOn.FindStringSubmatch(e.Message); m != nil {
		return "この契約は、すでに" + jaDate(m[1]) + "に終了することが決まっています。"
	}
	if m := reWaitlist.FindStringSubmatch(e.Message); m != nil {
		return "この方は承認済みで、空きを待っています(" + m[1] + "番目)。いまはこの手続きはできません。"
	}
	if strings.HasPrefix(e.Message, "the task has no due date") {
		return "この案件には納期がありません。依頼では納期を書面でお伝えするので、納期のある案件にしてから依頼してください。"
	}
	if strings.HasPrefix(e.Message, "the task's due date") {
		return "この案件の納期はすでに過ぎています。取引先と納期を確かめてください。"
	}
	if strings.HasPrefix(e.Message, "the task is ") {
		return "この案件のいまの状況では、この手続きはできません。"
	}
	if m, err := ippo.ParseYearMonth(e.Details["closed_month"]); err == nil {
		return m.Japanese() + "はすでに締めています。「あとから記録する」に印をつけて、もう一度記録してください(次の明細で支払われます)。"
	}
	if e.Phase != "" {
		return "いまの段階(" + e.Phase.Japanese() + ")では、この手続きはできません。"
	}
	return "いまの状態では、この手続きはできません。"
}

// stepJa names a lifecycle step (as the workflow lists allowed steps).
func stepJa(s string) string {
	switch s {
	case "eligibility":
		return "利用の判定"
	case "withdrawal":
		return "利用終了の記録"
	case "contract":
		return "契約の締結"
	case "non-renewal":
		return "更新しない旨の申し出"
	case "assessments":
		return "アセスメント"
	case "graduation":
		return "卒業"
	case "handoff acknowledgement":
		return "引き継ぎの受領確認"
	}
	return s
}

func roleJa(r app.Role) string {
	switch r {
	case app.RoleViewer:
		return "閲覧"
	case app.RoleStaff:
		return "スタッフ"
	case app.RoleAdmin:
		return "管理者"
	}
	return "なし"
}

func statusJa(s string) string {
	switch s {
	case "awaiting_decision":
		return "判定待ち"
	case "waitlisted":
		return "空き待ち"
	case "awaiting_contract":
		return "契約待ち"
	case "under_contract":
		return "契約中"
	case "ending":
		return "終了予定"
	case "following_up":
		return "卒業後のフォロー中"
	case "closed":
		return "完了"
	}
	return s
}

func deadlineKindJa(s string) string {
	switch s {
	case "contract_end":
		return "契約の終了"
	case "contract_extension":
		return "契約の延長"
	case "extension_reminder":
		return "延長のお知らせ"
	case "":
		return ""
	}
	return "予定"
}

func emailStatusJa(s string) string {
	switch s {
	case "held":
		return "保留(送信設定なし)"
	case "queued":
		return "送信待ち"
	case "sending":
		return "送信中"
	case "sent":
		return "送信済み"
	case "delivered":
		return "配達済み"
	case "failed":
		return "送信できず"
	case "bounced":
		return "届かず"
	case "unknown":
		return "確認が必要"
	}
	return s
}

var timelineKinds = map[string]string{
	"applied":                   "利用の申し込み",
	"eligibility_approved":      "利用を承認",
	"eligibility_rejected":      "利用の対象外と判定",
	"place_granted":             "空きができ、契約の準備へ",
	"contract_signed":           "契約を締結",
	"contract_extended":         "契約を延長",
	"contract_ended":            "契約が終了",
	"extension_reminder_sent":   "延長のお知らせを送信",
	"withdrawn":                 "利用終了",
	"assessment_requested":      "自己評価をお願い",
	"assessment_reminder_sent":  "自己評価のお知らせを再送",
	"assessment_recorded":       "アセスメントを記録",
	"assessment_overdue":        "アセスメントの時期が過ぎています",
	"step_up_recommended":       "ステップアップを提案",
	"graduated":                 "卒業",
	"handoff_sent":              "関係機関へ引き継ぎを送信",
	"handoff_acknowledged":      "関係機関が受領を確認",
	"handoff_unacknowledged":    "引き継ぎの受領確認がまだです",
	"handoff_cancelled":         "引き継ぎを取り消し",
	"handoff_consent_withdrawn": "同意の撤回により引き継ぎを取り消し",
	"follow_up_check_in":        "卒業後のフォロー",
	"lifecycle_completed":       "支援が完了",
	"non_renewal_given":         "更新しない旨の申し出",
	"statement_issued":          "月次の明細を作成",
	"task_assigned":             "案件を依頼",
	"task_requested":            "案件の依頼をお送りしました",
	"task_declined":             "今回は見送りのお返事",
	"task_unanswered":           "お返事がないまま期限を過ぎました",
	"task_taken_by_another":     "ほかの方に決まったとお知らせ",
	"task_delivered":            "納品を記録",
	"task_closed":               "案件を完了",
	"task_cancelled":            "案件を取りやめ",
	"task_request_withdrawn":    "依頼の取りやめをお知らせ",
	"work_logged":               "作業を記録",
	"absence_reported":          "お休み・遅刻・早退の連絡",
	"other_services_recorded":   "ほかのサービスの利用日を記録",
}

var emailTemplates = map[string]string{
	"application_received":         "申し込み受付",
	"eligibility_approved":         "利用承認のお知らせ",
	"place_ready":                  "空きができたお知らせ",
	"eligibility_not_approved":     "判定結果のお知らせ",
	"contract_terms":               "契約内容",
	"extension_reminder":           "延長のお知らせ",
	"non_renewal_notice":           "契約終了のお知らせ",
	"self_assessment_request":      "自己評価のお願い",
	"assessment_overdue":           "アセスメント時期のお知らせ(スタッフ)",
	"schedule_review_suggestion":   "予定の見直しのご提案",
	"step_up_recommendation":       "ステップアップのご提案",
	"step_up_recommendation_staff": "ステップアップの提案(スタッフ)",
	"agency_handoff":               "関係機関への引き継ぎ",
	"handoff_not_acknowledged":     "引き継ぎの受領確認がまだです(スタッフ)",
	"follow_up_check_in":           "卒業後のご様子うかがい",
	"monthly_statement":            "月次の明細",
	"staff_task":                   "スタッフへのお知らせ",
}

// entryJa names one line of the timeline: steps by their kind, emails by
// their template, records (work, schedule, attendance) by what they are.
func entryJa(source, kind string) string {
	if source == "email" && !strings.HasPrefix(kind, "email_") {
		if l, ok := emailTemplates[kind]; ok {
			return "メール: " + l
		}
		return "メール"
	}
	return timelineKindJa(kind)
}

func timelineKindJa(kind string) string {
	if l, ok := timelineKinds[kind]; ok {
		return l
	}
	if strings.HasPrefix(kind, "POST ") || strings.HasPrefix(kind, "PUT ") || strings.HasPrefix(kind, "DELETE ") {
		return "操作: " + kind
	}
	if strings.HasPrefix(kind, "email_") {
		return "メールの状況: " + emailStatusJa(strings.TrimPrefix(kind, "email_"))
	}
	return kind
}

func handoffJa(s string) string {
	switch s {
	case "pending":
		return "送信待ち"
	case "sent":
		return "送信済み(受領確認待ち)"
	case "acknowledged":
		return "受領確認済み"
	case "cancelled":
		return "取り消し"
	case "consent_withdrawn":
		return "同意の撤回により取り消し"
	case "unacknowledged":
		return "受領確認がまだです(スタッフにお知らせ済み)"
	}
	return s
}
