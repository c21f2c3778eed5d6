package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConfigNamesTheVariable: a bad value stops ippo with the variable's
// name; good values are read as given.
func TestConfigNamesTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"IPPO_MONTH_LENGTH":    "2s",
		"IPPO_TRUSTED_PROXIES": "10.0.0.1, proxy.example.jp",
		"IPPO_LOG_LEVEL":       "loud",
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
}
