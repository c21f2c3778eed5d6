package main

import (
	"context"
	"log/slog"

	"github.com/ippo-center/ippo/mail/sendgridfake"
)

// sendgridFake runs the SendGrid fake for `make dev SENDGRID=fake`: every
// email Ippo sends arrives there (GET /fake/messages) and nowhere else.
func sendgridFake(ctx context.Context, log *slog.Logger) error {
	addr := env("IPPO_SENDGRID_FAKE_ADDR", "127.0.0.1:9025")
	f := sendgridfake.New(env("SENDGRID_API_KEY", "SG.fake-development-key"))
	srv, err := f.Start(addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	log.Info("sendgrid fake listening", "url", srv.URL, "messages", srv.URL+"/fake/messages", "webhook_public_key", f.WebhookPublicKey())
	<-ctx.Done()
	return nil
}
