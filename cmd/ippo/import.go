package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/app"
	"github.com/ippo-center/ippo/postgres"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// errRefused makes `ippo import` exit 1 when some rows were refused, so a
// script notices; the refusals are on stdout.
var errRefused = errors.New("some rows were refused")

// importWorkers is `ippo import [-encoding auto|utf-8|shift_jis] [-check]
// [-parallel n] FILE` (FILE - reads stdin): it brings in the workers a
// center already has under contract (app.App.Import) and prints each
// refusal by row and column, in Japanese.
func importWorkers(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	encoding := fs.String("encoding", app.EncodingAuto, "the file's encoding: auto, utf-8 or shift_jis")
	check := fs.Bool("check", false, "only check the file; import nothing")
	parallel := fs.Int("parallel", 8, "rows imported at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: ippo import [-encoding auto|utf-8|shift_jis] [-check] [-parallel n] FILE (- for stdin)")
	}
	var (
		data []byte
		err  error
	)
	if name := fs.Arg(0); name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return fmt.Errorf("read import file: %w", err)
	}

	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	clock, err := db.Clock(ctx, cfg.MonthLength)
	if err != nil {
		return err
	}
	tc, err := client.Dial(client.Options{
		HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
		Logger: tlog.NewStructuredLogger(log.With("component", "temporal")),
	})
	if err != nil {
		return fmt.Errorf("temporal client: %w", err)
	}
	defer tc.Close()

	a := &app.App{DB: db, Temporal: tc, TaskQueue: cfg.TaskQueue, Clock: clock, Log: log}
	progress := newProgress(os.Stderr)
	start := time.Now()
	res, err := a.Import(ctx, app.Actor{ID: "import"}, data, app.ImportOptions{
		Encoding: *encoding, Check: *check, Parallel: *parallel, Progress: progress.update,
	})
	progress.finish()
	for _, p := range res.Problems {
		fmt.Println(p.String())
	}
	var invalid *ippo.Error
	if errors.As(err, &invalid) && invalid.Code == ippo.EINVALID {
		for _, f := range invalid.Fields {
			fmt.Println("ファイル:", f.Message)
		}
		return errRefused
	}
	if err != nil {
		return err
	}
	verb, n := "取り込みました", res.Imported
	if *check {
		verb, n = "取り込めます（確認のみ）", res.Rows-res.Refused-res.Unchanged
	}
	fmt.Printf("%d行: %d人を%s、%d人は取り込み済みで変わりません、%d行は取り込めませんでした（%.1f秒）\n",
		res.Rows, n, verb, res.Unchanged, res.Refused, time.Since(start).Seconds())
	if res.Refused > 0 {
		return errRefused
	}
	return nil
}

// progress draws a bar on a terminal and prints a line every tenth
// otherwise (a log file or a pipe gets no carriage returns).
type progress struct {
	w        *os.File
	terminal bool
	last     int // the last tenth or percent shown
	shown    bool
}

func newProgress(w *os.File) *progress {
	fi, err := w.Stat()
	return &progress{w: w, terminal: err == nil && fi.Mode()&os.ModeCharDevice != 0, last: -1}
}

func (p *progress) update(done, total int) {
	if total == 0 {
		return
	}
	pct := done * 100 / total
	if p.terminal {
		if pct == p.last && done != total {
			return
		}
		p.last, p.shown = pct, true
		const width = 30
		fill := width * done / total
		fmt.Fprintf(p.w, "\r取り込み [%s%s] %d/%d (%d%%)", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, pct)
		return
	}
	if tenth := pct / 10; tenth != p.last {
		p.last = tenth
		fmt.Fprintf(p.w, "import: %d/%d rows (%d%%)\n", done, total, pct)
	}
}

func (p *progress) finish() {
	if p.terminal && p.shown {
		fmt.Fprintln(p.w)
	}
}
