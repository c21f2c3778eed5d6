package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/ippo-center/ippo/mail/sendgridfake"
)

// sendgridFake runs the SendGrid fake for `make dev SENDGRID=fake`: every
// email Ippo sends arrives there (GET /fake/messages) and nowhere else.
//
// IPPO_SENDGRID_FAKE_ADDR: where it listens (default 127.0.0.1:9025).
// IPPO_SENDGRID_FAKE_EVENTS_URL: Ippo's Event Webhook; when set, the fake
// posts signed events for every accepted message there, as SendGrid would
// (configure Ippo with SENDGRID_WEBHOOK_PUBLIC_KEY from GET
// /fake/webhook-public-key; make dev does).
// IPPO_SENDGRID_FAKE_EVENTS: the events posted (default processed,delivered).
func sendgridFake(ctx context.Context, log *slog.Logger) error {
	addr := env("IPPO_SENDGRID_FAKE_ADDR", "127.0.0.1:9025")
	f := sendgridfake.New(env("SENDGRID_API_KEY", "SG.fake-development-key"))
	if url := env("IPPO_SENDGRID_FAKE_EVENTS_URL", ""); url != "" {
		var events []string
		for e := range strings.SplitSeq(env("IPPO_SENDGRID_FAKE_EVENTS", "processed,delivered"), ",") {
			if e = strings.TrimSpace(e); e != "" {
				events = append(events, e)
			}
		}
		f.AutoEvents(url, events...)
		log.Info("sendgrid fake posts events", "url", url, "events", strings.Join(events, ","))
	}
	srv, err := f.Start(addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	log.Info("sendgrid fake listening", "url", srv.URL, "messages", srv.URL+"/fake/messages", "webhook_public_key", f.WebhookPublicKey())
	<-ctx.Done()
	return nil
}
