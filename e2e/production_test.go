package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ippo-center/ippo"
	"github.com/ippo-center/ippo/codec"
	"github.com/ippo-center/ippo/workflows"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"
)

func newPayloadKey(t *testing.T, id string) string {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// TestProductionShape runs Ippo as it runs in production: the Temporal
// server v1.29.1 on PostgreSQL (not the dev server), `ippo api` and two
// `ippo worker` processes started apart on one task queue, payloads
// encrypted. Three workers go from intake through a contract, two
// extensions and the center's non-renewal. Mid-run one worker process is
// killed with SIGKILL and the payload key is rolled (a new worker process
// encrypts with a new key): every lifecycle still extends on its dates,
// every email is written once, Temporal's database holds none of the
// people's data, and the histories, written under both keys, replay and
// decode with the rolled key set.
//
// It runs alone, before the parallel tests (it is not parallel): a
// Temporal server and four processes would crowd the compressed clocks of
// the others on a two-core machine.
func TestProductionShape(t *testing.T) {
	c := startCluster(t, "ippo")
	oldKey, newKey := newPayloadKey(t, "e2e-old"), newPayloadKey(t, "e2e-new")
	queue := "prod-" + uuid.NewString()
	const uiOrigin = "http://temporal-ui.test:8233"
	env := func(keys ...string) []string {
		return []string{"TEMPORAL_NAMESPACE=" + c.Namespace, "IPPO_TASK_QUEUE=" + queue,
			"IPPO_PAYLOAD_KEYS=" + strings.Join(keys, ","), "IPPO_TEMPORAL_UI_ORIGIN=" + uiOrigin,
			"IPPO_WORKER_STICKY_CACHE_SIZE=100"}
	}
	// Step one of rolling a key (deploy/RUNBOOK.md): every process knows
	// the new key, the old one still encrypts.
	api := start(t, options{command: "api", monthLength: "6s", temporal: c.Address, env: env(oldKey, newKey)})
	workerA := start(t, options{command: "worker", monthLength: "6s", temporal: c.Address, databaseURL: api.dbURL, env: env(oldKey, newKey)})
	workerB := start(t, options{command: "worker", monthLength: "6s", temporal: c.Address, databaseURL: api.dbURL, env: env(oldKey, newKey)})

	type person struct{ id, name, kana, email, reason, body string }
	people := []person{
		{name: "鎌倉 花子", kana: "かまくら はなこ", email: "hanako.prod@example.jp", reason: "センターの事業計画の見直しのため"},
		{name: "由比 太郎", kana: "ゆい たろう", email: "taro.prod@example.jp", reason: "受託業務の縮小に伴うため"},
		{name: "腰越 雪", kana: "こしごえ ゆき", email: "yuki.prod@example.jp", reason: "拠点の統合を予定しているため", body: "湘南・横浜若者サポートステーション"},
	}
	ends := map[string][3]ippo.Date{}
	for i := range people {
		pp := &people[i]
		body := applicant(pp.email)
		body["name"], body["name_kana"] = pp.name, pp.kana
		if pp.body != "" {
			delete(body, "recognized_by_doctor")
			delete(body, "disability_types")
			body["category"] = "hikikomori"
			body["supporting_body"] = pp.body
			body["withdrawn_since"] = "2024-01-01"
		}
		pp.id = api.do("POST", "/api/v1/applicants", body, http.StatusCreated)["id"].(string)
		path := "/api/v1/workers/" + pp.id
		api.do("POST", path+"/eligibility", map[string]any{"decision": "approve"}, http.StatusOK)
		signed := api.do("POST", path+"/contract", map[string]any{}, http.StatusOK)
		end1, err := ippo.ParseDate(signed["term_end"].(string))
		require.NoError(t, err)
		end2 := ippo.AddMonthsCivil(end1.AddDays(1), 3)
		end3 := ippo.AddMonthsCivil(end2.AddDays(1), 3)
		ends[pp.id] = [3]ippo.Date{end1, end2, end3}
		api.do("POST", path+"/contract/non-renewal", map[string]any{"by": "center", "ends_on": end3.String(), "reason": pp.reason}, http.StatusOK)
	}

	// Mid-run, before the first extension: one worker process dies
	// without a chance to finish anything, and a new one starts that
	// encrypts with the new key (step two of the roll).
	api.eventually(5*time.Minute, "the first lifecycle near its first extension", func() bool {
		kinds := anys(api.timelineKinds(people[0].id))
		return contains(kinds, "extension_reminder_sent") || contains(kinds, "contract_extended")
	})
	require.NoError(t, workerA.cmd.Process.Kill())
	<-workerA.done
	start(t, options{command: "worker", monthLength: "6s", temporal: c.Address, databaseURL: api.dbURL, env: env(newKey, oldKey)})

	for _, pp := range people {
		path := "/api/v1/workers/" + pp.id
		api.eventually(5*time.Minute, "the contract of "+pp.id+" to end", func() bool {
			return api.do("GET", path, nil, http.StatusOK)["phase"] == "ended"
		})
		w := api.do("GET", path, nil, http.StatusOK)
		require.EqualValues(t, 2, w["extensions"])
		e := ends[pp.id]
		require.Equal(t, e[2].String(), w["contract_end"])
		// Each extension on its date: the term after the last.
		var terms []string
		for _, item := range api.do("GET", path+"/timeline", nil, http.StatusOK)["items"].([]any) {
			if m := item.(map[string]any); m["kind"] == "contract_extended" {
				b, _ := json.Marshal(m)
				terms = append(terms, string(b))
			}
		}
		require.Len(t, terms, 2)
		require.Contains(t, terms[0], fmt.Sprintf(`"term_start":"%s"`, e[0].AddDays(1)))
		require.Contains(t, terms[0], fmt.Sprintf(`"term_end":"%s"`, e[1]))
		require.Contains(t, terms[1], fmt.Sprintf(`"term_start":"%s"`, e[1].AddDays(1)))
		require.Contains(t, terms[1], fmt.Sprintf(`"term_end":"%s"`, e[2]))
		// The steps in order. Reminders are the steps that may be missing:
		// one whose day passed while a lifecycle waited (for the killed
		// process's activity to time out, or on a loaded machine: a day of
		// this compressed program lasts 0.2 s) is not sent after the fact.
		kinds := api.timelineKinds(pp.id)
		optional := []string{"assessment_reminder_sent", "extension_reminder_sent"}
		require.Equal(t, []string{
			"applied", "eligibility_approved", "contract_signed", "non_renewal_given",
			"assessment_requested", "assessment_overdue",
			"contract_extended", "contract_extended", "contract_ended",
		}, without(kinds, optional...))
		reminders := len(kinds) - len(without(kinds, optional...))
		require.LessOrEqual(t, reminders, 3)
		// Every email once: a step retried on another worker process
		// wrote and sent nothing twice. (The assessment reminder is a
		// second self_assessment_request.)
		api.eventually(30*time.Second, "every email", func() bool {
			emails := api.lifecycleEmails(pp.id)
			return len(emails) >= 8+reminders && settled(emails)
		})
		emails := api.lifecycleEmails(pp.id)
		keys := map[string]bool{}
		for _, e := range emails {
			require.False(t, keys[e["key"].(string)], "email %s twice", e["key"])
			keys[e["key"].(string)] = true
			require.Equal(t, "held", e["status"])
		}
		sent := templates(emails)
		require.Len(t, sent, 8+reminders, "one email per step: %v", sent)
		require.Equal(t, []string{
			"application_received", "eligibility_approved", "contract_terms", "non_renewal_notice",
			"assessment_overdue", "contract_terms", "contract_terms",
		}, without(sent, "extension_reminder", "self_assessment_request"))
	}

	// What Temporal stored, read straight from its PostgreSQL databases:
	// the workflow ids are there, the people are not, and neither is any
	// workflow input in the clear.
	var secrets []string
	for _, pp := range people {
		secrets = append(secrets, pp.name, pp.kana, pp.email, pp.reason)
		if pp.body != "" {
			secrets = append(secrets, pp.body)
		}
	}
	stored := temporalBytes(t, c)
	for _, pp := range people {
		require.True(t, bytes.Contains(stored, []byte("worker/"+pp.id)), "the scan reads Temporal's tables")
		require.False(t, bytes.Contains(stored, []byte(`"WorkerID":"`+pp.id)), "a workflow input is stored in the clear")
	}
	require.True(t, bytes.Contains(stored, []byte(codec.Encoding)))
	for _, s := range append(secrets, "mental", "hikikomori") {
		require.False(t, bytes.Contains(stored, []byte(s)), "Temporal's database holds %q", s)
	}

	// After the roll, the histories (under both keys) replay with the
	// rolled key set, and decode through the codec endpoint; without the
	// old key they do not.
	raw := c.Client(t, client.Options{})
	rolled := mustCodec(t, newKey, oldKey)
	keyIDs := map[string]bool{}
	for _, pp := range people {
		hists := histories(t, raw, "worker/"+pp.id)
		require.NotEmpty(t, hists)
		for _, h := range hists {
			for _, id := range payloadKeyIDs(t, h) {
				keyIDs[id] = true
			}
			require.NoError(t, replay(t, h, rolled), "replay with the rolled keys")
		}
		first := hists[0].Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
		require.NotNil(t, first)
		in, err := protojson.Marshal(first)
		require.NoError(t, err)
		status, body := api.raw("POST", "/codec/"+c.Namespace+"/decode", string(in), true, "Origin", uiOrigin)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var out commonpb.Payloads
		require.NoError(t, protojson.Unmarshal(body, &out))
		require.Len(t, out.Payloads, 1)
		require.Equal(t, "json/plain", string(out.Payloads[0].Metadata[converter.MetadataEncoding]))
		require.Contains(t, string(out.Payloads[0].Data), `"WorkerID":"`+pp.id+`"`, "decoded by the endpoint")
		status, _ = api.raw("POST", "/codec/"+c.Namespace+"/decode", string(in), false, "Origin", uiOrigin)
		require.Equal(t, http.StatusUnauthorized, status)
		status, _ = api.raw("POST", "/codec/"+c.Namespace+"/decode", string(in), true, "Origin", "http://elsewhere.test")
		require.Equal(t, http.StatusForbidden, status)
	}
	require.Equal(t, map[string]bool{"e2e-old": true, "e2e-new": true}, keyIDs, "payloads under both keys")
	// Proof the replay can fail: with only the new key, the old payloads do not open.
	var failed bool
	for _, pp := range people {
		for _, h := range histories(t, raw, "worker/"+pp.id) {
			if replay(t, h, mustCodec(t, newKey)) != nil {
				failed = true
			}
		}
	}
	require.True(t, failed, "histories under the old key need the old key")

	// A worker process serves the SDK's metrics for Prometheus, and
	// nothing of the API.
	status, body := workerB.raw("GET", "/metrics", nil, false)
	require.Equal(t, http.StatusOK, status)
	for _, m := range []string{"temporal_workflow_task_execution_latency", "temporal_activity_execution_latency", "temporal_sticky_cache_size"} {
		require.Contains(t, string(body), m)
	}
	status, _ = workerB.raw("GET", "/api/v1/workers", nil, true)
	require.Equal(t, http.StatusNotFound, status)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func mustCodec(t *testing.T, keys ...string) *codec.Codec {
	t.Helper()
	ks, err := codec.ParseKeys(strings.Join(keys, ","))
	require.NoError(t, err)
	return codec.New(ks...)
}

// histories returns every run of a workflow, as stored (no codec).
func histories(t *testing.T, c client.Client, workflowID string) []*historypb.History {
	t.Helper()
	ctx := context.Background()
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = '%s'", workflowID),
	})
	require.NoError(t, err)
	var out []*historypb.History
	for _, ex := range resp.Executions {
		h := &historypb.History{}
		it := c.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, 0)
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			h.Events = append(h.Events, e)
		}
		out = append(out, h)
	}
	return out
}

