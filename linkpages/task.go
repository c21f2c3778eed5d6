package linkpages

import (
	"context"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/links"
)

// taskAnswerAction lets a worker accept or decline a client task from the
// link in the task_request email (its Subject is the task's ID). Declining
// is fine and a reason is optional; the page says so. Single use: the
// answer goes to the task's workflow with the update ID "link/" + the
// link's ID. An acceptance after someone else's is answered kindly ("taken
// by someone else"), and a task no longer asking is said plainly.
func (p *Pages) taskAnswerAction() Action {
	return Action{
		Action:   links.ActionTaskAnswer,
		Title:    "お仕事のご相談へのお返事",
		Describe: p.describeTaskAnswer,
		Fields: []Field{
			{Name: "answer", Label: "お返事", Kind: FieldRadio, Required: true, Options: []Option{
				{Value: "accept", Label: "お引き受けします"},
				{Value: "decline", Label: "今回は見送ります"},
			}},
			{Name: "reason", Label: "見送る理由", Kind: FieldTextarea, MaxLen: ippo.MaxNoteLength,
				Hint: "書かなくても大丈夫です。書いていただいた場合は、センターの担当者だけが読みます。"},
		},
		Check: func(form Form) map[string]string {
			if form["answer"] == "accept" && form["reason"] != "" {
				return map[string]string{"reason": "お引き受けの場合は、空欄のままにしてください。"}
			}
			return nil
		},
		Button:  "お返事を送る",
		Perform: p.performTaskAnswer,
	}
}

func (p *Pages) describeTaskAnswer(ctx context.Context, c links.Claims) ([]string, error) {
	t, err := p.taskAnswerFits(ctx, c)
	if err != nil {
		return nil, err
	}
	paras := []string{fmt.Sprintf("%sのお仕事について、お引き受けいただけるかどうかを教えてください。", ippo.TaskTypeJapanese(t.Type))}
	if !t.DueOn.IsZero() {
		paras = append(paras, fmt.Sprintf("納期は%sです。内容や報酬は、お送りしたメールに書いてあります。", t.DueOn.Japanese()))
	}
	paras = append(paras, "お断りいただいても、まったく問題ありません。理由を書いていただく必要もありません。お断りが、これからのご案内に影響することはありません。")
	return paras, nil
}

// taskAnswerFits reads the task and refuses kindly when it no longer asks.
func (p *Pages) taskAnswerFits(ctx context.Context, c links.Claims) (ippo.ClientTask, error) {
	t, err := p.App.DB.ClientTask(ctx, c.Subject)
	switch {
	case ippo.ErrorCode(err) == ippo.ENOTFOUND:
		return t, notFound("お仕事")
	case err != nil:
		return t, err
	}
	switch t.Status {
	case ippo.TaskRequested:
		return t, nil
	case ippo.TaskCancelled:
		return t, &Refusal{Title: "このお仕事は取りやめになりました",
			Paragraphs: []string{"このお仕事は、依頼元の都合で取りやめになりました。お返事は必要ありません。ご検討いただき、ありがとうございました。"}}
	case ippo.TaskAssigned, ippo.TaskDelivered, ippo.TaskClosed:
		if t.Assignee == c.WorkerID {
			return t, &Refusal{Title: "お引き受けいただいています",
				Paragraphs: []string{"このお仕事は、すでにお引き受けいただいています。あらためて操作していただく必要はありません。"}}
		}
		return t, &Refusal{Title: "このお仕事は、ほかの方にお願いすることになりました",
			Paragraphs: []string{"ご検討いただき、ありがとうございました。お返事は必要ありません。また合いそうなお仕事があれば、ご案内します。"}}
	}
	return t, &Refusal{Title: "いまは、お返事を受け付けていません",
		Paragraphs: []string{"このお仕事は、いまはお返事を受け付けていません。何も変わっていません。ご用件があれば、メールでお知らせください。"}}
}

func (p *Pages) performTaskAnswer(ctx context.Context, c links.Claims, form Form) (Done, error) {
	if _, err := p.taskAnswerFits(ctx, c); err != nil {
		return Done{}, err
	}
	accept := form["answer"] == "accept"
	res, err := p.App.AnswerTask(ctx, app.LinkActor(ippo.ActorWorker), c.Subject, "link/"+c.ID,
		app.Answer{WorkerID: c.WorkerID, Accept: accept, Reason: form["reason"]})
	if err != nil {
		return Done{}, afterStep{
			movedOn: []string{ippo.ECONFLICT, ippo.EINVALID},
			fits:    refusalOnly(p.taskAnswerFits),
			gone: &Refusal{Title: "いまは、お返事を受け付けられません",
				Paragraphs: []string{"お仕事の状況が変わったため、受け付けられませんでした。何も変わっていません。ご用件があれば、メールでお知らせください。"}},
			step: "answer task " + c.Subject,
		}.answer(ctx, c, err)
	}
	switch {
	case !accept:
		return Done{Title: "お返事を受け付けました",
			Paragraphs: []string{"今回は見送りとして、センターに伝えました。お知らせいただき、ありがとうございました。",
				"また合いそうなお仕事があれば、ご案内します。"}}, nil
	case res.Taken:
		return Done{Title: "このお仕事は、ほかの方にお願いすることになりました",
			Paragraphs: []string{"ひと足早く、ほかの方にお引き受けいただいていました。せっかくお返事いただいたのに、ごめんなさい。",
				"また合いそうなお仕事があれば、ご案内します。"}}, nil
	}
	return Done{Title: "お引き受けいただき、ありがとうございます",
		Paragraphs: []string{"お仕事をお願いすることになりました。作業の進め方は、センターの担当者からメールでご連絡します。",
			"体調に合わせて、無理のないペースで進めてください。困ったときは、いつでもメールでお知らせください。"}}, nil
}
