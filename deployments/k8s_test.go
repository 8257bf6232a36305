package deployments

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manifest is one decoded Kubernetes object and where it came from.
type manifest struct {
	file string // relative to deployments/k8s
	obj  any
}

// newObject maps the kinds the manifests may use to their k8s.io/api types; any other
// kind fails the test rather than going unchecked.
func newObject(tm metav1.TypeMeta) (any, bool) {
	switch tm.APIVersion + "/" + tm.Kind {
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, true
	case "v1/Service":
		return &corev1.Service{}, true
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1/Secret":
		return &corev1.Secret{}, true
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	}
	return nil, false
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// loadManifests strictly decodes every YAML document under k8s/: an unknown or misspelt
// field, a wrong type or an unparsable quantity fails, as `kubectl apply --validate=strict` would.
func loadManifests(t *testing.T) []manifest {
	t.Helper()
	var out []manifest
	err := filepath.WalkDir("k8s", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		if ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		rel, _ := filepath.Rel("k8s", path)
		for i, doc := range docSeparator.Split(string(data), -1) {
			if len(bytes.TrimSpace(stripComments([]byte(doc)))) == 0 {
				continue
			}
			var tm metav1.TypeMeta
			require.NoError(t, yaml.Unmarshal([]byte(doc), &tm), "%s doc %d", rel, i)
			obj, ok := newObject(tm)
			require.True(t, ok, "%s doc %d: unexpected %s %s", rel, i, tm.APIVersion, tm.Kind)
			require.NoError(t, yaml.UnmarshalStrict([]byte(doc), obj), "%s doc %d", rel, i)
			out = append(out, manifest{file: rel, obj: obj})
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func stripComments(b []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// only returns the single object of type T in the manifests.
func only[T any](t *testing.T, ms []manifest) (T, string) {
	t.Helper()
	var found []manifest
	for _, m := range ms {
		if _, ok := m.obj.(T); ok {
			found = append(found, m)
		}
	}
	require.Len(t, found, 1, "want exactly one %T", *new(T))
	return found[0].obj.(T), found[0].file
}

func podLabels(d *appsv1.Deployment) labels.Set { return labels.Set(d.Spec.Template.Labels) }

func selects(t *testing.T, sel *metav1.LabelSelector, set labels.Set) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	require.NoError(t, err)
	return !s.Empty() && s.Matches(set)
}

// containerPortOf resolves a probe's or Service's port (a number or a port name) on c.
func containerPortOf(t *testing.T, c corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	require.Failf(t, "unknown port", "container %s has no port named %q", c.Name, p.StrVal)
	return 0
}

func apiContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	require.Len(t, d.Spec.Template.Spec.Containers, 1)
	return d.Spec.Template.Spec.Containers[0]
}

func TestK8s_EveryManifestDecodesStrictly(t *testing.T) {
	var kinds []string
	for _, m := range loadManifests(t) {
		name := fmt.Sprintf("%T", m.obj)
		kinds = append(kinds, name[strings.LastIndex(name, ".")+1:])
	}
	assert.ElementsMatch(t, []string{"ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service"}, kinds)
}

func TestK8s_StrictDecodingRejectsUnknownFields(t *testing.T) {
	// Guards the guard: a misspelt field must not slip through.
	doc := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n"
	assert.Error(t, yaml.UnmarshalStrict([]byte(doc), &appsv1.Deployment{}))
}

func TestK8s_Deployment_ProbesMatchServiceRoutesOnPort8000(t *testing.T) {
	d, _ := only[*appsv1.Deployment](t, loadManifests(t))
	c := apiContainer(t, d)

	require.Len(t, c.Ports, 1)
	assert.Equal(t, int32(containerPort), c.Ports[0].ContainerPort)
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "PORT" })
	require.GreaterOrEqual(t, i, 0, "PORT is set on the container, next to the probes that depend on it")
	assert.Equal(t, strconv.Itoa(containerPort), c.Env[i].Value)

	for _, tc := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"readiness: database reachable, migrations applied", c.ReadinessProbe, readyPath},
		{"liveness: process up, no database call", c.LivenessProbe, healthPath},
		{"startup: covers migrations before the listener opens", c.StartupProbe, healthPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotNil(t, tc.probe)
			require.NotNil(t, tc.probe.HTTPGet, "an HTTP probe")
			assert.Equal(t, tc.path, tc.probe.HTTPGet.Path)
			assert.Equal(t, int32(containerPort), containerPortOf(t, c, tc.probe.HTTPGet.Port))
			assert.Positive(t, tc.probe.TimeoutSeconds)
		})
	}
}