// payloadKeyIDs lists the key ids of a history's payloads.
func payloadKeyIDs(t *testing.T, h *historypb.History) []string {
	t.Helper()
	var ids []string
	require.NoError(t, proxy.VisitPayloads(context.Background(), h, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			for _, p := range ps {
				if string(p.Metadata[converter.MetadataEncoding]) == codec.Encoding {
					ids = append(ids, string(p.Metadata[codec.MetadataKeyID]))
				}
			}
			return ps, nil
		},
	}))
	return ids
}

func replay(t *testing.T, h *historypb.History, c *codec.Codec) error {
	t.Helper()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter: c.DataConverter(), FailureConverter: c.FailureConverter(),
	})
	require.NoError(t, err)
	r.RegisterWorkflowWithOptions(workflows.Lifecycle, workflow.RegisterOptions{Name: workflows.LifecycleWorkflow})
	return r.ReplayWorkflowHistory(nil, h)
}

// temporalBytes reads every text and binary column of every table in the
// cluster's databases, as stored.
func temporalBytes(t *testing.T, c *cluster) []byte {
	t.Helper()
	ctx := context.Background()
	var all bytes.Buffer
	for _, url := range c.Databases {
		conn, err := pgx.Connect(ctx, url)
		require.NoError(t, err)
		rows, err := conn.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
			WHERE table_schema = 'public' AND data_type IN ('bytea', 'text', 'character varying', 'jsonb', 'json')`)
		require.NoError(t, err)
		type col struct{ table, column, typ string }
		var cols []col
		for rows.Next() {
			var c col
			require.NoError(t, rows.Scan(&c.table, &c.column, &c.typ))
			cols = append(cols, c)
		}
		require.NoError(t, rows.Err())
		require.NotEmpty(t, cols)
		for _, c := range cols {
			expr := pgx.Identifier{c.column}.Sanitize()
			if c.typ != "bytea" {
				expr = "convert_to(" + expr + "::text, 'UTF8')"
			}
			rows, err := conn.Query(ctx, "SELECT "+expr+" FROM "+pgx.Identifier{c.table}.Sanitize()+" WHERE "+pgx.Identifier{c.column}.Sanitize()+" IS NOT NULL")
			require.NoError(t, err)
			for rows.Next() {
				var b []byte
				require.NoError(t, rows.Scan(&b))
				all.Write(b)
				all.WriteByte(0)
			}
			require.NoError(t, rows.Err())
		}
		conn.Close(ctx)
	}
	return all.Bytes()
}
