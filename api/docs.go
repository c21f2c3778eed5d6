package api

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

// openapiJSON serves the OpenAPI document.
func (s *Server) openapiJSON(c *gin.Context) {
	c.JSON(http.StatusOK, s.doc)
}

type docOperation struct {
	Method, Path, Summary, Description, Role string
	Params                                   []docField
	Body                                     []docField
}

type docField struct {
	Name, Type, Description string
	Required                bool
}

// docsPage renders the OpenAPI document as one readable page, served by
// Ippo itself (no script from a CDN: the machine may be offline).
func (s *Server) docsPage(c *gin.Context) {
	var ops []docOperation
	paths := s.doc.Paths.InMatchingOrder()
	slices.Sort(paths)
	for _, path := range paths {
		item := s.doc.Paths.Value(path)
		for method, op := range item.Operations() {
			d := docOperation{Method: method, Path: "/api/v1" + path, Summary: op.Summary, Description: op.Description}
			ginPath := "/api/v1" + strings.NewReplacer("{", ":", "}", "").Replace(path)
			d.Role = permissions[method+" "+ginPath].String()
			for _, p := range op.Parameters {
				if p.Value == nil {
					continue
				}
				d.Params = append(d.Params, docField{Name: p.Value.Name + " (" + p.Value.In + ")", Type: typeOf(p.Value.Schema),
					Description: p.Value.Description, Required: p.Value.Required})
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					d.Body = fieldsOf(mt.Schema.Value, "")
				}
			}
			ops = append(ops, d)
		}
	}
	slices.SortStableFunc(ops, func(a, b docOperation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	var buf bytes.Buffer
	codes := make([]string, 0, len(problems))
	for code := range problems {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	type problemRow struct {
		Code, Title string
		Status      int
	}
	var rows []problemRow
	for _, code := range codes {
		rows = append(rows, problemRow{code, problems[code].title, problems[code].status})
	}
	err := docsTemplate.Execute(&buf, map[string]any{
		"Title": s.doc.Info.Title, "Description": s.doc.Info.Description, "Ops": ops, "Problems": rows,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func fieldsOf(s *openapi3.Schema, prefix string) []docField {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []docField
	for _, name := range names {
		ref := s.Properties[name]
		out = append(out, docField{Name: prefix + name, Type: typeOf(ref), Description: ref.Value.Description,
			Required: slices.Contains(s.Required, name)})
		if ref.Value.Type.Is("object") && len(ref.Value.Properties) > 0 {
			out = append(out, fieldsOf(ref.Value, prefix+name+".")...)
		}
	}
	return out
}

func typeOf(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil {
		return ""
	}
	v := ref.Value
	if len(v.AllOf) == 1 {
		return typeOf(v.AllOf[0])
	}
	t := strings.Join(v.Type.Slice(), "|")
	if v.Format != "" {
		t += " (" + v.Format + ")"
	}
	if len(v.Enum) > 0 {
		t += ": " + enumList(v.Enum)
	}
	if v.Type.Is("array") && v.Items != nil {
		t += " of " + typeOf(v.Items)
	}
	return t
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h2{margin-top:2.5rem;border-top:1px solid #ddd;padding-top:1rem;font-size:1.1rem}
code,.m{font-family:ui-monospace,monospace}.m{font-weight:bold;margin-right:.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
.role{color:#666;font-size:.85rem}pre{white-space:pre-wrap}
</style></head><body>
<h1>{{.Title}}</h1>
<pre>{{.Description}}</pre>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
{{range .Ops}}
<h2 id="{{.Method}}{{.Path}}"><span class="m">{{.Method}}</span><code>{{.Path}}</code></h2>
<p><strong>{{.Summary}}</strong> <span class="role">(role: {{.Role}})</span></p>
{{if .Description}}<pre>{{.Description}}</pre>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>type</th><th>required</th><th></th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<table><tr><th>body field</th><th>type</th><th>required</th><th></th></tr>
{{range .Body}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{end}}
<h2>Problems</h2>
<table><tr><th>type</th><th>status</th><th>title</th></tr>
{{range .Problems}}<tr id="problem-{{.Code}}"><td><code>{{.Code}}</code></td><td>{{.Status}}</td><td>{{.Title}}</td></tr>{{end}}</table>
</body></html>`))
