package app

import (
	"strings"
	"testing"

	"github.com/ippo-center/ippo"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

var importToday = ippo.NewDate(2026, 6, 15)

// importRecord is one valid row of the Japanese template; tests change
// one column at a time.
func importRecord() map[string]string {
	return map[string]string{
		"氏名": "鎌倉 花子", "ふりがな": "かまくら はなこ", "メールアドレス": "hanako@example.jp", "市区町村コード": "14204",
		"区分": "障害", "医師の認定": "はい", "障害の種類": "精神・発達", "ひきこもり開始日": "", "支援機関": "",
		"難病": "いいえ", "一般就労の希望": "はい", "同意日": "2025/9/1", "同意文言の版": "2025-04",
		"契約日": "2025/9/1", "現在の期間の開始日": "2026/6/1", "現在の期間の終了日": "2026/8/31", "延長回数": "2",
		"週の予定": "月 10:00-12:00 在宅; 水 13:00-15:00 通所",
	}
}

func importCSV(records ...map[string]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(ImportHeader(), ",") + "\n")
	for _, r := range records {
		cells := make([]string, len(importColumns))
		for i, c := range importColumns {
			cells[i] = `"` + strings.ReplaceAll(r[c.label], `"`, `""`) + `"`
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

func with(changes map[string]string) map[string]string {
	r := importRecord()
	for k, v := range changes {
		r[k] = v
	}
	return r
}

func TestParseImportReadsAValidRow(t *testing.T) {
	rows, problems, err := ParseImport([]byte(importCSV(importRecord())), EncodingAuto, nil, importToday)
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Len(t, rows, 1)
	r := rows[0]
	require.Equal(t, 2, r.Row)
	require.Equal(t, "鎌倉 花子", r.Applicant.Name)
	require.Equal(t, ippo.CategoryDisability, r.Applicant.Category)
	require.Equal(t, []ippo.DisabilityType{ippo.DisabilityDevelopmental, ippo.DisabilityMental}, r.Applicant.DisabilityTypes)
	require.True(t, r.Applicant.WantsGeneralEmployment)
	require.Equal(t, ippo.NewDate(2025, 9, 1), r.Contract.SignedOn)
	require.Equal(t, ippo.NewDate(2026, 6, 1), r.Contract.TermStart)
	require.Equal(t, ippo.NewDate(2026, 8, 31), r.Contract.TermEnd)
	require.Equal(t, 2, r.Contract.Extensions)
	require.Equal(t, importToday, r.Schedule.EffectiveFrom)
	require.Len(t, r.Schedule.Slots, 2)
	require.Equal(t, 240, r.Schedule.WeeklyMinutes())
	require.Equal(t, ImportWorkerID("HANAKO@example.jp", ippo.NewDate(2025, 9, 1)), r.WorkerID, "the key ignores the email's case")
	require.NotEqual(t, ImportWorkerID("hanako@example.jp", ippo.NewDate(2025, 9, 2)), r.WorkerID)
}

func TestParseImportEncodings(t *testing.T) {
	text := importCSV(importRecord())
	sjis, _, err := transform.String(japanese.ShiftJIS.NewEncoder(), text)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		data     string
		encoding string
	}{
		"utf-8":              {text, EncodingAuto},
		"utf-8 with BOM":     {"\xef\xbb\xbf" + text, EncodingAuto},
		"shift_jis detected": {sjis, EncodingAuto},
		"shift_jis named":    {sjis, EncodingShiftJIS},
		"utf-8 named":        {text, EncodingUTF8},
	} {
		t.Run(name, func(t *testing.T) {
			rows, problems, err := ParseImport([]byte(tc.data), tc.encoding, nil, importToday)
			require.NoError(t, err)
			require.Empty(t, problems)
			require.Len(t, rows, 1)
			require.Equal(t, "鎌倉 花子", rows[0].Applicant.Name)
		})
	}
	_, _, err = ParseImport([]byte(sjis), EncodingUTF8, nil, importToday)
	requireFileError(t, err, "UTF-8 として読めません")
}

func requireFileError(t *testing.T, err error, want string) {
	t.Helper()
	var e *ippo.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, ippo.EINVALID, e.Code)
	require.Equal(t, "file", e.Fields[0].Field)
	require.Contains(t, e.Fields[0].Message, want)
}

func TestParseImportRefusesAFileItCannotRead(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"empty":          {"", "ファイルが空です"},
		"unknown column": {"氏名,年齢\n", "見出し「年齢」は使えません"},
		"missing column": {"氏名,メールアドレス\n", "見出しに「市区町村コード」「区分」「同意日」"},
		"twice":          {"氏名,name\n", "見出し「氏名」が二つあります"},
		"bad quotes":     {importCSV() + "\"鎌倉,\"x\"y\n", "引用符"},
		"not text":       {"\xff\xfe\x00\x81", "UTF-8 としても Shift_JIS としても読めません"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseImport([]byte(tc.data), EncodingAuto, nil, importToday)
			requireFileError(t, err, tc.want)
		})
	}
	_, _, err := ParseImport([]byte("x"), "latin-1", nil, importToday)
	requireFileError(t, err, "文字コード \"latin-1\" には対応していません")
}

