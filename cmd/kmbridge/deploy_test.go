package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/httpserver"
)

// The deploy/ examples are checked against the code: the probes hit routes
// the server has, the ports are the ones kmbridge listens on, the
// environment is a configuration kmbridge accepts (no misspelt key), the
// grace period covers the shutdown drain, and the replicas reach Redis and
// KM where the other services are. No Docker engine or cluster is needed.

// k8sObject is the part of a Kubernetes object the checks read.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas *int             `yaml:"replicas"`
		Selector map[string]any   `yaml:"selector"`
		Ports    []k8sServicePort `yaml:"ports"`
		Template k8sPodTemplate   `yaml:"template"`
		Other    map[string]any   `yaml:",inline"`
	} `yaml:"spec"`
}

type k8sServicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort any    `yaml:"targetPort"`
}

type k8sPodTemplate struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		TerminationGracePeriodSeconds *int           `yaml:"terminationGracePeriodSeconds"`
		Containers                    []k8sContainer `yaml:"containers"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Name  string   `yaml:"name"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name     string `yaml:"name"`
				Key      string `yaml:"key"`
				Optional bool   `yaml:"optional"`
			} `yaml:"secretKeyRef"`
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	Lifecycle      struct {
		PreStop struct {
			Sleep struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	TimeoutSeconds int `yaml:"timeoutSeconds"`
}

func readK8s(t *testing.T, path string) map[string]k8sObject {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string]k8sObject{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if o.Kind == "" {
			continue
		}
		objs[o.Kind+"/"+o.Metadata.Name] = o
	}
	return objs
}

// routeAnswers reports whether the server has a GET route at path.
func routeAnswers(path string) bool {
	s := httpserver.New(httpserver.Options{Ready: nil})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed
}

