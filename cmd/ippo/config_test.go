package main

import (
	"strings"
	"testing"
	"time"

	ippoworker "github.com/ippo-center/ippo/worker"

	"github.com/stretchr/testify/require"
)

// TestConfigNamesTheVariable: a bad value stops ippo with the variable's
// name; good values are read as given.
func TestConfigNamesTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"IPPO_MONTH_LENGTH":                     "2s",
		"IPPO_TRUSTED_PROXIES":                  "10.0.0.1, proxy.example.jp",
		"IPPO_LOG_LEVEL":                        "loud",
		"IPPO_PAYLOAD_KEYS":                     "k1:not-base64!",
		"IPPO_TEMPORAL_UI_ORIGIN":               "temporal.example.jp",
		"IPPO_WORKER_WORKFLOW_POLLERS":          "1",
		"IPPO_WORKER_STICKY_CACHE_SIZE":         "0",
		"IPPO_WORKER_MAX_CONCURRENT_ACTIVITIES": "many",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := loadConfig()
			require.ErrorContains(t, err, name)
		})
	}

	t.Setenv("IPPO_MONTH_LENGTH", "30s")
	t.Setenv("IPPO_TRUSTED_PROXIES", " 10.0.0.1, 192.168.0.0/16 ,")
	c, err := loadConfig()
	require.NoError(t, err)
	require.Equal(t, 30*time.Second, c.MonthLength)
	require.Equal(t, []string{"10.0.0.1", "192.168.0.0/16"}, c.TrustedProxies)
	require.Equal(t, ippoworker.DefaultTuning, c.Tuning, "the defaults when nothing is set")
	require.Empty(t, c.PayloadKeys)

	t.Setenv("IPPO_WORKER_STICKY_CACHE_SIZE", "500")
	t.Setenv("IPPO_WORKER_MAX_CONCURRENT_ACTIVITIES", "20")
	t.Setenv("IPPO_PAYLOAD_KEYS", "new:"+strings.Repeat("A", 43)+"=,old:"+strings.Repeat("B", 43)+"=")
	t.Setenv("IPPO_TEMPORAL_UI_ORIGIN", "https://temporal.example.jp/")
	c, err = loadConfig()
	require.NoError(t, err)
	require.Equal(t, 500, c.Tuning.StickyCacheSize)
	require.Equal(t, 20, c.Tuning.MaxConcurrentActivities)
	require.Equal(t, ippoworker.DefaultTuning.WorkflowPollers, c.Tuning.WorkflowPollers)
	require.Len(t, c.PayloadKeys, 2)
	require.Equal(t, "new", c.PayloadKeys[0].ID, "the first key encrypts")
	require.Equal(t, "https://temporal.example.jp", c.TemporalUIOrigin)
}
