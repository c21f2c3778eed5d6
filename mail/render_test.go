package mail

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ippo-center/ippo"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden renders every sample and compares it with
// testdata/golden/<name>.txt (subject and text) and <name>.html.
// Run `go test ./mail -run TestGolden -update` after changing wording, and
// read the diff.
func TestGolden(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			r, err := Render(s.data)
			require.NoError(t, err)
			golden(t, s.name+".txt", "Subject: "+r.Subject+"\n\n"+r.Text)
			golden(t, s.name+".html", r.HTML)
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./mail -run TestGolden -update")
	require.Equal(t, string(want), got, "differs from %s; if the change is intended, rerun with -update", path)
}

// TestNoStaleGoldenFiles keeps testdata/golden in step with the samples.
func TestNoStaleGoldenFiles(t *testing.T) {
	want := map[string]bool{}
	for _, s := range samples() {
		want[s.name+".txt"], want[s.name+".html"] = true, true
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	require.NoError(t, err)
	for _, e := range entries {
		require.True(t, want[e.Name()], "testdata/golden/%s belongs to no sample", e.Name())
	}
}

// TestEveryTemplateIsComplete reads the Template constants from the source,
// so a new constant without its files, its catalog entry or a sample fails
// here.
func TestEveryTemplateIsComplete(t *testing.T) {
	consts := templateConstants(t)
	require.NotEmpty(t, consts)
	require.ElementsMatch(t, consts, Templates(), "every Template constant must be in the catalog, once")

	sampled := map[Template]bool{}
	for _, s := range samples() {
		sampled[s.data.Template()] = true
	}
	for _, tm := range consts {
		for _, ext := range []string{".txt", ".html"} {
			_, err := fs.Stat(files, "templates/"+string(tm)+ext)
			require.NoError(t, err, "%s needs templates/%s%s", tm, tm, ext)
		}
		require.NoError(t, registry[tm].err, "%s does not parse", tm)
		require.NotEmpty(t, tm.Audience(), "%s needs an audience", tm)
		require.True(t, sampled[tm], "%s needs a sample in samples_test.go", tm)
	}

	// And no template file without a constant.
	entries, err := fs.ReadDir(files, "templates")
	require.NoError(t, err)
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".txt"), ".html")
		if name == "layout" {
			continue
		}
		require.Contains(t, consts, Template(name), "templates/%s has no Template constant", e.Name())
	}
}

// templateConstants parses render.go for the constants of type Template.
func templateConstants(t *testing.T) []Template {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "render.go", nil, 0)
	require.NoError(t, err)
	var out []Template
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Template" {
				continue
			}
			for _, val := range v.Values {
				lit := val.(*ast.BasicLit)
				s, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				out = append(out, Template(s))
			}
		}
	}
	return out
}

// TestEveryDataStructHasOneTemplate: each data struct names a distinct
// template, so two structs can never share (and overwrite) wording.
func TestEveryDataStructHasOneTemplate(t *testing.T) {
	byType := map[reflect.Type]Template{}
	byTemplate := map[Template]reflect.Type{}
	for _, s := range samples() {
		typ, tm := reflect.TypeOf(s.data), s.data.Template()
		if prev, ok := byType[typ]; ok {
			require.Equal(t, prev, tm)
		}
		if prev, ok := byTemplate[tm]; ok {
			require.Equal(t, prev, typ)
		}
		byType[typ], byTemplate[tm] = tm, typ
	}
	require.Len(t, byTemplate, len(Templates()))
}

