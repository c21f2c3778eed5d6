// Package test validates the Helm chart in ../ippo: helm lint, helm
// template, and every rendered manifest decoded strictly into the
// Kubernetes API types (an unknown or misplaced field fails). It is its
// own Go module so the Kubernetes types stay out of Ippo's module.
// scripts/test.sh runs it with IPPO_HELM set to bin/helm; nothing touches
// the network or a cluster.
package test
