package e2e_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ippo-center/ippo/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// readyz returns /readyz's status and the parts it names as down.
func (p *instance) readyz() (int, []any) {
	status, body := p.raw("GET", "/readyz", nil, false)
	var r struct {
		Down []any `json:"down"`
	}
	_ = json.Unmarshal(body, &r)
	return status, r.Down
}

// TestWaitsForTemporalAndPostgres: started while Temporal is down, ippo
// stays up, /readyz names Temporal, and once a Temporal server appears on
// its address ippo becomes ready and takes applicants. Started against a
// PostgreSQL that does not answer, /readyz names it (and ippo itself,
// which waits for its migrations).
func TestWaitsForTemporalAndPostgres(t *testing.T) {
	t.Parallel()
	cli := os.Getenv("IPPO_TEMPORAL_CLI")
	if cli == "" {
		t.Skip("IPPO_TEMPORAL_CLI is not set")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there yet

	p := start(t, options{temporal: addr, unready: true})
	p.eventually(20*time.Second, "readyz to name temporal", func() bool {
		status, down := p.readyz()
		return status == http.StatusServiceUnavailable && len(down) == 1 && down[0] == "temporal"
	})
	status, _ := p.raw("GET", "/healthz", nil, false)
	require.Equal(t, http.StatusOK, status)
	time.Sleep(2 * time.Second)
	select {
	case <-p.done:
		t.Fatal("ippo exited while Temporal was down")
	default:
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{HostPort: addr, Namespace: "default"},
		LogLevel:      "error",
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.PhaseAttribute.ValueSet(""), workflows.NextDeadlineAttribute.ValueSet(time.Time{})),
	})
	require.NoError(t, err)
	defer srv.Stop()
	p.eventually(60*time.Second, "ready once Temporal is up", func() bool {
		status, _ := p.readyz()
		return status == http.StatusOK
	})
	w := p.do("POST", "/api/v1/applicants", applicant("late@example.jp"), http.StatusCreated)
	p.eventually(20*time.Second, "the worker to poll and the lifecycle to run", func() bool {
		return len(p.timelineKinds(w["id"].(string))) > 0
	})

	// PostgreSQL out of reach: named, and ippo keeps running.
	q := start(t, options{databaseURL: "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", unready: true})
	q.eventually(20*time.Second, "readyz to name postgres", func() bool {
		status, down := q.readyz()
		return status == http.StatusServiceUnavailable && contains(down, "postgres") && contains(down, "ippo")
	})
	require.NoError(t, q.cmd.Process.Signal(syscall.Signal(0)), "still running")
}

func contains(xs []any, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
