package linkpages

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/links"
)

// selfAssessmentAction lets a worker fill in a self-assessment from the
// link in the self_assessment_request email (its Subject is the due date
// of the round that asked). It records through app.RecordAssessment, as a
// self-assessment by the worker, with the update ID "link/" + the link's
// ID, so the form sent twice is one assessment. Single use: once recorded,
// the link shows what happened. When the lifecycle refuses (the worker is
// no longer active) the page says so kindly and nothing changes; the link
// is not spent, but it can only show that page again until it expires —
// keeping it usable matters only for a refusal that can pass (Temporal
// out of reach), where trying again later is the right answer.
func (p *Pages) selfAssessmentAction() Action {
	fields := make([]Field, 0, len(ippo.Dimensions)+1)
	for _, d := range ippo.Dimensions {
		fields = append(fields, Field{Name: string(d), Label: d.Japanese(), Hint: dimensionHints[d],
			Kind: FieldRadio, Required: true, Inline: true, Options: scoreOptions})
	}
	fields = append(fields, Field{Name: "comment", Label: "ふり返って感じたこと", Kind: FieldTextarea, MaxLen: ippo.MaxNoteLength,
		Hint: "書かなくても大丈夫です。できるようになったこと、むずかしいと感じていることなど、自由にどうぞ。"})
	return Action{
		Action:   links.ActionSelfAssessment,
		Title:    "ふり返り(自己評価)の入力",
		Describe: p.describeSelfAssessment,
		Fields:   fields,
		Button:   "この内容で送る",
		Perform:  p.performSelfAssessment,
	}
}

// dimensionHints are the short explanations of the four dimensions, as the
// self_assessment_request email gives them.
var dimensionHints = map[ippo.Dimension]string{
	ippo.DimensionStability:     "予定した作業を、無理なく続けられているか",
	ippo.DimensionExecution:     "手順にそって、作業を進められているか",
	ippo.DimensionHabits:        "連絡や時間の約束など、働くうえでの習慣",
	ippo.DimensionInterpersonal: "スタッフやほかの人とのやりとり",
}

var scoreOptions = func() []Option {
	var out []Option
	for v := ippo.MinScore; v <= ippo.MaxScore; v++ {
		out = append(out, Option{Value: strconv.Itoa(v), Label: strconv.Itoa(v)})
	}
	return out
}()

func (p *Pages) describeSelfAssessment(ctx context.Context, c links.Claims) ([]string, error) {
	if err := p.selfAssessmentFits(ctx, c); err != nil {
		return nil, err
	}
	paras := []string{
		"これまでの作業をふり返って、次の4つについて、1から5の数字で、いまのご自身の感じ方に近いものを選んでください。1は「まだむずかしいと感じる」、5は「よくできていると感じる」です。",
		"正解や、よい・わるいはありません。いまのご自身をふり返り、これからの仕事を一緒に考えるためのものです。スタッフも、同じ4つについて評価をしています。",
	}
	due, err := ippo.ParseDate(c.Subject)
	if err != nil {
		return paras, nil
	}
	paras = append(paras, fmt.Sprintf("入力の期限の目安は%sです。体調がすぐれないときは、無理をせず、落ち着いてからで大丈夫です。期限を過ぎてしまっても、心配はいりません。", due.Japanese()))
	// The request and its reminder each carry a link: the second one says
	// the first was received, and still takes a changed mind.
	if on := p.selfAssessedSince(ctx, c.WorkerID, ippo.AddMonthsCivil(due, -ippo.AssessmentLeadMonths)); !on.IsZero() {
		paras = append(paras, fmt.Sprintf("この回のふり返りは、%sの分を受け付けています。あらためて入力していただく必要はありません。入力し直したいときは、このページから送っていただけます(新しいほうを使います)。", on.Japanese()))
	}
	return paras, nil
}

// selfAssessedSince returns the date of the worker's latest
// self-assessment on or after from, or zero (also when it cannot tell:
// the page is still worth showing).
func (p *Pages) selfAssessedSince(ctx context.Context, workerID string, from ippo.Date) ippo.Date {
	records, err := p.App.DB.Assessments(ctx, workerID)
	if err != nil {
		return ippo.Date{}
	}
	if _, self := ippo.Latest(records); self != nil && !self.On.Before(from) {
		return self.On
	}
	return ippo.Date{}
}

// selfAssessmentFits refuses kindly, on the read model, when the worker is
// unknown or not under contract.
func (p *Pages) selfAssessmentFits(ctx context.Context, c links.Claims) error {
	return p.workerFits(ctx, c, selfAssessmentClosed(), ippo.PhaseActive)
}

func selfAssessmentClosed() *Refusal {
	return &Refusal{
		Title: "いまは、ふり返りの入力を受け付けていません",
		Paragraphs: []string{
			"契約の期間が終わっているため、このリンクからの入力は受け付けていません。何も変わっていません。",
			"これまで、ふり返りにご協力いただき、ありがとうございました。ご用件があれば、メールでお知らせください。",
		},
	}
}

func (p *Pages) performSelfAssessment(ctx context.Context, c links.Claims, f Form) (Done, error) {
	a := ippo.Assessment{By: ippo.AssessorSelf, Comment: f["comment"]}
	for _, d := range ippo.Dimensions {
		v, _ := strconv.Atoi(f[string(d)]) // one of scoreOptions: checked
		a.Scores.Set(d, v)
	}
	if _, err := p.App.RecordAssessment(ctx, app.LinkActor(ippo.ActorWorker), c.WorkerID, "link/"+c.ID, a); err != nil {
		return Done{}, afterStep{
			// The lifecycle moved on since the page was shown: say how it stands.
			movedOn: []string{ippo.ECONFLICT, ippo.ENOTFOUND}, fits: p.selfAssessmentFits, gone: selfAssessmentClosed(),
			unread: "ふり返りを受け付けられませんでした",
			step:   "self-assessment of " + c.WorkerID,
		}.answer(ctx, c, err)
	}
	return Done{
		Title: "ふり返りを受け付けました",
		Paragraphs: []string{
			"入力していただき、ありがとうございました。",
			"スタッフの評価とあわせて、これからの仕事を一緒に考えていきます。気になることがあれば、いつでもメールでお知らせください。",
		},
	}, nil
}