// Every refusal names its row and column and says in Japanese what to fix.
func TestParseImportRefusals(t *testing.T) {
	hiki := map[string]string{"区分": "ひきこもり", "医師の認定": "", "障害の種類": "", "ひきこもり開始日": "2024/1/1", "支援機関": "鎌倉市 福祉課"}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	cases := []struct {
		name    string
		change  map[string]string
		column  string
		message string
	}{
		{"name missing", map[string]string{"氏名": ""}, "氏名", "氏名を入れてください"},
		{"name too long", map[string]string{"氏名": strings.Repeat("花", 101)}, "氏名", "100文字以内でお願いします(いまは101文字です)"},
		{"kana too long", map[string]string{"ふりがな": strings.Repeat("は", 101)}, "ふりがな", "100文字以内"},
		{"email missing", map[string]string{"メールアドレス": ""}, "メールアドレス", "メールアドレスを入れてください"},
		{"email malformed", map[string]string{"メールアドレス": "hanako at example"}, "メールアドレス", "hanako@example.jp のような形"},
		{"another town", map[string]string{"市区町村コード": "13101"}, "市区町村コード", "鎌倉市（市区町村コード 14204）にお住まいの方"},
		{"category missing", map[string]string{"区分": ""}, "区分", "区分を入れてください"},
		{"category unknown", map[string]string{"区分": "学生"}, "区分", "「学生」は区分として読めません"},
		{"no doctor", map[string]string{"医師の認定": "いいえ"}, "医師の認定", "医師による障害の認定が必要です"},
		{"doctor unreadable", map[string]string{"医師の認定": "たぶん"}, "医師の認定", "はい か いいえ"},
		{"no disability type", map[string]string{"障害の種類": ""}, "障害の種類", "少なくとも一つ"},
		{"unknown disability type", map[string]string{"障害の種類": "精神・聴覚"}, "障害の種類", "「聴覚」は障害の種類として読めません"},
		{"hikikomori facts on disability", map[string]string{"支援機関": "福祉課"}, "区分", "ひきこもりの区分の方だけ"},
		{"disability facts on hikikomori", merge(hiki, map[string]string{"医師の認定": "はい"}), "区分", "障害の区分の方だけ"},
		{"hikikomori without date", merge(hiki, map[string]string{"ひきこもり開始日": ""}), "ひきこもり開始日", "ひきこもり開始日が必要です"},
		{"hikikomori in the future", merge(hiki, map[string]string{"ひきこもり開始日": "2026/7/1"}), "ひきこもり開始日", "今日より後の日付は入れられません"},
		{"hikikomori too short", merge(hiki, map[string]string{"ひきこもり開始日": "2026/3/1"}), "ひきこもり開始日", "6 か月以上（2025年12月15日 以前から）"},
		{"hikikomori without body", merge(hiki, map[string]string{"支援機関": ""}), "支援機関", "支援機関の名前を入れてください"},
		{"date unreadable", map[string]string{"同意日": "令和7年9月1日"}, "同意日", "日付として読めません"},
		{"no such day", map[string]string{"同意日": "2025/2/30"}, "同意日", "日付として読めません"},
		{"consent missing", map[string]string{"同意日": ""}, "同意日", "ご本人の同意と、その日付が必要です"},
		{"consent in the future", map[string]string{"同意日": "2026/7/1"}, "同意日", "今日より後の日付は入れられません"},
		{"consent wording missing", map[string]string{"同意文言の版": ""}, "同意文言の版", "文言の版を入れてください"},
		{"signed missing", map[string]string{"契約日": ""}, "契約日", "日付を入れてください"},
		{"signed today", map[string]string{"契約日": "2026/6/15", "現在の期間の開始日": "2026/6/15", "延長回数": "0"}, "契約日", "今日（2026年6月15日）より前"},
		{"term before signing", map[string]string{"現在の期間の開始日": "2025/8/1"}, "現在の期間の開始日", "契約日（2025年9月1日）より前"},
		{"term not yet", map[string]string{"現在の期間の開始日": "2026/6/20"}, "現在の期間の開始日", "今日（2026年6月15日）より後"},
		{"term over", map[string]string{"現在の期間の終了日": "2026/6/14"}, "現在の期間の終了日", "今日（2026年6月15日）より前"},
		{"term too long", map[string]string{"現在の期間の終了日": "2026/12/31"}, "現在の期間の終了日", "3 か月まで"},
		{"extensions missing", map[string]string{"延長回数": ""}, "延長回数", "延長がなければ 0"},
		{"extensions unreadable", map[string]string{"延長回数": "-1"}, "延長回数", "0 以上の整数"},
		{"no extensions but a later term", map[string]string{"延長回数": "0"}, "延長回数", "延長が 0 回なら"},
		{"extensions but the first term", map[string]string{"現在の期間の開始日": "2025/9/1", "現在の期間の終了日": "2026/2/28", "延長回数": "1"}, "現在の期間の終了日", "今日（2026年6月15日）より前"},
		{"extensions on the first term", map[string]string{"契約日": "2026/5/1", "現在の期間の開始日": "2026/5/1", "現在の期間の終了日": "2026/7/31", "延長回数": "1"}, "延長回数", "延長が 1 回なら"},
		{"schedule missing", map[string]string{"週の予定": ""}, "週の予定", "週の予定を入れてください"},
		{"slot unreadable", map[string]string{"週の予定": "月曜の午前"}, "週の予定", "1番目の枠「月曜の午前」が読めません"},
		{"weekday unreadable", map[string]string{"週の予定": "月 10:00-12:00 在宅; 祝 10:00-12:00 在宅"}, "週の予定", "2番目の枠「祝 10:00-12:00 在宅」の曜日が読めません"},
		{"time unreadable", map[string]string{"週の予定": "月 10時-12時 在宅"}, "週の予定", "の時刻が読めません"},
		{"mode unreadable", map[string]string{"週の予定": "月 10:00-12:00 会社"}, "週の予定", "在宅 か 通所"},
		{"end before start", map[string]string{"週の予定": "月 12:00-10:00 在宅"}, "週の予定", "1番目の枠は、終わりの時刻を始まりより後に"},
		{"overlap", map[string]string{"週の予定": "月 10:00-12:00 在宅; 月 11:00-13:00 通所"}, "週の予定", "2番目の枠（月曜日）が、同じ曜日の別の枠と重なっています"},
		{"over the cap", map[string]string{"週の予定": "月 9:00-17:00 在宅; 火 9:00-17:00 在宅; 水 9:00-10:00 在宅"}, "週の予定", "週の合計が 17 時間で、上限の 16 時間を超えています"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, problems, err := ParseImport([]byte(importCSV(importRecord(), with(tc.change))), EncodingAuto, nil, importToday)
			require.NoError(t, err)
			require.Len(t, rows, 1, "the valid row is still read")
			require.NotEmpty(t, problems)
			for _, p := range problems {
				require.Equal(t, 3, p.Row)
			}
			require.Equal(t, tc.column, problems[0].Column, "%v", problems)
			require.Contains(t, problems[0].Message, tc.message)
		})
	}
}