// listenPort is the port of an http.listen value (":8080").
func listenPort(t *testing.T, listen string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("KMBRIDGE_HTTP_LISTEN %q: %v", listen, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mustLoad checks that env is a configuration kmbridge accepts.
func mustLoad(t *testing.T, where string, env map[string]string) {
	t.Helper()
	if r := runKM(t, env, "config"); r.code != exitOK {
		t.Errorf("%s: kmbridge refuses the environment (exit %d):\n%s", where, r.code, r.stderr)
	}
}

func TestDeployKubernetes(t *testing.T) {
	objs := readK8s(t, "../../deploy/kubernetes/kmbridge.yaml")
	for _, want := range []string{"Secret/kmbridge", "Deployment/redis", "Service/redis", "Deployment/kmbridge", "Service/kmbridge"} {
		if _, ok := objs[want]; !ok {
			t.Fatalf("no %s in the manifest", want)
		}
	}
	secret := objs["Secret/kmbridge"].StringData
	dep := objs["Deployment/kmbridge"]
	if r := dep.Spec.Replicas; r == nil || *r != 2 {
		t.Errorf("kmbridge replicas = %v, want 2", r)
	}
	pod := dep.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("kmbridge pod has %d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]

	// The environment, resolved: literals, the Secret's values, the pod name.
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secret[ref.Key]
			if ref.Name != "kmbridge" || (!ok && !ref.Optional) {
				t.Errorf("env %s: secret %s key %s is not in the Secret", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		case e.ValueFrom.FieldRef != nil:
			env[e.Name] = "kmbridge-7d9f-abcde"
		}
	}
	mustLoad(t, "Deployment/kmbridge", env)

	// The port kmbridge listens on is the container's, the probes' and the Service's.
	port := listenPort(t, env["KMBRIDGE_HTTP_LISTEN"])
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port || c.Ports[0].Name != "http" {
		t.Errorf("container ports %+v, want http: %d (KMBRIDGE_HTTP_LISTEN)", c.Ports, port)
	}
	for name, p := range map[string]*k8sProbe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		if p.HTTPGet.Port != "http" {
			t.Errorf("%s probe port %v, want http", name, p.HTTPGet.Port)
		}
		if !routeAnswers(p.HTTPGet.Path) {
			t.Errorf("%s probe path %s: the server has no such route", name, p.HTTPGet.Path)
		}
	}
	if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes: readiness %s, liveness %s; want /readyz, /healthz", c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path)
	}
	// A readiness check may wait for its store and KM checks.
	if limit := 3 * time.Second; time.Duration(c.ReadinessProbe.TimeoutSeconds)*time.Second <= limit {
		t.Errorf("readiness timeout %ds: a check may take %s", c.ReadinessProbe.TimeoutSeconds, limit)
	}
	svc := objs["Service/kmbridge"]
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != "http" {
		t.Errorf("Service/kmbridge ports %+v, want targetPort http", svc.Spec.Ports)
	}
	for k, v := range pod.Metadata.Labels {
		if sel, ok := svc.Spec.Other["selector"].(map[string]any); ok && sel[k] != nil && sel[k] != v {
			t.Errorf("Service/kmbridge selects %s=%v, pods are %s=%s", k, sel[k], k, v)
		}
	}

	// SIGTERM: the preStop pause, then the core's drain (the HTTP drain
	// runs meanwhile), within the grace period.
	grace := pod.Spec.TerminationGracePeriodSeconds
	need := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds)*time.Second + config.Defaults().HTTP.ShutdownTimeout.D() + 5*time.Second
	if grace == nil || time.Duration(*grace)*time.Second < need {
		t.Errorf("terminationGracePeriodSeconds too short (or unset), want at least %s", need)
	}

	// kmbridge reaches Redis where its Service is, with its password.
	u, err := url.Parse(env["KMBRIDGE_STORE_REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	rsvc := objs["Service/redis"]
	if u.Hostname() != "redis" || len(rsvc.Spec.Ports) != 1 || u.Port() != strconv.Itoa(rsvc.Spec.Ports[0].Port) {
		t.Errorf("store.redis_url %s does not point at Service/redis %+v", u.Redacted(), rsvc.Spec.Ports)
	}
	if pw == "" || pw != secret["REDIS_PASSWORD"] {
		t.Errorf("the Redis URL's password is not REDIS_PASSWORD")
	}
	redis := objs["Deployment/redis"].Spec.Template.Spec.Containers
	if len(redis) != 1 || len(redis[0].Ports) != 1 || redis[0].Ports[0].Name != rsvc.Spec.Ports[0].TargetPort {
		t.Errorf("Service/redis targets %v, the Redis container's ports are %+v", rsvc.Spec.Ports[0].TargetPort, redis)
	}
}

// composeFile is the part of compose.yaml the checks read.
type composeFile struct {
	Services map[string]struct {
		Command         []string          `yaml:"command"`
		Environment     map[string]string `yaml:"environment"`
		Ports           []string          `yaml:"ports"`
		StopGracePeriod string            `yaml:"stop_grace_period"`
		DependsOn       map[string]any    `yaml:"depends_on"`
	} `yaml:"services"`
}

func TestDeployCompose(t *testing.T) {
	b, err := os.ReadFile("../../deploy/compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	sim, ok := f.Services["kmsim"]
	if !ok || len(sim.Command) < 4 || sim.Command[0] != "km" || sim.Command[1] != "sim" || sim.Command[2] != "-listen" {
		t.Fatalf("kmsim service: %+v, want command km sim -listen ADDR", sim)
	}
	_, simPort, err := net.SplitHostPort(sim.Command[3])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Services["redis"]; !ok {
		t.Fatal("no redis service")
	}
	ids := map[string]bool{}
	for _, name := range []string{"kmbridge-a", "kmbridge-b"} {
		s, ok := f.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		env := s.Environment
		mustLoad(t, name, env)
		port := listenPort(t, env["KMBRIDGE_HTTP_LISTEN"])
		if len(s.Ports) != 1 || !strings.HasSuffix(s.Ports[0], ":"+strconv.Itoa(port)) {
			t.Errorf("%s publishes %q, want HOST:%d", name, s.Ports, port)
		}
		km, err := url.Parse(env["KMBRIDGE_KM_BASE_URL"])
		if err != nil || km.Hostname() != "kmsim" || km.Port() != simPort || km.Path != "/api" {
			t.Errorf("%s: km.base_url %q is not the kmsim service's (port %s, /api)", name, env["KMBRIDGE_KM_BASE_URL"], simPort)
		}
		if r, err := url.Parse(env["KMBRIDGE_STORE_REDIS_URL"]); err != nil || r.Hostname() != "redis" {
			t.Errorf("%s: store.redis_url %q is not the redis service's", name, env["KMBRIDGE_STORE_REDIS_URL"])
		}
		if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d < config.Defaults().HTTP.ShutdownTimeout.D() {
			t.Errorf("%s: stop_grace_period %q, want at least %s", name, s.StopGracePeriod, config.Defaults().HTTP.ShutdownTimeout.D())
		}
		if _, ok := s.DependsOn["redis"]; !ok {
			t.Errorf("%s does not wait for redis", name)
		}
		ids[env["KMBRIDGE_BRIDGE_REPLICA_ID"]] = true
	}
	if len(ids) != 2 {
		t.Errorf("the replicas' ids %v are not distinct", ids)
	}
}
