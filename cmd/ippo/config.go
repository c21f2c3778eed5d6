package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ippo-center/ippo/codec"
	"github.com/ippo-center/ippo/mail"
	ippoworker "github.com/ippo-center/ippo/worker"
)

// config is Ippo's configuration, read from the environment. Every
// variable is documented here and in README.md.
type config struct {
	// IPPO_HTTP_ADDR: where the API listens (default :8080).
	HTTPAddr string
	// DATABASE_URL: PostgreSQL (default: the cluster `make dev` runs).
	DatabaseURL string
	// TEMPORAL_ADDRESS (default localhost:7233) and TEMPORAL_NAMESPACE (default "default").
	TemporalAddress   string
	TemporalNamespace string
	// IPPO_TASK_QUEUE: the Temporal task queue (default "ippo").
	TaskQueue string
	// IPPO_MONTH_LENGTH: a Go duration; one policy month lasts this long
	// (a day a thirtieth of it). Unset in production.
	MonthLength time.Duration
	// IPPO_BOOTSTRAP_ADMIN_TOKEN: an admin token created at start if missing,
	// for a fresh installation.
	BootstrapAdminToken string
	// IPPO_BOOTSTRAP_ADMIN_NAME: the person who holds the bootstrap admin
	// token, as emails name them (unset: a token of no one's; emails name
	// the center).
	BootstrapAdminName string
	// SENDGRID_API_KEY: send email through SendGrid; unset keeps every email
	// in the outbox. SENDGRID_API_HOST points the client elsewhere (a fake).
	SendGridAPIKey  string
	SendGridAPIHost string
	// SENDGRID_WEBHOOK_PUBLIC_KEY: the Event Webhook's verification key
	// (base64 DER, from SendGrid's settings); unset refuses every event.
	SendGridWebhookKey string
	// IPPO_MAIL_FROM / IPPO_MAIL_FROM_NAME / IPPO_MAIL_REPLY_TO: the sender.
	MailFrom     string
	MailFromName string
	MailReplyTo  string
	// IPPO_PUBLIC_URL: the base of links in emails (default http://localhost:8080).
	PublicURL string
	// IPPO_LINK_SECRET: the key that signs links in emails (32+ bytes).
	LinkSecret string
	// IPPO_LOG_LEVEL: debug, info (default), warn, error.
	LogLevel slog.Level
	// IPPO_TRUSTED_PROXIES: the reverse proxies in front of Ippo, as IPs or
	// CIDRs separated by commas; their X-Forwarded-For names the client of
	// the link pages' rate limit. Unset: none is trusted.
	TrustedProxies []string
	// IPPO_PAYLOAD_KEYS: the keys that encrypt what Ippo hands to Temporal,
	// "id:base64,id:base64" (32 random bytes each); the first encrypts, all
	// decrypt. Unset: payloads go to Temporal unencrypted (a warning says so).
	PayloadKeys []codec.Key
	// IPPO_TEMPORAL_UI_ORIGIN: the Temporal Web UI's origin (such as
	// https://temporal.example.jp), the only one the codec endpoint answers
	// cross-origin. Unset: no cross-origin request is allowed.
	TemporalUIOrigin string
	// IPPO_WORKER_WORKFLOW_POLLERS, IPPO_WORKER_ACTIVITY_POLLERS,
	// IPPO_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
	// IPPO_WORKER_MAX_CONCURRENT_ACTIVITIES, IPPO_WORKER_STICKY_CACHE_SIZE:
	// the Temporal worker's tuning (defaults: worker.DefaultTuning).
	Tuning ippoworker.Tuning
}

