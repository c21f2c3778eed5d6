package temporaltest

import (
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Cluster is a Temporal server v1.29.1 (the production build from
// bin/temporal-server) on the test PostgreSQL, in two databases of its
// own whose schema the SQL tool set up. The end-to-end test of the
// production shape and the throughput benchmark (P3) run on it.
type Cluster struct {
	Address   string
	Namespace string
	Databases []string // PostgreSQL URLs of its databases (persistence, visibility)
	PID       int      // the server's process, for its memory
	logs      *syncBuffer
}

// ProductionRetention is the namespace's retention for closed workflows,
// as deploy/README.md sets it: 30 days. Temporal is not Ippo's archive;
// PostgreSQL is. A record Ippo deletes (a provision record after three
// years, by its own workflow, which then closes) leaves Temporal 30 days
// later, not years after (README, "What is kept where").
const ProductionRetention = 30 * 24 * time.Hour

// StartCluster sets up the databases, starts the server, creates the
// namespace with Ippo's retention and registers the search attributes.
// IPPO_TEMPORAL_SERVER and IPPO_TEMPORAL_SQL_TOOL name the binaries (make
// test sets them); without them the test is skipped, or fails under
// IPPO_TEST_REQUIRE_INFRA.
func StartCluster(t testing.TB, namespace string) *Cluster {
	t.Helper()
	server, tool := os.Getenv("IPPO_TEMPORAL_SERVER"), os.Getenv("IPPO_TEMPORAL_SQL_TOOL")
	if server == "" || tool == "" {
		if os.Getenv("IPPO_TEST_REQUIRE_INFRA") != "" {
			t.Fatal("IPPO_TEMPORAL_SERVER and IPPO_TEMPORAL_SQL_TOOL are not set; run the tests with `make test`")
		}
		t.Skip("IPPO_TEMPORAL_SERVER and IPPO_TEMPORAL_SQL_TOOL are not set; `make test` builds the server and sets them")
	}
	admin, err := url.Parse(pgtest.URL(t))
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(admin.Host)
	require.NoError(t, err)
	password, _ := admin.User.Password()
	suffix := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	c := &Cluster{Namespace: namespace, logs: &syncBuffer{}}

	// The SQL tool creates each database and sets up its schema from the
	// schema embedded in it (the same versions the server expects).
	names := map[string]string{"temporal": "temporal_" + suffix, "visibility": "temporal_vis_" + suffix}
	for _, kind := range []string{"temporal", "visibility"} {
		db := names[kind]
		sql := func(args ...string) {
			t.Helper()
			cmd := exec.Command(tool, append([]string{"--plugin", "postgres12", "--endpoint", host, "--port", port,
				"--user", admin.User.Username(), "--db", db}, args...)...)
			cmd.Env = append(os.Environ(), "SQL_PASSWORD="+password)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "temporal-sql-tool %s: %s", strings.Join(args, " "), out)
		}
		sql("create-database")
		sql("setup-schema", "--version", "0.0")
		sql("update-schema", "--schema-name", "postgresql/v12/"+kind)
		u := *admin
		u.Path = "/" + db
		c.Databases = append(c.Databases, u.String())
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		for _, db := range names {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
		}
	})

	// One process runs the four services, each on free loopback ports.
	ports := make([]string, 9)
	for i := range ports {
		ports[i] = lowPort(t)
	}
	c.Address = "127.0.0.1:" + ports[0]
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "config"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "dynamic.yaml"), []byte(clusterDynamicConfig), 0o644))
	datastore := func(name, db string, conns int) string {
		return fmt.Sprintf(clusterDatastore, name, db, host+":"+port, admin.User.Username(), password, conns, conns)
	}
	config := fmt.Sprintf(clusterConfig,
		datastore("main", names["temporal"], 10), datastore("visibility", names["visibility"], 4),
		ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6], ports[7], ports[8],
		c.Address, filepath.Join(root, "config", "dynamic.yaml"))
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "test.yaml"), []byte(config), 0o644))
	cmd := exec.Command(server, "--root", root, "--config", "config", "--env", "test", "--allow-no-auth", "start")
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	require.NoError(t, cmd.Start())
	c.PID = cmd.Process.Pid
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("temporal server logs:\n%s", tail(c.logs.String(), 40))
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var tc client.Client
	c.await(t, ctx, done, "the Temporal server did not answer within 3 minutes", func() error {
		var err error
		if tc, err = client.Dial(client.Options{HostPort: c.Address, Namespace: namespace}); err != nil {
			return err
		}
		if _, err = tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			tc.Close()
		}
		return err
	})
	defer tc.Close()
	// As deploy/README.md tells an operator to: the namespace with the
	// retention that matches the deletion of provision records, then the
	// search attributes.
	_, err = tc.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(ProductionRetention),
	})
	require.NoError(t, err)
	ns, err := tc.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	require.NoError(t, err)
	require.Equal(t, ProductionRetention, ns.Config.WorkflowExecutionRetentionTtl.AsDuration())
	_, err = tc.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace,
		SearchAttributes: map[string]enumspb.IndexedValueType{
			"IppoPhase":        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
			"IppoNextDeadline": enumspb.INDEXED_VALUE_TYPE_DATETIME,
		},
	})
	require.NoError(t, err)
	// The namespace is usable once every service has read it.
	c.await(t, ctx, done, "the namespace "+namespace+" did not become usable", func() error {
		_, err := tc.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: "IppoPhase = 'active'",
		})
		return err
	})
	return c
}

