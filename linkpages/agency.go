package linkpages

import (
	"context"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/links"
)

// agencyAckAction lets a partner agency confirm that a handoff reached it,
// from the link in the agency_handoff email (its Subject is the handoff's
// ID). It records through app.AcknowledgeHandoff with actor ippo.ActorAgency
// and the update ID "link/" + the link's ID. Single use. The page speaks
// to the agency (「ご担当者様」), shows nothing about the worker and asks
// only for the confirmation: the store keeps no message from an agency,
// and anything more is for the email to the staff member named in the
// handoff. A handoff already acknowledged, withdrawn or cancelled gets a
// page that says so; one past its acknowledgement date can still be
// acknowledged (staff were told it was late, and now learn it arrived).
func (p *Pages) agencyAckAction() Action {
	return Action{
		Action:   links.ActionAgencyAck,
		Title:    "引き継ぎの受け取りのご確認",
		Describe: p.describeAgencyAck,
		Button:   "受け取りを確認しました",
		Perform:  p.performAgencyAck,
	}
}

func (p *Pages) describeAgencyAck(ctx context.Context, c links.Claims) ([]string, error) {
	h, err := p.agencyAckFits(ctx, c)
	if err != nil {
		return nil, err
	}
	paras := []string{
		"ご担当者様",
		"このたびは、当センターからの引き継ぎをお受けいただき、ありがとうございます。",
		"お送りした引き継ぎのメールが届いていましたら、下のボタンを押して、受け取りをご確認ください。確認は一度で済みます。",
	}
	if h.Status == ippo.HandoffUnacknowledged {
		paras = append(paras, fmt.Sprintf("ご確認の目安の日(%s)は過ぎていますが、いまからでもご確認いただけます。", h.AckBy.Japanese()))
	}
	paras = append(paras, "このページには、ご本人の情報は表示していません。引き継ぎの内容は、お送りしたメールをご覧ください。")
	return paras, nil
}

// agencyAckFits reads the handoff and refuses kindly when it is not the
// link's, or no longer awaits an acknowledgement.
func (p *Pages) agencyAckFits(ctx context.Context, c links.Claims) (ippo.Handoff, error) {
	h, err := p.App.DB.Handoff(ctx, c.Subject)
	switch {
	case ippo.ErrorCode(err) == ippo.ENOTFOUND || (err == nil && h.WorkerID != c.WorkerID):
		// Unknown, or its record deleted when its retention ended.
		return h, &Refusal{Title: "このリンクは使えません",
			Paragraphs: []string{"このリンクの引き継ぎが見つかりませんでした。何も変わっていません。ご不明な点は、引き継ぎのメールに記載の担当者へ、メールでお問い合わせください。"}}
	case err != nil:
		return h, err
	}
	return h, agencyAckRefusal(h)
}

// agencyAckRefusal says why a handoff takes no acknowledgement, or returns
// nil if it does.
func agencyAckRefusal(h ippo.Handoff) error {
	switch h.Status {
	case ippo.HandoffAcknowledged:
		paras := []string{"この引き継ぎの受け取りは、すでにご確認いただいています。あらためて操作していただく必要はありません。"}
		if h.AcknowledgedAt != nil {
			paras[0] = fmt.Sprintf("この引き継ぎの受け取りは、%s にご確認いただいています。あらためて操作していただく必要はありません。", japaneseTime(*h.AcknowledgedAt))
		}
		paras = append(paras, "ご協力いただき、ありがとうございました。")
		return &Refusal{Title: "受け取りは確認済みです", Paragraphs: paras}
	case ippo.HandoffConsentWithdrawn, ippo.HandoffCancelled:
		return &Refusal{
			Title: "この引き継ぎは取りやめになりました",
			Paragraphs: []string{
				"この引き継ぎは取りやめになったため、受け取りのご確認は必要ありません。何も変わっていません。",
				"お送りした情報の取り扱いについては、当センターの担当者から、あらためてメールでご連絡します。",
			},
		}
	case ippo.HandoffSent, ippo.HandoffUnacknowledged:
		return nil
	}
	return &Refusal{Title: "いまは、受け取りのご確認を受け付けていません",
		Paragraphs: []string{"この引き継ぎは、まだ受け取りのご確認を受け付ける段階ではありません。何も変わっていません。ご不明な点は、当センターへメールでお問い合わせください。"}}
}

func (p *Pages) performAgencyAck(ctx context.Context, c links.Claims, _ Form) (Done, error) {
	if _, err := p.agencyAckFits(ctx, c); err != nil {
		return Done{}, err
	}
	res, err := p.App.AcknowledgeHandoff(ctx, app.LinkActor(ippo.ActorAgency), c.WorkerID, c.Subject, "link/"+c.ID, "")
	if err != nil {
		return Done{}, afterStep{
			// The handoff moved on since the page was shown (a consent
			// withdrawn, the lifecycle completed): say how it stands now.
			movedOn: []string{ippo.ECONFLICT, ippo.ENOTFOUND, ippo.EINVALID},
			fits:    refusalOnly(p.agencyAckFits),
			gone: &Refusal{Title: "いまは、受け取りのご確認を受け付けていません",
				Paragraphs: []string{"この引き継ぎの受け付けは終わっています。何も変わっていません。ご不明な点は、引き継ぎのメールに記載の担当者へ、メールでお問い合わせください。"}},
			step: "acknowledge handoff " + c.Subject,
		}.answer(ctx, c, err)
	}
	if res.Already {
		return Done{Title: "受け取りは確認済みです",
			Paragraphs: []string{"この引き継ぎの受け取りは、すでにご確認いただいていました。ありがとうございました。"}}, nil
	}
	return Done{
		Title: "受け取りのご確認、ありがとうございました",
		Paragraphs: []string{
			"ご担当者様",
			"引き継ぎの受け取りを確認しました。当センターの担当者にも伝わります。",
			"ご本人が安心して次のステップに進めるよう、どうぞよろしくお願いいたします。ご不明な点は、引き継ぎのメールに記載の担当者へ、メールでお問い合わせください。",
		},
	}, nil
}
