package ippo

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The text rules: what a piece of text people type may contain before Ippo
// keeps it, shows it to staff or puts it in an email. One place, so the API,
// the staff console and the signed-link pages refuse the same things with
// the same reasons.
//
//   - it is valid UTF-8 and holds no U+FFFD: a lone surrogate ("\ud800" in
//     JSON) or a broken byte sequence decodes to U+FFFD, so what the person
//     meant is already lost (and PostgreSQL refuses invalid UTF-8);
//   - no control characters: NUL (which PostgreSQL cannot store in text),
//     the other C0 and C1 controls; tab and line breaks only in notes;
//   - no bidirectional formatting (U+200E/F, U+061C, U+202A–U+202E,
//     U+2066–U+2069): in a name or a note they can make the console or an
//     email show text in another order than it was written;
//   - no noncharacters (U+FFFE, U+FFFF and the like);
//   - at most Max characters (runes), when Max > 0.

// TextKind says which text rule a piece of text breaks.
type TextKind int

const (
	TextTooLong    TextKind = iota + 1 // more than the field's maximum
	TextControl                        // a control character (NUL, escape, a line break in a one-line field…)
	TextUnreadable                     // invalid UTF-8, a lone surrogate, U+FFFD
	TextDirection                      // bidirectional formatting
)

// TextError is a broken text rule, with a message for staff (Error, in
// English like the API's) and one for workers and the console (Japanese).
type TextError struct {
	Kind TextKind
	Max  int // the maximum, for TextTooLong
	Len  int // the text's length in characters, for TextTooLong
}

func (e *TextError) Error() string {
	switch e.Kind {
	case TextTooLong:
		return fmt.Sprintf("must be at most %d characters", e.Max)
	case TextControl:
		return "contains a control character (such as NUL) that text cannot hold"
	case TextUnreadable:
		return "contains a character that could not be read (invalid UTF-8, an unpaired surrogate or U+FFFD)"
	case TextDirection:
		return "contains a bidirectional formatting character (such as U+202E), which can make text show in another order"
	}
	return "is not valid text"
}

// Japanese is the message shown beside the field on the console and the
// link pages: plain, and saying what to do.
func (e *TextError) Japanese() string {
	switch e.Kind {
	case TextTooLong:
		return fmt.Sprintf("%d文字以内でお願いします(いまは%d文字です)。", e.Max, e.Len)
	case TextControl:
		return "使えない制御文字がふくまれています。文字を打ち直してください。"
	case TextUnreadable:
		return "読み取れない文字がふくまれています。文字を打ち直してください。"
	case TextDirection:
		return "文字の向きを変える特殊な文字がふくまれています。取りのぞいてください。"
	}
	return "入力の内容を確かめてください。"
}

// CheckText applies the text rules to s: at most max characters (no limit
// when max <= 0), and line breaks and tabs only when multiline. It returns
// nil when s may be kept.
func CheckText(s string, max int, multiline bool) *TextError {
	n := 0
	for _, r := range s {
		n++
		switch {
		case r == utf8.RuneError: // a literal U+FFFD or an invalid byte
			return &TextError{Kind: TextUnreadable}
		case r == '\t' || r == '\n' || r == '\r':
			if !multiline {
				return &TextError{Kind: TextControl}
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return &TextError{Kind: TextControl}
		case r == 0x200e || r == 0x200f || r == 0x061c ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return &TextError{Kind: TextDirection}
		case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
			return &TextError{Kind: TextUnreadable}
		}
	}
	if max > 0 && n > max {
		return &TextError{Kind: TextTooLong, Max: max, Len: n}
	}
	return nil
}

// Text adds field's broken text rule, if any, to f.
func (f *Fields) Text(field, s string, max int, multiline bool) {
	if e := CheckText(s, max, multiline); e != nil {
		*f = append(*f, FieldError{Field: field, Message: e.Error()})
	}
}

// CSVCell makes a value safe to put in a CSV cell that staff open in a
// spreadsheet: a cell that starts with =, +, -, @, a tab or a carriage
// return would be read as a formula (CSV injection), so it gets a leading
// apostrophe, which spreadsheets show as text and do not display.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVRow applies CSVCell to every cell of a row.
func CSVRow(cells ...string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = CSVCell(c)
	}
	return out
}
