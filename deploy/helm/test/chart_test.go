package test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const chart = "../ippo"

// kubeVersion is the Kubernetes version the manifests are rendered for
// (the types come from k8s.io/api of the same minor version).
const kubeVersion = "1.37.0"

func helmBin(t *testing.T) string {
	t.Helper()
	h := os.Getenv("IPPO_HELM")
	if h == "" {
		if os.Getenv("IPPO_TEST_REQUIRE_INFRA") != "" {
			t.Fatal("IPPO_HELM is not set; run the tests with `make test`")
		}
		t.Skip("IPPO_HELM is not set; `make test` builds helm into bin/ and sets it")
	}
	return h
}

// helm runs helm offline, with its caches and config in a temporary folder.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	// A helm built with go install thinks the cluster is Kubernetes
	// v1.20; say which version the chart is checked for.
	cmd := exec.Command(helmBin(t), append(args, "--kube-version", kubeVersion)...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// everything turns every optional part on.
var everything = []string{
	"--set", "ingress.enabled=true", "--set", "ingress.className=nginx", "--set", "ingress.tlsSecretName=ippo-tls",
	"--set", "serviceMonitor.enabled=true", "--set", "temporal.uiOrigin=https://temporal.example.jp",
	"--set", "secrets.bootstrapAdminToken.name=ippo-bootstrap", "--set", "secrets.bootstrapAdminToken.key=token",
	"--set", "imagePullSecrets[0].name=registry",
}

func TestLint(t *testing.T) {
	out, err := helm(t, "lint", "--strict", chart)
	require.NoError(t, err, out)
	out, err = helm(t, append([]string{"lint", "--strict", chart}, everything...)...)
	require.NoError(t, err, out)
}

// rendered is the chart's manifests, decoded.
type rendered struct {
	deployments  map[string]*appsv1.Deployment
	jobs         []*batchv1.Job
	services     []*corev1.Service
	pdbs         []*policyv1.PodDisruptionBudget
	ingresses    []*networkingv1.Ingress
	monitors     []*monitoringv1.ServiceMonitor
	accounts     []*corev1.ServiceAccount
	unknownKinds []string
}

func render(t *testing.T, args ...string) rendered {
	t.Helper()
	out, err := helm(t, append([]string{"template", "ippo", chart, "--namespace", "ippo"}, args...)...)
	require.NoError(t, err, out)
	r, err := decode(out)
	require.NoError(t, err)
	return r
}

// decode reads each document strictly into its Kubernetes type: a field
// the type does not have, or a value of the wrong type, is an error.
func decode(manifests string) (rendered, error) {
	r := rendered{deployments: map[string]*appsv1.Deployment{}}
	for doc := range strings.SplitSeq(manifests, "\n---") {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var head metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return r, fmt.Errorf("read kind: %w\n%s", err, doc)
		}
		var obj any
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			obj = d
			defer func() { r.deployments[d.Name] = d }()
		case "batch/v1 Job":
			j := &batchv1.Job{}
			obj, r.jobs = j, append(r.jobs, j)
		case "v1 Service":
			s := &corev1.Service{}
			obj, r.services = s, append(r.services, s)
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			obj, r.pdbs = p, append(r.pdbs, p)
		case "networking.k8s.io/v1 Ingress":
			i := &networkingv1.Ingress{}
			obj, r.ingresses = i, append(r.ingresses, i)
		case "monitoring.coreos.com/v1 ServiceMonitor":
			m := &monitoringv1.ServiceMonitor{}
			obj, r.monitors = m, append(r.monitors, m)
		case "v1 ServiceAccount":
			a := &corev1.ServiceAccount{}
			obj, r.accounts = a, append(r.accounts, a)
		default:
			r.unknownKinds = append(r.unknownKinds, head.APIVersion+" "+head.Kind)
			continue
		}
		if err := strictDecode([]byte(doc), obj); err != nil {
			return r, fmt.Errorf("%s %s %s: %w", head.APIVersion, head.Kind, name(doc), err)
		}
	}
	return r, nil
}