func loadConfig() (config, error) {
	c := config{
		HTTPAddr:            env("IPPO_HTTP_ADDR", ":8080"),
		DatabaseURL:         env("DATABASE_URL", "postgres://postgres@127.0.0.1:55432/ippo?sslmode=disable"),
		TemporalAddress:     env("TEMPORAL_ADDRESS", "localhost:7233"),
		TemporalNamespace:   env("TEMPORAL_NAMESPACE", "default"),
		TaskQueue:           env("IPPO_TASK_QUEUE", "ippo"),
		BootstrapAdminToken: os.Getenv("IPPO_BOOTSTRAP_ADMIN_TOKEN"),
		BootstrapAdminName:  strings.TrimSpace(os.Getenv("IPPO_BOOTSTRAP_ADMIN_NAME")),
		SendGridAPIKey:      os.Getenv("SENDGRID_API_KEY"),
		SendGridAPIHost:     env("SENDGRID_API_HOST", "https://api.sendgrid.com"),
		SendGridWebhookKey:  os.Getenv("SENDGRID_WEBHOOK_PUBLIC_KEY"),
		MailFrom:            env("IPPO_MAIL_FROM", "noreply@digikama.example.jp"),
		MailFromName:        env("IPPO_MAIL_FROM_NAME", "デジタル就労支援センターKAMAKURA"),
		MailReplyTo:         env("IPPO_MAIL_REPLY_TO", "staff@digikama.example.jp"),
		PublicURL:           strings.TrimRight(env("IPPO_PUBLIC_URL", "http://localhost:8080"), "/"),
		LinkSecret:          os.Getenv("IPPO_LINK_SECRET"),
		TemporalUIOrigin:    strings.TrimRight(os.Getenv("IPPO_TEMPORAL_UI_ORIGIN"), "/"),
		Tuning:              ippoworker.DefaultTuning,
	}
	keys, err := codec.ParseKeys(os.Getenv(codec.EnvKeys))
	if err != nil {
		return c, fmt.Errorf("%s: %w", codec.EnvKeys, err)
	}
	c.PayloadKeys = keys
	if o := c.TemporalUIOrigin; o != "" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
		return c, fmt.Errorf("IPPO_TEMPORAL_UI_ORIGIN=%q: want an origin such as https://temporal.example.jp", o)
	}
	for _, n := range []struct {
		name string
		into *int
	}{
		{"IPPO_WORKER_WORKFLOW_POLLERS", &c.Tuning.WorkflowPollers},
		{"IPPO_WORKER_ACTIVITY_POLLERS", &c.Tuning.ActivityPollers},
		{"IPPO_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", &c.Tuning.MaxConcurrentWorkflowTasks},
		{"IPPO_WORKER_MAX_CONCURRENT_ACTIVITIES", &c.Tuning.MaxConcurrentActivities},
		{"IPPO_WORKER_STICKY_CACHE_SIZE", &c.Tuning.StickyCacheSize},
	} {
		v := os.Getenv(n.name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 1 || i > 1_000_000 {
			return c, fmt.Errorf("%s=%q: want a whole number from 1 to 1000000", n.name, v)
		}
		*n.into = i
	}
	// The SDK needs at least two workflow pollers (one for the sticky queue).
	if c.Tuning.WorkflowPollers < 2 {
		return c, fmt.Errorf("IPPO_WORKER_WORKFLOW_POLLERS=%d: at least 2 (one polls the worker's sticky queue)", c.Tuning.WorkflowPollers)
	}
	if s := os.Getenv("IPPO_MONTH_LENGTH"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("IPPO_MONTH_LENGTH=%q: want a positive Go duration such as 30s or 10m", s)
		}
		if d < 3*time.Second {
			return c, fmt.Errorf("IPPO_MONTH_LENGTH=%q: at least 3s, so a program day (a thirtieth) is 100ms or more", s)
		}
		c.MonthLength = d
	}
	for p := range strings.SplitSeq(os.Getenv("IPPO_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return c, fmt.Errorf("IPPO_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR such as 10.0.0.0/8", p)
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("IPPO_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("IPPO_LOG_LEVEL: %w", err)
	}
	if k := c.SendGridWebhookKey; k != "" {
		if _, err := mail.ParseWebhookKey(k); err != nil {
			return c, fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY: %w (copy the verification key from SendGrid's Event Webhook settings)", err)
		}
	}
	if t := c.BootstrapAdminToken; t != "" && len(t) < 16 {
		return c, fmt.Errorf("IPPO_BOOTSTRAP_ADMIN_TOKEN: use at least 16 characters")
	}
	return c, nil
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
