package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/activities"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/codec"
	"github.com/ippo-center/ippo/console"
	"github.com/ippo-center/ippo/linkpages"
	"github.com/ippo-center/ippo/postgres"
	ippoworker "github.com/ippo-center/ippo/worker"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
)

// run serves the API, runs the worker, or both, until ctx ends. It does
// not exit when PostgreSQL or Temporal is down: /readyz says which, and it
// keeps trying.
func run(ctx context.Context, cfg config, log *slog.Logger, withAPI, withWorker bool) error {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	payloads := codec.New(cfg.PayloadKeys...)
	if payloads.Encrypts() {
		log.Info("payloads to Temporal are encrypted", "key_ids", payloads.KeyIDs())
	} else {
		log.Warn("IPPO_PAYLOAD_KEYS is unset: payloads reach Temporal unencrypted")
	}
	tc, err := client.NewLazyClient(client.Options{
		HostPort:         cfg.TemporalAddress,
		Namespace:        cfg.TemporalNamespace,
		Logger:           tlog.NewStructuredLogger(log.With("component", "temporal")),
		MetricsHandler:   temporalMetrics(registry),
		DataConverter:    payloads.DataConverter(),
		FailureConverter: payloads.FailureConverter(),
	})
	if err != nil {
		return fmt.Errorf("temporal client: %w", err)
	}
	defer tc.Close()

	// The staff console and the signed-link pages share the API's listener
	// and the application layer; the link pages are served on the API's
	// engine (request IDs, logs, metrics, trusted proxies).
	ap := &app.App{DB: db, Temporal: tc, TaskQueue: cfg.TaskQueue, Log: log}
	pages := linkpages.New(ap, linkpages.Contact{Name: cfg.MailFromName, Email: cfg.MailReplyTo})
	srv := &api.Server{DB: db, Temporal: tc, TaskQueue: cfg.TaskQueue, Log: log, Metrics: registry, TrustedProxies: cfg.TrustedProxies,
		Codec:     api.CodecOptions{Codec: payloads, Namespace: cfg.TemporalNamespace, UIOrigin: cfg.TemporalUIOrigin},
		Email:     api.EmailOptions{WebhookKey: cfg.SendGridWebhookKey},
		LinkPages: pages}
	con, err := console.New(ap)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	var httpSrv *http.Server
	{
		// The API; or, in a worker-only process, its health and the SDK's
		// metrics (for probes and Prometheus).
		h := srv.OpsHandler()
		if withAPI {
			if h, err = srv.Handler(); err != nil {
				return err
			}
			h = con.Mount(h)
		}
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
		}
		// Time-outs, so a slow or stalled client cannot hold a connection:
		// a body is at most 1 MiB, and no answer takes a minute (a step
		// waits seconds for its lifecycle; a month's CSV streams quickly).
		httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 90 * time.Second, IdleTimeout: 2 * time.Minute}
		log.Info("http listening", "addr", ln.Addr().String(), "api", withAPI)
		go func() {
			if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}

	clock, err := prepare(ctx, cfg, db, log)
	if err != nil {
		return shutdown(httpSrv, nil, log, err)
	}
	var acts *activities.Activities
	if err := retry(ctx, log, "wire activities", func() (err error) {
		acts, err = newActivities(ctx, cfg, db)
		return err
	}); err != nil {
		return shutdown(httpSrv, nil, log, err)
	}
	acts.Clock = clock
	srv.Start(clock)
	ap.Clock = clock // before Start: the console and the link pages read it once open
	con.Start()
	pages.Start(acts.Links)
	if clock.Compressed() {
		log.Info("compressed program clock", "month_length", clock.MonthLength.String(), "program_today", clock.Today(time.Now()).String())
	}

	var w sdkworker.Worker
	if withWorker {
		// A worker whose Start failed cannot be started again: each try
		// builds a new one.
		if err := retry(ctx, log, "start temporal worker", func() error {
			w = ippoworker.New(tc, cfg.TaskQueue, acts, cfg.Tuning)
			if err := w.Start(); err != nil {
				w = nil
				return err
			}
			return nil
		}); err != nil {
			return shutdown(httpSrv, nil, log, err)
		}
		log.Info("worker polling", "task_queue", cfg.TaskQueue, "namespace", cfg.TemporalNamespace,
			"workflow_pollers", cfg.Tuning.WorkflowPollers, "activity_pollers", cfg.Tuning.ActivityPollers,
			"max_workflow_tasks", cfg.Tuning.MaxConcurrentWorkflowTasks, "max_activities", cfg.Tuning.MaxConcurrentActivities,
			"sticky_cache", cfg.Tuning.StickyCacheSize)
		if acts.Sender != nil {
			// The lifecycles' emails, queued with their steps, are
			// delivered here, outside every workflow.
			d := &activities.Dispatcher{A: acts, Log: log.With("component", "dispatcher")}
			dctx, stop := context.WithCancel(context.WithoutCancel(ctx))
			done := make(chan struct{})
			go func() { defer close(done); d.Run(dctx) }()
			defer func() { stop(); <-done }()
		}
		// The worker owns the schedules its workflows run on (the monthly close).
		if err := retry(ctx, log, "ensure temporal schedules", func() error {
			return ippoworker.EnsureSchedules(ctx, tc, cfg.TaskQueue, clock)
		}); err != nil {
			return shutdown(httpSrv, w, log, err)
		}
	}

	select {
	case <-ctx.Done():
		return shutdown(httpSrv, w, log, nil)
	case err := <-errc:
		return shutdown(httpSrv, w, log, err)
	}
}

// temporalMetrics reports the Temporal SDK's metrics (workflow and activity
// task latencies, failures, poller counts) into the Prometheus registry
// served at /metrics, through tally as Temporal's samples do.
func temporalMetrics(reg *prometheus.Registry) client.MetricsHandler {
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: reg})
	scope, _ := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, 10*time.Second)
	return sdktally.NewMetricsHandler(scope)
}

// prepare waits for a migrated database, then reads the program clock and
// stores the bootstrap admin token.
func prepare(ctx context.Context, cfg config, db *postgres.DB, log *slog.Logger) (ippo.Clock, error) {
	var clock ippo.Clock
	err := retry(ctx, log, "prepare database", func() error {
		if err := db.CheckSchema(ctx); err != nil {
			return err
		}
		c, err := db.Clock(ctx, cfg.MonthLength)
		if err != nil {
			return err
		}
		if t := cfg.BootstrapAdminToken; t != "" {
			err := db.EnsureToken(ctx, postgres.Token{ID: uuid.NewString(), Name: "bootstrap admin", DisplayName: cfg.BootstrapAdminName,
				Role: "admin", CreatedBy: "IPPO_BOOTSTRAP_ADMIN_TOKEN"}, t)
			if err != nil {
				return err
			}
		}
		clock = c
		return nil
	})
	return clock, err
}

// retry calls fn until it succeeds or ctx ends, backing off to 10 s.
func retry(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	wait := 500 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		log.Warn("will retry", "step", what, "error", err.Error(), "in", wait.String())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}

// shutdown lets in-flight requests finish and stops the worker polling.
func shutdown(httpSrv *http.Server, w sdkworker.Worker, log *slog.Logger, cause error) error {
	log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if httpSrv != nil {
		if err := httpSrv.Shutdown(ctx); err != nil {
			log.Error("http shutdown", "error", err.Error())
		}
	}
	if w != nil {
		w.Stop()
	}
	return cause
}