// strictDecode decodes as the API server's strict field validation does:
// YAML to JSON (duplicate keys fail), then case-sensitive JSON with
// unknown and duplicate fields reported (encoding/json alone would take
// "targetport" for "targetPort").
func strictDecode(doc []byte, obj any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(j, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

func name(doc string) string {
	var m metav1.PartialObjectMetadata
	_ = yaml.Unmarshal([]byte(doc), &m)
	return m.Name
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// TestStrictDecodingCatchesMistakes proves the decoding can fail: a
// misspelt field, and a field at the wrong level.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	_, err := decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n")
	require.ErrorContains(t, err, "replica")
	_, err = decode("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports:\n    - {port: 80, targetport: http}\n")
	require.ErrorContains(t, err, "targetport")
	_, err = decode("apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: a, readOnlyRootFilesystem: true}\n")
	require.ErrorContains(t, err, "readOnlyRootFilesystem")
}

func TestDefaultsRender(t *testing.T) {
	r := render(t)
	require.Empty(t, r.unknownKinds)
	require.Len(t, r.deployments, 2)
	require.Len(t, r.jobs, 1)
	require.Len(t, r.pdbs, 2)
	require.Empty(t, r.ingresses, "the Ingress is optional, off by default")
	require.Empty(t, r.monitors, "the ServiceMonitor is optional, off by default")
	checkAll(t, r)
}

func TestEverythingRenders(t *testing.T) {
	r := render(t, everything...)
	require.Empty(t, r.unknownKinds)
	require.Len(t, r.ingresses, 1)
	require.Len(t, r.monitors, 1)
	checkAll(t, r)

	ing := r.ingresses[0]
	var paths []string
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		paths = append(paths, p.Path)
		require.Equal(t, "ippo", p.Backend.Service.Name)
	}
	require.NotContains(t, paths, "/metrics", "metrics stay inside the cluster")
	require.Contains(t, paths, "/codec/")
	require.Equal(t, "ippo-tls", ing.Spec.TLS[0].SecretName)

	m := r.monitors[0]
	require.Equal(t, "/metrics", m.Spec.Endpoints[0].Path)
	sel, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector)
	require.NoError(t, err)
	var scraped []string
	for _, s := range r.services {
		if sel.Matches(labels.Set(s.Labels)) {
			scraped = append(scraped, s.Name)
		}
	}
	require.ElementsMatch(t, []string{"ippo", "ippo-worker-metrics"}, scraped, "API and workers are scraped")

	api := r.deployments["ippo-api"].Spec.Template.Spec
	require.Equal(t, "registry", api.ImagePullSecrets[0].Name)
	require.Equal(t, "ippo-bootstrap", secretRef(t, api.Containers[0], "IPPO_BOOTSTRAP_ADMIN_TOKEN").Name)
}

// TestRequiredSecrets: without the payload keys (or the database, or the
// link secret) the chart refuses to render, naming what is missing.
func TestRequiredSecrets(t *testing.T) {
	for _, ref := range []string{"payloadKeys", "databaseURL", "linkSecret"} {
		out, err := helm(t, "template", "ippo", chart, "--set", "secrets."+ref+".name=")
		require.Error(t, err, ref)
		require.Contains(t, out, "secrets."+ref+".name", ref)
	}
}

// TestValuesApart: the API's and the workers' replicas and resources are
// set apart, and the worker tuning reaches the workers' environment.
func TestValuesApart(t *testing.T) {
	r := render(t, "--set", "api.replicas=3", "--set", "worker.replicas=5",
		"--set", "worker.resources.limits.memory=2Gi", "--set", "worker.tuning.stickyCacheSize=5000")
	require.EqualValues(t, 3, *r.deployments["ippo-api"].Spec.Replicas)
	require.EqualValues(t, 5, *r.deployments["ippo-worker"].Spec.Replicas)
	w := r.deployments["ippo-worker"].Spec.Template.Spec.Containers[0]
	require.Equal(t, "2Gi", w.Resources.Limits.Memory().String())
	require.Equal(t, "512Mi", r.deployments["ippo-api"].Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String())
	require.Equal(t, "5000", envValue(t, w, "IPPO_WORKER_STICKY_CACHE_SIZE"))
	require.Equal(t, "4", envValue(t, w, "IPPO_WORKER_WORKFLOW_POLLERS"))
}

