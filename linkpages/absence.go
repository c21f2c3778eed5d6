package linkpages

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/links"
	"github.com/ippo-center/ippo/postgres"
)

// absenceAction lets a worker report an absence, a late start or an early
// leave (一報) from the link in the contract-terms and monthly-statement
// emails, any time, the reason optional.
//
// Single use does not fit: a worker may rest more than once in a term, and
// one link serves the whole term (its Subject is the last day it is meant
// for; it expires then). The action is Reusable: the link stays valid
// until it expires and each submitted form records one absence. A double
// click, a reload or a retried POST of the same form carries the same form
// nonce, so it is one use and records one absence; the absence's ID is
// derived from the use (absenceID), so even a use taken over after a
// crash records nothing twice (postgres.RecordAbsenceOnce).
func (p *Pages) absenceAction() Action {
	kinds := []ippo.AbsenceKind{ippo.AbsenceAbsent, ippo.AbsenceLate, ippo.AbsenceEarlyLeave}
	options := make([]Option, len(kinds))
	for i, k := range kinds {
		options[i] = Option{Value: string(k), Label: k.Japanese()}
	}
	return Action{
		Action:   links.ActionAbsence,
		Title:    "お休み・遅れて開始・早めに終了のご連絡",
		Reusable: true,
		Describe: p.describeAbsence,
		Prefill: func(context.Context, links.Claims) Form {
			return Form{"date": p.today().String()}
		},
		Fields: []Field{
			{Name: "date", Label: "日付", Kind: FieldDate, Required: true,
				Hint: "過ぎた日のことでも、先の日のことでも大丈夫です。"},
			{Name: "kind", Label: "お知らせの内容", Kind: FieldRadio, Required: true, Options: options},
			{Name: "time", Label: "時刻", Kind: FieldTime, RequiredWhen: "遅れて開始・早めに終了のとき",
				Hint: "遅れて開始するときは始める時刻を、早めに終了するときは終える時刻を入れてください。お休みのときは空けたままで大丈夫です。"},
			{Name: "reason", Label: "理由や、伝えておきたいこと", Kind: FieldTextarea, MaxLen: ippo.MaxNoteLength,
				Hint: "書かなくても大丈夫です。"},
		},
		Check:   p.checkAbsence,
		Button:  "送る",
		Perform: p.performAbsence,
	}
}

// absenceDateWindow bounds how far from today a notice's date may be: a
// notice is for a day near now, and a year typed wrong should be caught
// before it is recorded.
const absenceDateWindow = 366

func (p *Pages) describeAbsence(ctx context.Context, c links.Claims) ([]string, error) {
	if err := p.absenceFits(ctx, c); err != nil {
		return nil, err
	}
	paras := []string{
		"体調がすぐれない日は、無理をせずに休んでください。休むことは、長く続けるために大切なことです。",
		"お休み、遅れて開始すること、早めに終了することを、ここから一報いただけます。理由を書かなくても大丈夫です。",
	}
	if until, err := ippo.ParseDate(c.Subject); err == nil {
		paras = append(paras, fmt.Sprintf("このリンクは、%sまで何度でも使えます。", until.Japanese()))
	}
	return paras, nil
}

// absenceFits refuses kindly when the worker is unknown or no longer
// under contract.
func (p *Pages) absenceFits(ctx context.Context, c links.Claims) error {
	return p.workerFits(ctx, c, absenceClosed(), ippo.PhaseOnboarding, ippo.PhaseActive)
}

func absenceClosed() *Refusal {
	return &Refusal{
		Title: "いまは、このリンクからのお知らせを受け付けていません",
		Paragraphs: []string{
			"契約の期間が終わっているため、お休みなどのお知らせは必要ありません。何も変わっていません。",
			"ご用件があれば、メールでお知らせください。",
		},
	}
}

// checkAbsence checks what the fields cannot alone: a time for a late
// start or an early leave, and a date near today.
func (p *Pages) checkAbsence(f Form) map[string]string {
	problems := map[string]string{}
	kind := ippo.AbsenceKind(f["kind"])
	if f["time"] == "" {
		switch kind {
		case ippo.AbsenceLate:
			problems["time"] = "遅れて開始するときは、始める時刻を入れてください。"
		case ippo.AbsenceEarlyLeave:
			problems["time"] = "早めに終了するときは、終える時刻を入れてください。"
		}
	}
	today, on := p.today(), f.Date("date")
	if on.Before(today.AddDays(-absenceDateWindow)) || on.After(today.AddDays(absenceDateWindow)) {
		problems["date"] = fmt.Sprintf("日付を確かめてください。今日(%s)の前後1年のあいだの日付を選んでください。", today.Japanese())
	}
	return problems
}

// absenceOf reads the checked form. A time given with a day off is left
// out (the form has one time field for every choice).
func absenceOf(f Form) ippo.Absence {
	a := ippo.Absence{Date: f.Date("date"), Kind: ippo.AbsenceKind(f["kind"]), Reason: f["reason"]}
	switch a.Kind {
	case ippo.AbsenceLate:
		a.From = f.Time("time")
	case ippo.AbsenceEarlyLeave:
		a.Until = f.Time("time")
	}
	return a
}

// absenceNamespace derives an absence's ID from the link use that sent it.
var absenceNamespace = uuid.MustParse("6a1f3c2e-8d4b-4e57-9b0a-2c7d5e9f1a34")

// absenceID is the ID of the absence a link use records: the same use,
// acted on again, finds it recorded.
func absenceID(useID string) string {
	return uuid.NewSHA1(absenceNamespace, []byte("link/"+useID)).String()
}

func (p *Pages) performAbsence(ctx context.Context, c links.Claims, f Form) (Done, error) {
	r, _, err := p.App.DB.RecordAbsenceOnce(ctx, absenceID(c.ID), c.WorkerID, absenceOf(f), ippo.ActorWorker)
	if err != nil {
		return Done{}, afterStep{
			// Unknown worker, or no longer onboarding or active: say how it stands.
			movedOn: []string{ippo.ENOTFOUND, ippo.ECONFLICT}, fits: p.absenceFits, gone: absenceClosed(),
			// The form's checks match ippo.ValidateAbsence: EINVALID is a bug.
			unread: "お知らせを受け付けられませんでした",
			step:   "record absence of " + c.WorkerID,
		}.answer(ctx, c, err)
	}
	return absenceDone(r), nil
}

// absenceDone thanks the worker and says what was recorded; its title is
// also what the used-form page repeats.
func absenceDone(r postgres.AbsenceRecord) Done {
	var title, body string
	switch r.Kind {
	case ippo.AbsenceLate:
		title = fmt.Sprintf("%s、%sから開始することを受け付けました", r.Date.Japanese(), r.From)
		body = "遅れて始める日も、無理のない範囲で大丈夫です。"
	case ippo.AbsenceEarlyLeave:
		title = fmt.Sprintf("%s、%sで終了することを受け付けました", r.Date.Japanese(), r.Until)
		body = "早めに終える日も、無理のない範囲で大丈夫です。"
	default:
		title = fmt.Sprintf("%sのお休みを受け付けました", r.Date.Japanese())
		body = "ゆっくり休んでください。体調が戻ってから、またご自身のペースで始めてください。"
	}
	return Done{
		Title: title,
		Paragraphs: []string{
			"お知らせいただき、ありがとうございます。" + body,
			"ほかの日のことを知らせるときは、メールのリンクをもう一度開いてください。",
		},
	}
}