// await calls try every 200 ms until it succeeds. It fails t with late
// and try's last error when ctx ends first, and with the server's last
// log lines when the server exits (exited closes).
func (c *Cluster) await(t testing.TB, ctx context.Context, exited <-chan struct{}, late string, try func() error) {
	t.Helper()
	for {
		err := try()
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("the Temporal server exited: %s", tail(c.logs.String(), 40))
		case <-ctx.Done():
			t.Fatalf("%s: %v", late, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lowPort returns a free loopback port below 32768: the server keeps its
// membership ports in a smallint column, and the kernel's ephemeral ports
// (freePort's) are above it.
func lowPort(t testing.TB) string {
	t.Helper()
	for range 1000 {
		port := strconv.Itoa(20000 + mathrand.IntN(12000))
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}

// Client dials the cluster with options (no codec unless they add one)
// and closes the client when the test ends.
func (c *Cluster) Client(t testing.TB, o client.Options) client.Client {
	t.Helper()
	o.HostPort, o.Namespace = c.Address, c.Namespace
	tc, err := client.Dial(o)
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	return tc
}

// clusterConfig is the server's configuration: the shape of
// deploy/temporal/config/production.yaml on the test's ports and databases.
const clusterConfig = `
log:
  stdout: true
  level: error
persistence:
  defaultStore: main
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:%s%s
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: { grpcPort: %s, membershipPort: %s, bindOnLocalHost: true, httpPort: %s }
  matching:
    rpc: { grpcPort: %s, membershipPort: %s, bindOnLocalHost: true }
  history:
    rpc: { grpcPort: %s, membershipPort: %s, bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: %s, membershipPort: %s, bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: %s
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: %s
  pollInterval: 10s
`

// clusterDatastore is one of clusterConfig's datastores: its name, its
// database, address, user and password, and its connections.
const clusterDatastore = `
    %s:
      sql:
        pluginName: postgres12
        databaseName: %s
        connectAddr: %s
        connectProtocol: tcp
        user: %s
        password: %q
        maxConns: %d
        maxIdleConns: %d
        maxConnLifetime: 1h`

// clusterDynamicConfig: what production needs (deploy/temporal) and, for a
// test, namespaces read without the usual ten-second cache.
const clusterDynamicConfig = `
frontend.enableUpdateWorkflowExecution:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