func TestRenderShape(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			r, err := Render(s.data)
			require.NoError(t, err)
			require.NotEmpty(t, r.Subject)
			require.NotContains(t, r.Subject, "\n")
			if s.data.Template().Audience() == AudienceStaff {
				require.True(t, strings.HasPrefix(r.Subject, "【Ippo】"), r.Subject)
			} else {
				require.True(t, strings.HasPrefix(r.Subject, "【デジKAMA】"), r.Subject)
			}
			require.True(t, strings.HasSuffix(r.Text, "\n") && !strings.HasSuffix(r.Text, "\n\n"))
			require.NotContains(t, r.Text, "\n\n\n")
			require.True(t, strings.HasPrefix(r.HTML, "<!DOCTYPE html>\n<html lang=\"ja\">"))
			require.Contains(t, r.HTML, "<title>"+htmlEscape(r.Subject)+"</title>")
			for _, out := range []string{r.Subject, r.Text, r.HTML} {
				require.NotContains(t, out, "<no value>")
				require.NotContains(t, out, "%!")
				require.NotContains(t, out, "{{")
				require.NotContains(t, out, "ZgotmplZ", "html/template refused a value")
				require.NotContains(t, out, "0年0月", "a zero date leaked")
				require.NotContains(t, out, "1年1月1日", "a zero date leaked")
			}
		})
	}
}

// TestFooterByAudience: workers are told a written reply is enough; staff
// get no center signature.
func TestFooterByAudience(t *testing.T) {
	for _, s := range samples() {
		r, err := Render(s.data)
		require.NoError(t, err)
		switch s.data.Template().Audience() {
		case AudienceWorker:
			require.Contains(t, r.Text, "お電話をいただく必要はありません", s.name)
			require.Contains(t, r.HTML, "お電話をいただく必要はありません", s.name)
			require.Contains(t, r.Text, center.Email, s.name)
		case AudienceStaff:
			require.Contains(t, r.Text, "一歩(Ippo)が自動で送っています", s.name)
			require.NotContains(t, r.Text, center.Email, s.name)
		default:
			require.Contains(t, r.Text, center.Email, s.name)
			require.NotContains(t, r.Text, "お電話", s.name)
		}
	}
}

// hostile is a value a person might type that must not become markup.
const hostile = `<script>alert("x")</script>&<b>'`

// TestHTMLEscapesUserStrings puts markup into every free-text field of
// every sample: the HTML shows it as text, the plain text keeps it as is.
func TestHTMLEscapesUserStrings(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			d := fill(t, s.data, func(field string) string { return hostile })
			r, err := Render(d)
			require.NoError(t, err)
			require.NotContains(t, r.HTML, "<script>")
			require.NotContains(t, r.HTML, "<b>")
			require.Contains(t, r.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;&#39;")
			require.Contains(t, r.Text, hostile)
		})
	}
}

// TestLinksAreSafe: a link must be http(s), and html/template escapes what
// it holds.
func TestLinksAreSafe(t *testing.T) {
	d := SelfAssessmentRequest{Center: center, Name: "山田", Due: ippo.NewDate(2026, 9, 1)}
	for _, bad := range []string{"", "javascript:alert(1)", "data:text/html,x", "/relative", "mailto:x@example.jp", "https://"} {
		d.URL = bad
		_, err := Render(d)
		require.ErrorIs(t, err, ErrInvalidData, bad)
	}
	d.URL = `https://ippo.example.jp/l/x"onmouseover="alert(1)`
	r, err := Render(d)
	require.NoError(t, err)
	require.NotContains(t, r.HTML, `"onmouseover="`)
}

// TestEveryGivenFieldIsShown marks every free-text field of every sample
// and finds each mark in both the text and the HTML: no template drops a
// field it was given. For staff emails the center's own fields are not
// shown (the footer is Ippo's).
func TestEveryGivenFieldIsShown(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			var marks []string
			d := fill(t, s.data, func(field string) string {
				m := "MARK" + strings.NewReplacer(".", "", "[", "", "]", "").Replace(field) + "X"
				marks = append(marks, field+"="+m)
				return m
			})
			r, err := Render(d)
			require.NoError(t, err)
			staff := s.data.Template().Audience() == AudienceStaff
			for _, fm := range marks {
				field, m, _ := strings.Cut(fm, "=")
				if staff && strings.HasPrefix(field, "Center.") {
					require.NotContains(t, r.Subject+r.Text+r.HTML, m, "staff emails carry no center details")
					continue
				}
				require.Contains(t, r.Subject+"\n"+r.Text, m, "%s is not in the text", field)
				require.Contains(t, r.HTML, m, "%s is not in the HTML", field)
			}
		})
	}
}