func TestK8s_Deployment_RunsReplicatedNonRootReadOnlyWithResources(t *testing.T) {
	ms := loadManifests(t)
	d, _ := only[*appsv1.Deployment](t, ms)
	c := apiContainer(t, d)
	pod := d.Spec.Template.Spec

	require.NotNil(t, d.Spec.Replicas)
	assert.GreaterOrEqual(t, *d.Spec.Replicas, int32(2))
	assert.True(t, selects(t, d.Spec.Selector, podLabels(d)), "the selector must match the pod template")
	require.NotNil(t, d.Spec.Strategy.RollingUpdate)
	assert.Equal(t, intstr.FromInt32(0), *d.Spec.Strategy.RollingUpdate.MaxUnavailable, "rollouts never drop below the replica count")

	uid, gid, _ := strings.Cut(distrolessNonroot, ":")
	require.NotNil(t, pod.SecurityContext)
	assert.Equal(t, new(true), pod.SecurityContext.RunAsNonRoot)
	assert.Equal(t, uid, strconv.FormatInt(*pod.SecurityContext.RunAsUser, 10), "the image's USER")
	assert.Equal(t, gid, strconv.FormatInt(*pod.SecurityContext.RunAsGroup, 10))
	require.NotNil(t, pod.SecurityContext.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SecurityContext.SeccompProfile.Type)
	assert.Equal(t, new(false), pod.AutomountServiceAccountToken)

	sc := c.SecurityContext
	require.NotNil(t, sc)
	assert.Equal(t, new(true), sc.ReadOnlyRootFilesystem)
	assert.Equal(t, new(false), sc.AllowPrivilegeEscalation)
	assert.Equal(t, new(true), sc.RunAsNonRoot)
	require.NotNil(t, sc.Capabilities)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)

	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := c.Resources.Requests[r]
		lim, hasLim := c.Resources.Limits[r]
		require.True(t, hasReq && hasLim, "%s needs a request and a limit", r)
		assert.LessOrEqual(t, req.Cmp(lim), 0, "%s request above its limit", r)
	}

	assert.NotRegexp(t, `:latest$|^[^:]+$`, c.Image, "pin the image tag")

	// Graceful stop: the grace period outlasts the preStop pause plus SHUTDOWN_TIMEOUT_SECONDS.
	cm, _ := only[*corev1.ConfigMap](t, ms)
	shutdown, err := strconv.Atoi(cm.Data["SHUTDOWN_TIMEOUT_SECONDS"])
	require.NoError(t, err)
	pause := 0
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		pause = int(c.Lifecycle.PreStop.Sleep.Seconds)
	}
	require.NotNil(t, pod.TerminationGracePeriodSeconds)
	assert.Greater(t, int(*pod.TerminationGracePeriodSeconds), pause+shutdown)
	assert.Nil(t, c.Lifecycle.PreStop.Exec, "the distroless image has no shell to exec")
}

