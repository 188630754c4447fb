// Package tests holds black-box tests of the assembled Function App: dist/
// is built by scripts/build.sh and run under the fake host (tests/fakehost).
package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/fakehost"
	"github.com/ahds-events/ahds/tests/workspace/funcapp"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

var distDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ahds-dist-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	distDir = filepath.Join(dir, "dist")
	cmd := exec.Command("../scripts/build.sh", distDir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build dist:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startHost runs dist/ under the fake host with the given app settings.
func startHost(t *testing.T, env map[string]string) *fakehost.Host {
	t.Helper()
	root, err := fakehost.LoadAppRoot(distDir)
	if err != nil {
		t.Fatalf("app root: %v", err)
	}
	h, err := fakehost.Start(t.Context(), root, fakehost.Options{Env: env})
	if err != nil {
		t.Fatalf("start handler: %v", err)
	}
	t.Cleanup(func() { _ = h.Stop() })
	return h
}

func sys(fn string) json.RawMessage {
	return hostwire.Sys{MethodName: fn, UtcNow: time.Now().UTC(), RandGuid: hostwire.NewUUID()}.Value()
}

// httpInvocation is a forwarding-off HTTP trigger invocation (contract §5.4)
// for a GET without a body.
func httpInvocation(fn, path string) hostwire.Invocation {
	req := fmt.Sprintf(`{"Url":"http://localhost:7071/api/%s","Method":"GET","Query":{},"Headers":{"Host":["localhost:7071"]},"Params":{},"Identities":[]}`, path)
	return hostwire.Invocation{
		Function: fn,
		Data:     hostwire.Object{{Name: "req", Value: json.RawMessage(req)}},
		Metadata: hostwire.Object{{Name: "Query", Value: json.RawMessage(`{}`)}, {Name: "Headers", Value: json.RawMessage(`{"Host":"localhost:7071"}`)}, {Name: "sys", Value: sys(fn)}},
	}
}

// probeInvocation builds a well-formed invocation of f's trigger carrying
// input the function cannot use, so that every route is exercised without
// side effects.
func probeInvocation(t *testing.T, f funcapp.Function) hostwire.Invocation {
	t.Helper()
	trig, _ := f.Trigger()
	switch trig.Type {
	case "httpTrigger":
		return httpInvocation(f.Name, f.Name)
	case "timerTrigger":
		return hostwire.Invocation{Function: f.Name,
			Data:     hostwire.Object{{Name: trig.Name, Value: json.RawMessage(`{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}`)}},
			Metadata: hostwire.Object{{Name: "sys", Value: sys(f.Name)}}}
	case "eventGridTrigger":
		ev := json.RawMessage(`{"id":"probe-1","topic":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/x","subject":"probe","data":{"probe":true},"eventType":"Probe.Unexpected","dataVersion":"1","metadataVersion":"1","eventTime":"2024-10-25T03:02:17Z"}`)
		inv, err := hostwire.EventGrid(f.Name, trig.Name, ev, hostwire.Sys{MethodName: f.Name, UtcNow: time.Now().UTC(), RandGuid: hostwire.NewUUID()})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	case "eventHubTrigger":
		inv, err := hostwire.EventHubBatch(hostwire.Batch{
			Function: f.Name, Binding: trig.Name, DataType: trig.DataType,
			Partition: hostwire.PartitionContext{FullyQualifiedNamespace: "local", EventHubName: "probe", ConsumerGroup: "$Default", PartitionID: "0"},
			Events:    []hostwire.EventData{{Body: []byte("not json"), SequenceNumber: 1, Offset: 0, EnqueuedTime: time.Now().UTC()}},
			Sys:       hostwire.Sys{MethodName: f.Name, UtcNow: time.Now().UTC(), RandGuid: hostwire.NewUUID()},
		})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	t.Fatalf("function %s: unknown trigger %q", f.Name, trig.Type)
	return hostwire.Invocation{}
}

func TestHandler_ReadyFastAndEveryRouteAnswers(t *testing.T) {
	h := startHost(t, map[string]string{"LOG_LEVEL": "info",
		// Configured but unreachable: the probes must be answered without
		// any call out (a non-JSON device message is dead-lettered at once).
		"FHIR_BASE_URL": "http://127.0.0.1:9", "MEDTECH_IDENTITY_MODE": "Direct",
		"DICOM_SERVICE_URL": "http://127.0.0.1:9", "DICOM_SERVICE_KIND": "orthanc",
		"MEDTECH_DEVICE_MAPPING": "device-telemetry/mappings/devicecontent.json",
		"MEDTECH_FHIR_MAPPING":   "device-telemetry/mappings/fhirmapping.json"})
	if h.ReadyAfter > time.Second {
		t.Errorf("handler ready after %v, want under 1 s", h.ReadyAfter)
	}
	t.Logf("handler ready after %v", h.ReadyAfter)
	if len(h.Root.Functions) == 0 {
		t.Fatal("no functions in dist/")
	}
	for _, name := range h.Root.Names() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			f := h.Root.Functions[name]
			res, err := h.Invoke(ctx, probeInvocation(t, f))
			if trig, _ := f.Trigger(); trig.Type == "timerTrigger" {
				// No storage for the checkpoint: the run must fail (500,
				// so the failure shows) and say why on stderr.
				var se *hostwire.StatusError
				if !errors.As(err, &se) || se.Status != 500 {
					t.Fatalf("invoke = %v, %v; want a 500", res, err)
				}
				if !consoleHas(h, fakehost.Error, name+" is not configured") {
					t.Errorf("no stderr line explains the failure of %s", name)
				}
				return
			}
			// Input the function cannot use is dead-lettered and acknowledged.
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			if res.Status != 200 {
				t.Errorf("status = %d", res.Status)
			}
		})
	}
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	if !consoleHas(h, fakehost.Information, `"msg":"handler ready"`) {
		t.Errorf("no Information line 'handler ready' in console output: %v", h.Lines())
	}
}

func TestHandler_HealthReportsMissingConfiguration(t *testing.T) {
	h := startHost(t, nil)
	res, err := h.Invoke(t.Context(), httpInvocation("health", "health"))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(res.Outputs["res"], &out); err != nil {
		t.Fatal(err)
	}
	if out.StatusCode != 503 || !strings.Contains(out.Body, "FHIR_BASE_URL is not set") {
		t.Errorf("health = %d %s; want 503 naming FHIR_BASE_URL", out.StatusCode, out.Body)
	}
	// With FHIR set, the functions' own missing settings are reported too.
	h2 := startHost(t, map[string]string{"FHIR_BASE_URL": "http://127.0.0.1:9"})
	res2, err := h2.Invoke(t.Context(), httpInvocation("health", "health"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res2.Outputs["res"]), "device-telemetry: MEDTECH_DEVICE_MAPPING is required") {
		t.Errorf("health does not report the device-telemetry settings: %s", res2.Outputs["res"])
	}
	// Configuration problems are logged at start as errors (stderr).
	if !consoleHas(h, fakehost.Error, "configuration problems") {
		t.Error("configuration problems not logged to stderr at start")
	}
}

// consoleHas reports whether the handler wrote a console line at level
// containing text, waiting up to 5 s: lines are read from its pipes
// asynchronously.
func consoleHas(h *fakehost.Host, level fakehost.Level, text string) bool {
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, l := range h.Lines() {
			if l.Level == level && strings.Contains(l.Text, text) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