// TestOptionalFieldsLeaveNoTrace: when an optional field is empty, its
// label is not shown either.
func TestOptionalFieldsLeaveNoTrace(t *testing.T) {
	bare := Center{Name: "センター", Email: "c@example.jp"}
	noAbsence := sampleNamed(t, "contract_terms_signing").(ContractTerms)
	noAbsence.AbsenceURL = ""
	cases := []struct {
		data   Data
		absent []string
	}{
		{noAbsence, []string{"一報は、次のリンク", "何度でも", "/l/absence/"}},
		{NonRenewalNotice{Center: bare, Name: "山田", EndDate: ippo.NewDate(2026, 12, 31), NoticeDays: 30}, []string{"理由:", "<strong>理由"}},
		{EligibilityApproved{Center: bare, Name: "山田", Waitlisted: true}, []string{"番目"}},
		{CityMonthlyReport{Center: bare, Month: ippo.YearMonth{Year: 2026, Month: 4}, Rows: []Line{{"a", "1"}}}, []string{"CSV", "<pre"}},
		{StaffTodo{Center: bare, Title: "t", Body: "b"}, []string{"ワーカー:", "<a href"}},
		{MonthlyStatement{Center: bare, Name: "山田", Month: ippo.YearMonth{Year: 2026, Month: 4}}, []string{"お支払い予定日", "期間ごとに", "体調について", "何度でも"}},
		{ApplicationReceived{Center: bare, Name: "山田", Received: ippo.NewDate(2026, 4, 1)}, []string{"運営", "https://"}},
	}
	for _, c := range cases {
		r, err := Render(c.data)
		require.NoError(t, err)
		for _, a := range c.absent {
			require.NotContains(t, r.Text, a, c.data.Template())
			require.NotContains(t, r.HTML, a, c.data.Template())
		}
	}
}

// TestStaffEmailsNameTheWorker: staff emails go to the center's own
// address, where people are known by name, so an email about a worker
// names them beside their ID (WorkerName with WorkerRef); the worker's
// email address and the shared facts of a handoff stay out.
func TestStaffEmailsNameTheWorker(t *testing.T) {
	for _, s := range samples() {
		if s.data.Template().Audience() != AudienceStaff {
			continue
		}
		typ := reflect.TypeOf(s.data)
		_, ref := typ.FieldByName("WorkerRef")
		_, name := typ.FieldByName("WorkerName")
		require.Equal(t, ref, name, "%s: a worker's ID goes with their name", typ.Name())
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous {
				continue
			}
			require.NotContains(t, []string{"Email", "Shared"}, f.Name, "%s.%s", typ.Name(), f.Name)
		}
		if ref {
			r, err := Render(s.data)
			require.NoError(t, err)
			worker := reflect.ValueOf(s.data).FieldByName("WorkerName").String()
			require.Contains(t, r.Text, worker+"さん", s.name)
			require.Contains(t, r.HTML, worker+"さん", s.name)
		}
	}
}

// healthWords name health facts. Only the agency handoff may carry them,
// and only through its consented Shared lines, never in its own wording.
var healthWords = []string{"障害", "障がい", "診断", "難病", "病名", "疾患", "手帳", "精神", "発達", "知的", "身体", "通院", "服薬"}

// TestNoHealthFactsInTemplates checks the template sources themselves.
func TestNoHealthFactsInTemplates(t *testing.T) {
	walkTemplates(t, func(name, src string) {
		for _, w := range healthWords {
			require.NotContains(t, src, w, "templates/%s mentions %s", name, w)
		}
	})
}

// TestWording checks the rules of the package contract on the template
// sources: fee is 報酬, never employment pay; no call is ever asked for;
// nothing reads as an order or a penalty.
func TestWording(t *testing.T) {
	minimumWage := regexp.MustCompile(`最低賃金`)
	walkTemplates(t, func(name, src string) {
		src = minimumWage.ReplaceAllString(src, "")
		for _, w := range []string{"給与", "給料", "賃金", "時給", "欠勤", "出勤", "勤務", "罰", "ペナルティ", "命令", "指示", "義務", "怠"} {
			require.NotContains(t, src, w, "templates/%s says %s", name, w)
		}
		// 電話 only ever to say none is needed.
		for _, line := range strings.Split(src, "\n") {
			if strings.Contains(line, "電話") {
				require.Contains(t, line, "お電話をいただく必要はありません", "templates/%s: %s", name, line)
			}
		}
	})
}

