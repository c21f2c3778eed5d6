package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/ippo-center/ippo/api"
	"github.com/ippo-center/ippo/internal/testkit"
	"github.com/stretchr/testify/require"
)

// Raw JSON tokens thrown at every string and every number of every request
// body. Each must be refused (4xx) and change nothing.
var (
	junkStrings = map[string]string{
		"NUL":                `"a\u0000b"`,
		"escape":             `"a\u001b[31mb"`,
		"lone surrogate":     `"a\ud800b"`,
		"lone low surrogate": `"\udc00"`,
		"right-to-left mark": `"a\u200fb"`,
		"RTL override":       `"abc\u202etxt.exe"`,
		"invalid UTF-8":      "\"a\xffb\"",
	}
	junkNumbers = map[string]string{
		"2^31":         `2147483648`,
		"-2^31-1":      `-2147483649`,
		"2^63":         `9223372036854775808`,
		"1e308":        `1e308`,
		"beyond float": `1e400`,
		"a fraction":   `0.5e-400`,
	}
)

// TestJunkOnEveryWrite walks the OpenAPI document and throws NUL bytes,
// out-of-range numbers, lone surrogates, bidirectional marks and trailing
// data at every field of every write route, and junk at every query
// parameter of every route: no answer is a 5xx, none is a success, and no
// table changes (every table the catalog lists, compared by content).
func TestJunkOnEveryWrite(t *testing.T) {
	e := newEnv(t)
	worker := e.json("staff", "POST", "/api/v1/applicants", testkit.Applicant("junk@example.jp"), 201)["id"].(string)
	e.settle(worker, 1)
	doc, err := api.GetSwagger()
	require.NoError(t, err)
	today := time.Now().In(time.FixedZone("Asia/Tokyo", 9*3600)).Format(time.DateOnly)

	before := testkit.Snapshot(e.t, e.db)
	writes, requests := 0, 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			concrete := "/api/v1" + path
			concrete = strings.ReplaceAll(concrete, "/workers/{id}", "/workers/"+worker)
			for _, p := range []string{"{id}", "{handoff_id}"} {
				concrete = strings.ReplaceAll(concrete, p, uuid.NewString())
			}
			send := func(name, target, body string, headers ...string) {
				t.Helper()
				requests++
				rec := e.call("admin", method, target, body, headers...)
				require.Less(t, rec.Code, 500, "%s %s (%s): %s", method, target, name, rec.Body.String())
				require.GreaterOrEqual(t, rec.Code, 400, "%s %s (%s) was accepted: %s", method, target, name, rec.Body.String())
			}

			// Query parameters, on every route.
			for _, p := range op.Parameters {
				if p.Value == nil || p.Value.In != "query" {
					continue
				}
				junk := map[string]string{"NUL": "a%00b", "encoded surrogate": "%ED%A0%80", "invalid UTF-8": "%FF", "RTL override": "%E2%80%AE"}
				if sc := p.Value.Schema; sc != nil && sc.Value != nil && (sc.Value.Type.Is("integer") || sc.Value.Type.Is("number")) {
					junk["huge"] = "99999999999999999999"
				}
				for name, raw := range junk {
					send("query "+p.Value.Name+" "+name, concrete+"?"+p.Value.Name+"="+raw, "")
				}
			}
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			media := op.RequestBody.Value.Content.Get("application/json")
			if media == nil && op.RequestBody.Value.Content.Get("text/csv") != nil {
				// POST /imports takes a CSV file: junk files are refused, never a 500.
				for name, body := range map[string]string{"NUL": "a\x00b\n", "invalid UTF-8": "\xff\xfe\x00", "empty": ""} {
					send("csv "+name, concrete, body, "Content-Type", "text/csv")
				}
				writes++
				continue
			}
			require.NotNil(t, media, "%s %s takes JSON", method, path)
			writes++
			base := sample(media.Schema.Value, today)
			baseJSON, err := json.Marshal(base)
			require.NoError(t, err)

			for name, raw := range map[string]string{"trailing words": " xyz", "a second object": "{}", "a second value": ` "x"`} {
				send(name, concrete, string(baseJSON)+raw)
			}
			send("NUL in the Idempotency-Key", concrete, string(baseJSON), "Idempotency-Key", "key\x00with-nul")
			for _, leaf := range leaves(base, "") {
				junk := junkStrings
				if leaf.number {
					junk = junkNumbers
				}
				for name, raw := range junk {
					send(leaf.path+": "+name, concrete, withRaw(t, base, leaf.path, raw))
				}
			}
			require.Equal(t, before, testkit.Snapshot(e.t, e.db), "junk sent to %s %s changed a table", method, path)
		}
	}
	require.GreaterOrEqual(t, writes, 19, "the walk reached the write routes of the document")
	t.Logf("%d write routes, %d junk requests, 0 answered 5xx, no table changed", writes, requests)
}

// sample builds a body from a schema: examples and enums where it has them,
// every property, one item per array. It need not pass the domain's rules:
// the junk in it must be refused first.
func sample(s *openapi3.Schema, today string) any {
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			return sample(sub.Value, today)
		}
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("object"):
		out := map[string]any{}
		for name, p := range s.Properties {
			if p.Value != nil {
				out[name] = sample(p.Value, today)
			}
		}
		return out
	case s.Type.Is("array"):
		if s.Items == nil || s.Items.Value == nil {
			return []any{}
		}
		return []any{sample(s.Items.Value, today)}
	case s.Type.Is("integer"):
		if s.Min != nil {
			return int(*s.Min)
		}
		return 1
	case s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min + 1
		}
		return 1.5
	case s.Type.Is("boolean"):
		return false
	}
	switch s.Format {
	case "date":
		return today
	case "uuid":
		return uuid.NewString()
	case "date-time":
		return time.Now().UTC().Format(time.RFC3339)
	}
	if s.Example != nil {
		return s.Example
	}
	return "x"
}

type leaf struct {
	path   string // a.b[0].c
	number bool
}

// leaves lists the strings and numbers of a sample body.
func leaves(v any, path string) []leaf {
	switch v := v.(type) {
	case map[string]any:
		var out []leaf
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, leaves(v[k], p)...)
		}
		return out
	case []any:
		var out []leaf
		for i, item := range v {
			out = append(out, leaves(item, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case string:
		return []leaf{{path: path}}
	case int, float64:
		return []leaf{{path: path, number: true}}
	}
	return nil
}

var pathPart = regexp.MustCompile(`[^.\[\]]+|\[\d+\]`)

// withRaw returns the body with the value at path replaced by raw JSON text
// (which json.Marshal could not write: lone surrogates, 1e400).
func withRaw(t *testing.T, body any, path, raw string) string {
	t.Helper()
	const marker = "\u2603junk\u2603"
	var copyOf any
	b, err := json.Marshal(body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &copyOf))
	parts := pathPart.FindAllString(path, -1)
	cur := copyOf
	for i, p := range parts {
		last := i == len(parts)-1
		if strings.HasPrefix(p, "[") {
			var n int
			_, err := fmt.Sscanf(p, "[%d]", &n)
			require.NoError(t, err)
			if last {
				cur.([]any)[n] = marker
			} else {
				cur = cur.([]any)[n]
			}
			continue
		}
		if last {
			cur.(map[string]any)[p] = marker
		} else {
			cur = cur.(map[string]any)[p]
		}
	}
	out, err := json.Marshal(copyOf)
	require.NoError(t, err)
	s := strings.Replace(string(out), `"`+marker+`"`, raw, 1)
	require.NotEqual(t, string(out), s, "the marker was placed at %s", path)
	return s
}