// TestParseImportAppliesTheTextRules: every cell goes through
// ippo.CheckText, in UTF-8 and in Shift_JIS files alike; a broken cell
// refuses its row with one Japanese reason for that column (not also
// "unreadable date" or the like), and the other rows are still read.
func TestParseImportAppliesTheTextRules(t *testing.T) {
	cases := []struct {
		name, column, value, message string
	}{
		{"NUL in the name", "氏名", "鎌倉\x00花子", "制御文字"},
		{"escape in the kana", "ふりがな", "かまくら\x1b[31m", "制御文字"},
		{"C1 control in the email", "メールアドレス", "hanako\u0085@example.jp", "制御文字"},
		{"line break in a quoted cell", "週の予定", "月 10:00-12:00 在宅\n水 13:00-15:00 通所", "制御文字"},
		{"tab in a date", "契約日", "2025/\t9/1", "制御文字"},
		{"U+FFFD in the wording version", "同意文言の版", "2025-04\ufffd", "読み取れない文字"},
		{"noncharacter in the municipality", "市区町村コード", "14204\uffff", "読み取れない文字"},
		{"bidi override in the name", "氏名", "鎌倉\u202e花子", "文字の向きを変える"},
		{"bidi isolate in the schedule", "週の予定", "\u2066月 10:00-12:00 在宅", "文字の向きを変える"},
		{"too long an email", "メールアドレス", strings.Repeat("a", 250) + "@example.jp", "254文字以内"},
		{"too long a schedule", "週の予定", strings.Repeat("月 10:00-10:30 在宅; ", 60), "1000文字以内"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := importCSV(importRecord(), with(map[string]string{"メールアドレス": "jiro@example.jp", tc.column: tc.value}))
			files := map[string]string{"utf-8": text}
			// (Shift_JIS has no U+FFFD, noncharacters or bidi marks.)
			if sjis, _, err := transform.String(japanese.ShiftJIS.NewEncoder(), text); err == nil {
				files["shift_jis"] = sjis
			}
			for encoding, data := range files {
				rows, problems, err := ParseImport([]byte(data), EncodingAuto, nil, importToday)
				require.NoError(t, err, encoding)
				require.Len(t, rows, 1, "%s: the valid row is still read", encoding)
				require.Equal(t, 2, rows[0].Row)
				require.Len(t, problems, 1, "%s: one reason for the column: %v", encoding, problems)
				require.Equal(t, 3, problems[0].Row)
				require.Equal(t, tc.column, problems[0].Column)
				require.Contains(t, problems[0].Message, tc.message)
			}
		})
	}
}