func walkTemplates(t *testing.T, f func(name, src string)) {
	t.Helper()
	entries, err := fs.ReadDir(files, "templates")
	require.NoError(t, err)
	for _, e := range entries {
		b, err := fs.ReadFile(files, "templates/"+e.Name())
		require.NoError(t, err)
		f(e.Name(), string(b))
	}
}

// TestAgencyHandoffCarriesOnlySharedLines: what reaches the agency about
// the worker is the name, the destination and the Shared lines, nothing
// more.
func TestAgencyHandoffCarriesOnlySharedLines(t *testing.T) {
	d := sampleNamed(t, "agency_handoff").(AgencyHandoff)
	d.Shared = []Line{{"障害の種別", "精神障害"}}
	r, err := Render(d)
	require.NoError(t, err)
	require.Contains(t, r.Text, "・障害の種別: 精神障害")
	require.Contains(t, r.HTML, "障害の種別</th><td style=\"padding:6px 0;\">精神障害</td>")
	require.NotContains(t, r.Text, "得意な作業")

	d.Shared = nil
	_, err = Render(d)
	require.ErrorIs(t, err, ErrInvalidData, "no consent, no email")
}

func TestRenderValidates(t *testing.T) {
	// The zero value of every data struct is refused.
	for _, s := range samples() {
		zero := reflect.Zero(reflect.TypeOf(s.data)).Interface().(Data)
		_, err := Render(zero)
		require.ErrorIs(t, err, ErrInvalidData, s.name)
	}
	_, err := Render(nil)
	require.ErrorIs(t, err, ErrInvalidData)

	get := func(name string) Data { return sampleNamed(t, name) }
	bad := map[string]Data{}

	st := get("monthly_statement").(MonthlyStatement)
	st.TotalYen++
	bad["total yen off"] = st
	st = get("monthly_statement").(MonthlyStatement)
	st.TotalHours += 0.5
	bad["total hours off"] = st
	st = get("monthly_statement_late").(MonthlyStatement)
	st.LateYen++
	bad["late yen off"] = st
	st = get("monthly_statement_late").(MonthlyStatement)
	st.Late[0].From = st.Month.First()
	bad["late work of the month itself"] = st

	ct := get("contract_terms_signing").(ContractTerms)
	ct.NextExtension = ct.TermEnd
	bad["extension not after the end"] = ct
	ct = get("contract_terms_signing").(ContractTerms)
	ct.Kind = "renewal"
	bad["unknown contract kind"] = ct
	ct = get("contract_terms_signing").(ContractTerms)
	ct.PaymentTerms = " "
	bad["no payment terms"] = ct
	ct = get("contract_terms_signing").(ContractTerms)
	ct.AbsenceURL = "javascript:alert(1)"
	bad["absence link not http"] = ct
	st = get("monthly_statement").(MonthlyStatement)
	st.AbsenceUntil = ippo.Date{}
	bad["absence link without its last day"] = st
	st = get("monthly_statement").(MonthlyStatement)
	st.AbsenceURL = ""
	bad["absence last day without a link"] = st

	nr := get("non_renewal_notice").(NonRenewalNotice)
	nr.NoticeDays = 29
	bad["notice under 30 days"] = nr

	ea := EligibilityApproved{Center: center, Name: "山田", Position: 2}
	bad["position without waitlist"] = ea

	ao := get("assessment_overdue").(AssessmentOverdue)
	ao.StaffMissing, ao.SelfMissing = false, false
	bad["nothing missing"] = ao

	su := get("step_up_recommendation").(StepUpRecommendation)
	su.SelfAverage = 5.5
	bad["score above 5"] = su

	er := get("extension_reminder").(ExtensionReminder)
	er.OptOutBy = er.ExtensionStart
	bad["opt out on the extension day"] = er

	pr := PlaceReady{Center: Center{Name: "c", Email: "not an address"}, Name: "山田"}
	bad["bad center email"] = pr

	for name, d := range bad {
		_, err := Render(d)
		require.ErrorIs(t, err, ErrInvalidData, name)
	}
}

