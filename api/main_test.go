package api_test

import (
	"testing"

	"github.com/ippo-center/ippo/internal/temporaltest"
)

func TestMain(m *testing.M) { temporaltest.Main(m) }
