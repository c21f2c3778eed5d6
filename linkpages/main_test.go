package linkpages_test

import (
	"os"
	"testing"

	"github.com/ippo-center/ippo/internal/temporaltest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	temporaltest.Stop()
	os.Exit(code)
}