func checkAll(t *testing.T, r rendered) {
	t.Helper()
	api, worker := r.deployments["ippo-api"], r.deployments["ippo-worker"]
	require.NotNil(t, api)
	require.NotNil(t, worker)
	require.Equal(t, []string{"api"}, api.Spec.Template.Spec.Containers[0].Args)
	require.Equal(t, []string{"worker"}, worker.Spec.Template.Spec.Containers[0].Args)
	for _, d := range []*appsv1.Deployment{api, worker} {
		t.Run(d.Name, func(t *testing.T) {
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			require.NoError(t, err)
			require.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "the selector picks the pods")
			checkPod(t, d.Spec.Template.Spec)
			c := d.Spec.Template.Spec.Containers[0]
			require.NotNil(t, c.LivenessProbe)
			require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
			require.Equal(t, "http", c.LivenessProbe.HTTPGet.Port.StrVal)
			require.NotNil(t, c.ReadinessProbe)
			require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
			require.Equal(t, "http", c.ReadinessProbe.HTTPGet.Port.StrVal)
			require.True(t, slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "http" && p.ContainerPort == 8080 }))
			require.Equal(t, ":8080", envValue(t, c, "IPPO_HTTP_ADDR"))
			require.NotNil(t, c.Resources.Requests.Memory())
			// A PodDisruptionBudget covers it.
			require.True(t, slices.ContainsFunc(r.pdbs, func(p *policyv1.PodDisruptionBudget) bool {
				s, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
				return err == nil && s.Matches(labels.Set(d.Spec.Template.Labels))
			}), "a PodDisruptionBudget for %s", d.Name)
		})
	}
	// The API's Service reaches the API pods only.
	for _, s := range r.services {
		sel := labels.SelectorFromSet(s.Spec.Selector)
		if s.Name == "ippo" {
			require.True(t, sel.Matches(labels.Set(api.Spec.Template.Labels)))
			require.False(t, sel.Matches(labels.Set(worker.Spec.Template.Labels)))
			require.Equal(t, "http", s.Spec.Ports[0].TargetPort.StrVal)
		}
	}

	// The migrations: a hook Job that runs before install and upgrade.
	require.Len(t, r.jobs, 1)
	j := r.jobs[0]
	hooks := strings.Split(j.Annotations["helm.sh/hook"], ",")
	require.ElementsMatch(t, []string{"pre-install", "pre-upgrade"}, hooks)
	require.Contains(t, j.Annotations["helm.sh/hook-delete-policy"], "before-hook-creation")
	spec := j.Spec.Template.Spec
	require.Equal(t, corev1.RestartPolicyNever, spec.RestartPolicy)
	require.Equal(t, []string{"migrate"}, spec.InitContainers[0].Args, "migrate first")
	require.Equal(t, []string{"seed"}, spec.Containers[0].Args, "then seed")
	checkPod(t, spec)
}

// checkPod: non-root, read-only root filesystem, no privilege escalation,
// no capabilities, no service account token, and the secrets by reference.
func checkPod(t *testing.T, spec corev1.PodSpec) {
	t.Helper()
	require.NotNil(t, spec.SecurityContext)
	require.True(t, *spec.SecurityContext.RunAsNonRoot)
	require.NotZero(t, *spec.SecurityContext.RunAsUser)
	require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, spec.SecurityContext.SeccompProfile.Type)
	require.False(t, *spec.AutomountServiceAccountToken)
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		require.NotNil(t, sc, c.Name)
		require.True(t, *sc.ReadOnlyRootFilesystem, c.Name)
		require.False(t, *sc.AllowPrivilegeEscalation, c.Name)
		require.True(t, *sc.RunAsNonRoot, c.Name)
		require.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, c.Name)
		require.Nil(t, sc.Privileged, c.Name)
		for _, name := range []string{"DATABASE_URL", "IPPO_LINK_SECRET", "IPPO_PAYLOAD_KEYS", "SENDGRID_API_KEY", "SENDGRID_WEBHOOK_PUBLIC_KEY"} {
			ref := secretRef(t, c, name)
			require.NotEmpty(t, ref.Name, "%s in %s", name, c.Name)
		}
	}
}

func secretRef(t *testing.T, c corev1.Container, name string) *corev1.SecretKeySelector {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == name {
			require.Empty(t, e.Value, "%s is a secret: by reference only", name)
			require.NotNil(t, e.ValueFrom, name)
			require.NotNil(t, e.ValueFrom.SecretKeyRef, name)
			return e.ValueFrom.SecretKeyRef
		}
	}
	t.Fatalf("container %s has no %s", c.Name, name)
	return nil
}

func envValue(t *testing.T, c corev1.Container, name string) string {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	t.Fatalf("container %s has no %s", c.Name, name)
	return ""
}