func TestSubjectStaysOnOneLine(t *testing.T) {
	r, err := Render(StaffTodo{Center: center, Title: "一行目\r\n二行目\tタブ", Body: "本文"})
	require.NoError(t, err)
	require.Equal(t, "【Ippo】一行目 二行目 タブ", r.Subject)
}

func TestFormatters(t *testing.T) {
	for in, want := range map[int]string{0: "0円", 5: "5円", 999: "999円", 1000: "1,000円", 1225: "1,225円", 1234567: "1,234,567円", -1500: "-1,500円"} {
		require.Equal(t, want, Yen(in))
	}
	for in, want := range map[float64]string{0: "0時間", 12: "12時間", 12.5: "12.5時間", 12.25: "12.25時間", 1.006: "1.01時間", 1.0 / 3: "0.33時間"} {
		require.Equal(t, want, Hours(in), in)
	}
	for in, want := range map[float64]string{4: "4.0", 4.25: "4.25", 3.95: "3.95", 5: "5.0", 11.0 / 3: "3.67"} {
		require.Equal(t, want, Score(in), in)
	}
}

func TestCenterDefaults(t *testing.T) {
	require.Equal(t, "デジKAMA", center.Label())
	require.Equal(t, "VALT JAPAN株式会社", center.Contractor())
	c := Center{Name: "センター"}
	require.Equal(t, "センター", c.Label())
	require.Equal(t, "センター", c.Contractor())
}

// fill returns a copy of d with every free-text string field (not links,
// addresses or enums) replaced by value(fieldPath), including the Center
// and the Label/Value of line slices.
func fill(t *testing.T, d Data, value func(field string) string) Data {
	t.Helper()
	v := reflect.New(reflect.TypeOf(d)).Elem()
	v.Set(reflect.ValueOf(d))
	fillValue(v, "", value)
	return v.Interface().(Data)
}

func fillValue(v reflect.Value, path string, value func(string) string) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type().PkgPath() != reflect.TypeOf(Center{}).PkgPath() {
			return // ippo.Date and friends
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			fillValue(v.Field(i), p, value)
		}
	case reflect.Slice:
		// Copy so the sample's backing array is not shared.
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		v.Set(c)
		for i := range v.Len() {
			fillValue(v.Index(i), path+"["+strconv.Itoa(i)+"]", value)
		}
	case reflect.String:
		name := path[strings.LastIndex(path, ".")+1:]
		if v.Type() != reflect.TypeOf("") || strings.HasSuffix(name, "URL") || strings.HasSuffix(name, "Email") || name == "Link" {
			return // enums, links and addresses are checked, not free text
		}
		if v.String() == "" {
			return // an optional field left empty stays empty
		}
		v.SetString(value(path))
	}
}

func sampleNamed(t *testing.T, name string) Data {
	t.Helper()
	all := samples()
	i := slices.IndexFunc(all, func(s sample) bool { return s.name == name })
	require.GreaterOrEqual(t, i, 0, name)
	return all[i].data
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestDataSurvivesJSON: the data structs may be stored (in the outbox) and
// rendered later; the embedded Center must not be lost to the outer
// struct's fields of the same name.
func TestDataSurvivesJSON(t *testing.T) {
	for _, s := range samples() {
		b, err := json.Marshal(s.data)
		require.NoError(t, err)
		back, err := DecodeData(s.data.Template(), b)
		require.NoError(t, err)
		require.Equal(t, s.data, back, s.name)
	}
	_, err := DecodeData("nope", []byte(`{}`))
	require.Error(t, err)
	_, err = DecodeData(TemplateStaffTask, []byte(`[`))
	require.Error(t, err)
}

// TestCatalogTypes: the catalog's data type for each template names that
// template.
func TestCatalogTypes(t *testing.T) {
	for _, c := range catalog {
		require.Equal(t, c.t, c.zero.Template())
	}
}
