package ippo

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         string
		max       int
		multiline bool
		want      TextKind // 0: accepted
	}{
		{"a Japanese name", "鎌倉 花子", 100, false, 0},
		{"empty", "", 100, false, 0},
		{"emoji with a joiner", "👩‍💻 ok", 100, false, 0},
		{"exactly the maximum", strings.Repeat("あ", 100), 100, false, 0},
		{"one over the maximum", strings.Repeat("あ", 101), 100, false, TextTooLong},
		{"no maximum", strings.Repeat("あ", 5000), 0, false, 0},
		{"NUL", "a\x00b", 100, true, TextControl},
		{"escape", "a\x1b[31m", 100, true, TextControl},
		{"DEL", "a\x7f", 100, true, TextControl},
		{"C1 control", "a\u0085b", 100, true, TextControl},
		{"a line break in a note", "一行目\n二行目\r\n\t三行目", 100, true, 0},
		{"a line break in a name", "鎌倉\n花子", 100, false, TextControl},
		{"a tab in a name", "鎌倉\t花子", 100, false, TextControl},
		{"invalid UTF-8", "a\xffb", 100, true, TextUnreadable},
		{"an encoded surrogate (CESU-8)", "a\xed\xa0\x80b", 100, true, TextUnreadable},
		{"U+FFFD (a lone surrogate after JSON decoding)", "a\ufffdb", 100, true, TextUnreadable},
		{"a noncharacter", "a\uffffb", 100, true, TextUnreadable},
		{"a noncharacter in a high plane", "a\U0010fffe", 100, true, TextUnreadable},
		{"right-to-left override", "abc\u202eexe.txt", 100, true, TextDirection},
		{"right-to-left mark", "a\u200fb", 100, true, TextDirection},
		{"left-to-right isolate", "a\u2066b\u2069", 100, true, TextDirection},
		{"Arabic letter mark", "a\u061cb", 100, true, TextDirection},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckText(tc.s, tc.max, tc.multiline)
			if tc.want == 0 {
				require.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			require.Equal(t, tc.want, got.Kind)
			require.NotEmpty(t, got.Error())
			require.NotEmpty(t, got.Japanese())
		})
	}
}

func TestTextTooLongSaysTheLength(t *testing.T) {
	e := CheckText(strings.Repeat("あ", 12), 10, false)
	require.Equal(t, "must be at most 10 characters", e.Error())
	require.Equal(t, "10文字以内でお願いします(いまは12文字です)。", e.Japanese())
}

func TestApplicantNameHoldsNoControlCharacters(t *testing.T) {
	p := DefaultPolicy()
	a := Applicant{Name: "鎌倉\x00花子", Email: "a@example.jp", MunicipalityCode: p.MunicipalityCode,
		Category: CategoryDisability, RecognizedByDoctor: true, DisabilityTypes: []DisabilityType{DisabilityMental},
		Consent: CollectionConsent{GivenOn: NewDate(2026, 1, 1), WordingVersion: "2026-01"}}
	err := CheckApplicant(a, p, NewDate(2026, 2, 1))
	require.Error(t, err)
	require.Equal(t, []FieldError{{Field: "name", Message: (&TextError{Kind: TextControl}).Error()}}, err.(*Error).Fields)
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"鎌倉 花子":             "鎌倉 花子",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+81 3":             "'+81 3",
		"-1+2":              "'-1+2",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"a=b":               "a=b",
		"":                  "",
		"2026-04":           "2026-04",
	} {
		require.Equal(t, want, CSVCell(in), "%q", in)
	}
}