func TestK8s_Deployment_ConfigComesFromConfigMapAndSecret(t *testing.T) {
	ms := loadManifests(t)
	d, _ := only[*appsv1.Deployment](t, ms)
	cm, _ := only[*corev1.ConfigMap](t, ms)
	secret, secretFile := only[*corev1.Secret](t, ms)
	c := apiContainer(t, d)

	var fromCM, fromSecret bool
	for _, src := range c.EnvFrom {
		if src.ConfigMapRef != nil && src.ConfigMapRef.Name == cm.Name {
			fromCM = true
		}
		if src.SecretRef != nil && src.SecretRef.Name == secret.Name {
			fromSecret = true
		}
	}
	assert.True(t, fromCM, "envFrom the ConfigMap %s", cm.Name)
	assert.True(t, fromSecret, "envFrom the Secret %s", secret.Name)

	known := configKeys()
	for k := range cm.Data {
		assert.Contains(t, known, k, "ConfigMap key %s is no setting of the service", k)
	}
	assert.Equal(t, "production", cm.Data["APP_ENV"])
	assert.NotContains(t, cm.Data, "SECRET_KEY", "secrets belong in the Secret")
	assert.NotContains(t, cm.Data, "DATABASE_URL", "it carries the database password")

	assert.ElementsMatch(t, []string{"SECRET_KEY", "DATABASE_URL"}, keysOf(secret.StringData))
	assert.NotEqual(t, "changeme", secret.StringData["SECRET_KEY"])
	assert.GreaterOrEqual(t, len(secret.StringData["SECRET_KEY"]), 32, "production refuses shorter keys")
	assert.Regexp(t, `^postgres(ql)?://`, secret.StringData["DATABASE_URL"])
	// `kubectl apply -f deployments/k8s/` must never install the placeholder secret.
	assert.Equal(t, "examples", filepath.Dir(secretFile))
}

func TestK8s_Service_TargetsPodsOnPort8000(t *testing.T) {
	ms := loadManifests(t)
	d, _ := only[*appsv1.Deployment](t, ms)
	svc, _ := only[*corev1.Service](t, ms)

	assert.True(t, selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, podLabels(d)))
	require.Len(t, svc.Spec.Ports, 1)
	assert.Equal(t, int32(containerPort), containerPortOf(t, apiContainer(t, d), svc.Spec.Ports[0].TargetPort))
	assert.Equal(t, int32(containerPort), svc.Spec.Ports[0].Port)
}

func TestK8s_HPAAndPDB_KeepAtLeastTwoReplicasAndOneServing(t *testing.T) {
	ms := loadManifests(t)
	d, _ := only[*appsv1.Deployment](t, ms)
	hpa, _ := only[*autoscalingv2.HorizontalPodAutoscaler](t, ms)
	pdb, _ := only[*policyv1.PodDisruptionBudget](t, ms)

	ref := hpa.Spec.ScaleTargetRef
	assert.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name}, ref)
	require.NotNil(t, hpa.Spec.MinReplicas)
	assert.GreaterOrEqual(t, *hpa.Spec.MinReplicas, int32(2))
	assert.Greater(t, hpa.Spec.MaxReplicas, *hpa.Spec.MinReplicas)
	assert.Equal(t, *d.Spec.Replicas, *hpa.Spec.MinReplicas)
	for _, m := range hpa.Spec.Metrics {
		if m.Resource != nil && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
			_, ok := apiContainer(t, d).Resources.Requests[m.Resource.Name]
			assert.True(t, ok, "utilization of %s needs a %s request", m.Resource.Name, m.Resource.Name)
		}
	}

	assert.True(t, selects(t, pdb.Spec.Selector, podLabels(d)), "the PDB must select the Deployment's pods")
	minReplicas := int(*hpa.Spec.MinReplicas)
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, minReplicas, false)
		require.NoError(t, err)
		assert.True(t, n >= 1 && n < minReplicas, "allows drains yet keeps a pod serving (maxUnavailable %d of %d)", n, minReplicas)
	case pdb.Spec.MinAvailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, minReplicas, true)
		require.NoError(t, err)
		assert.True(t, n >= 1 && n < minReplicas, "allows drains yet keeps a pod serving (minAvailable %d of %d)", n, minReplicas)
	default:
		assert.Fail(t, "the PDB sets neither maxUnavailable nor minAvailable")
	}
}

func TestK8s_ProbePathsAreRoutesOfTheService(t *testing.T) {
	// The smoke test calls them for real; this catches a renamed route without a database.
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "adapters", "http")); err != nil {
		t.Skip("adapters/http is not written yet")
	}
	var src strings.Builder
	err := filepath.WalkDir(filepath.Join(root, "adapters", "http"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		src.Write(b)
		return err
	})
	require.NoError(t, err)
	for _, path := range []string{healthPath, readyPath} {
		assert.Contains(t, src.String(), strconv.Quote(path), "adapters/http registers no %s route", path)
	}
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