func TestParseImportRefusesTheSameEmailTwice(t *testing.T) {
	second := with(map[string]string{"氏名": "鎌倉 次郎", "メールアドレス": "Hanako@example.jp"})
	rows, problems, err := ParseImport([]byte(importCSV(importRecord(), second, with(map[string]string{"メールアドレス": "jiro@example.jp"}))), EncodingAuto, nil, importToday)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, []ImportProblem{{Row: 3, Column: "メールアドレス", Message: "このメールアドレスは 2行目でも使われています。一人一行にしてください"}}, problems)
	require.Equal(t, "3行目「メールアドレス」: このメールアドレスは 2行目でも使われています。一人一行にしてください", problems[0].String())
}

// Spreadsheets write full-width digits and English headers work too.
func TestParseImportAcceptsEnglishHeadersAndFullWidthDigits(t *testing.T) {
	keys := make([]string, len(importColumns))
	for i, c := range importColumns {
		keys[i] = c.key
	}
	rec := with(map[string]string{"契約日": "２０２５／９／１", "週の予定": "火曜日 １０：００〜１２：３０ remote"})
	text := importCSV(rec)
	text = strings.Join(keys, ",") + text[strings.Index(text, "\n"):]
	rows, problems, err := ParseImport([]byte(text), EncodingAuto, nil, importToday)
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Equal(t, ippo.NewDate(2025, 9, 1), rows[0].Contract.SignedOn)
	require.Equal(t, ippo.Slot{Weekday: 2, Start: ippo.NewTimeOfDay(10, 0), End: ippo.NewTimeOfDay(12, 30), Mode: ippo.ModeRemote}, rows[0].Schedule.Slots[0])
}
