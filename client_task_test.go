package ippo

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateClientTask(t *testing.T) {
	good := ClientTask{Type: "proofreading", Client: "鎌倉出版", Description: "冊子の文章校正", OutputUnit: "ページ"}
	tests := []struct {
		name   string
		edit   func(*ClientTask)
		fields []string
	}{
		{"complete", func(*ClientTask) {}, nil},
		{"description and unit are optional", func(t *ClientTask) { t.Description, t.OutputUnit = "", "" }, nil},
		{"type and client required", func(t *ClientTask) { t.Type, t.Client = "", "" }, []string{"type", "client"}},
		{"too long", func(t *ClientTask) { t.Type = strings.Repeat("a", 51); t.OutputUnit = strings.Repeat("頁", 21) }, []string{"type", "output_unit"}},
		{"50 characters of Japanese fit", func(t *ClientTask) { t.Type = strings.Repeat("校", 50) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := good
			tt.edit(&task)
			require.Equal(t, tt.fields, ruleFieldNames(t, ValidateClientTask(task)))
		})
	}
}

func TestClientTaskNormalize(t *testing.T) {
	task := ClientTask{Type: " data_entry ", Client: "\t鎌倉商事 ", Description: " x ", OutputUnit: " 件"}
	task.Normalize()
	require.Equal(t, ClientTask{Type: "data_entry", Client: "鎌倉商事", Description: "x", OutputUnit: "件"}, task)
}
