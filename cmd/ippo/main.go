// Command ippo runs Ippo: the staff API, the Temporal worker, or both in one
// process (the small-installation default), and database migrations.
//
//	ippo serve     API and worker in one process (default)
//	ippo api       the API only
//	ippo worker    the Temporal worker only
//	ippo migrate   apply database migrations
//	ippo import    bring in the workers a center already has under contract (a CSV)
//	ippo seed      load the program's data (policy, partner agencies); idempotent
//	ippo sendgrid-fake  a local fake of SendGrid's API for development (127.0.0.1:9025)
//
// Configuration comes from environment variables; see config.go and README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ippo-center/ippo/postgres"
)

func main() {
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ippo:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "serve":
		err = run(ctx, cfg, log, true, true)
	case "api":
		err = run(ctx, cfg, log, true, false)
	case "worker":
		err = run(ctx, cfg, log, false, true)
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "seed":
		err = seed(ctx, cfg)
	case "import":
		err = importWorkers(ctx, cfg, log, os.Args[2:])
	case "sendgrid-fake":
		err = sendgridFake(ctx, log)
	case "help", "-h", "--help":
		fmt.Println("usage: ippo [serve|api|worker|migrate|seed|import|sendgrid-fake]")
		return
	default:
		err = fmt.Errorf("unknown command %q; usage: ippo [serve|api|worker|migrate|seed|import|sendgrid-fake]", cmd)
	}
	if errors.Is(err, errRefused) {
		os.Exit(1) // the refusals are printed
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("ippo stopped", "command", cmd, "error", err.Error())
		os.Exit(1)
	}
}

func migrate(ctx context.Context, cfg config, log *slog.Logger) error {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Migrate(ctx)
	for _, r := range res {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "ms", r.Duration.Milliseconds())
	}
	return err
}

func seed(ctx context.Context, cfg config) error {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Seed(ctx)
}
