package e2e_test

import (
	"testing"

	"github.com/ippo-center/ippo/internal/temporaltest"
)

// cluster is the production-shaped Temporal server (PostgreSQL-backed),
// started by the support code the throughput benchmark shares.
type cluster = temporaltest.Cluster

func startCluster(t *testing.T, namespace string) *cluster {
	return temporaltest.StartCluster(t, namespace)
}
