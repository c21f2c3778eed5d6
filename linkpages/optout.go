package linkpages

import (
	"context"
	"errors"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/links"
)

// optOutAction lets a worker decline the next extension of their contract
// from the link in the contract-terms and extension-reminder emails. The
// link's Subject is the last day of the term it was sent for; the opt-out
// ends the contract on that day (workflows.EndContract, By worker), so an
// old link can never end a later term.
func (p *Pages) optOutAction() Action {
	return Action{
		Action:   links.ActionOptOut,
		Title:    "契約を延長しないことのお申し出",
		Describe: p.describeOptOut,
		Button:   "延長しないことを申し出る",
		Perform:  p.performOptOut,
	}
}

func (p *Pages) describeOptOut(ctx context.Context, c links.Claims) ([]string, error) {
	end, w, err := p.optOutFits(ctx, c)
	if err != nil {
		return nil, err
	}
	return []string{
		fmt.Sprintf("いまの契約は%sまでです。何もしなければ、%sから自動的に延長されます。続ける場合は、何もしていただく必要はありません。",
			end.Japanese(), end.AddDays(1).Japanese()),
		"延長を希望しない場合は、下のボタンを押してください。理由を書いていただく必要はありません。",
		fmt.Sprintf("お申し出のあとも、%sまでは、これまでどおり作業していただけます。まだ決めていなくても大丈夫です。%sまでなら、いつでもこのページから申し出ることができます。",
			w.ContractEnd.Japanese(), end.Japanese()),
	}, nil
}

// optOutFits checks, on the read model, that the link's term is the
// worker's current one and that no end has been set: otherwise it returns
// the refusal that says so.
func (p *Pages) optOutFits(ctx context.Context, c links.Claims) (ippo.Date, ippo.Worker, error) {
	end, err := ippo.ParseDate(c.Subject)
	if err != nil {
		return end, ippo.Worker{}, &Refusal{Title: "このリンクは使えません",
			Paragraphs: []string{"このリンクからは、お申し出を受け付けられません。何も変わっていません。ご用件があれば、メールでお知らせください。"}}
	}
	w, err := p.App.DB.Worker(ctx, c.WorkerID)
	if ippo.ErrorCode(err) == ippo.ENOTFOUND {
		return end, w, notFound("契約")
	}
	if err != nil {
		return end, w, err
	}
	return end, w, optOutRefusal(w, end)
}

// optOutRefusal says kindly why an opt-out does not fit the worker's
// standing, or returns nil if it does.
func optOutRefusal(w ippo.Worker, end ippo.Date) error {
	switch {
	case w.Phase == ippo.PhaseActive && !w.EndsOn.IsZero():
		return &Refusal{
			Title: "契約の終わる日は、もう決まっています",
			Paragraphs: []string{
				fmt.Sprintf("契約は%sで終わることになっていて、延長はされません。あらためてお申し出いただく必要はありません。", w.EndsOn.Japanese()),
				fmt.Sprintf("%sまでは、これまでどおり作業していただけます。", w.EndsOn.Japanese()),
			},
		}
	case w.Phase != ippo.PhaseActive:
		return &Refusal{
			Title:      "このお申し出は、いまは受け付けていません",
			Paragraphs: []string{"契約の手続きは、すでに終わっています。何も変わっていません。ご不明な点があれば、メールでお知らせください。"},
		}
	case w.ContractEnd != end:
		return &Refusal{
			Title: "このリンクは前の契約期間のものです",
			Paragraphs: []string{
				fmt.Sprintf("いまの契約は%sまでです。このリンクからは、お申し出を受け付けられません。何も変わっていません。", w.ContractEnd.Japanese()),
				"延長を希望しない場合は、新しいメールのリンクを使うか、メールでお知らせください。",
			},
		}
	}
	return nil
}

func (p *Pages) performOptOut(ctx context.Context, c links.Claims, _ Form) (Done, error) {
	end, w, err := p.optOutFits(ctx, c)
	var refusal *Refusal
	if errors.As(err, &refusal) && w.Phase == ippo.PhaseActive && w.EndsOn.IsZero() && w.ContractEnd.After(end) &&
		!p.App.Clock.Today(submittedAt(ctx)).After(end) {
		// Submitted in time, applied after the extension (its first
		// attempt could not finish): the lifecycle decides on the day it
		// was submitted.
		err = nil
	}
	if err != nil {
		return Done{}, err
	}
	// The link's ID makes a repeated attempt (a claim taken over after a
	// crash) the same step.
	res, err := p.App.OptOut(ctx, c.WorkerID, c.ID, end, submittedAt(ctx))
	if err != nil {
		return Done{}, afterStep{
			// The contract moved on since the read model was read: say how it stands now.
			movedOn: []string{ippo.ECONFLICT, ippo.EINVALID},
			fits: func(ctx context.Context, c links.Claims) error {
				if now, rerr := p.App.DB.Worker(ctx, c.WorkerID); rerr == nil {
					return optOutRefusal(now, end)
				}
				return nil
			},
			gone: &Refusal{Title: "このお申し出は、いまは受け付けられません",
				Paragraphs: []string{"契約の状況が変わったため、受け付けられませんでした。何も変わっていません。ご用件があれば、メールでお知らせください。"}},
			step: "opt out " + c.WorkerID,
		}.answer(ctx, c, err)
	}
	ends := res.EndsOn
	if ends.IsZero() {
		ends = end
	}
	return Done{
		Title: "お申し出を受け付けました",
		Paragraphs: []string{
			fmt.Sprintf("契約は%sで終わり、延長はされません。", ends.Japanese()),
			fmt.Sprintf("%sまでは、これまでどおり作業していただけます。体調に合わせて、無理のないペースで続けてください。", ends.Japanese()),
			"お知らせいただき、ありがとうございました。わからないことがあれば、メールでお知らせください。",
		},
	}, nil
}
