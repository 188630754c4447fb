package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testApp(t *testing.T) string {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"host.json":                      `{"version":"2.0","extensions":{"eventHubs":{"maxEventBatchSize":10}}}`,
		"dicom-events/function.json":     `{"bindings":[{"type":"eventGridTrigger","direction":"in","name":"event"}]}`,
		"fhir-events/function.json":      `{"bindings":[{"type":"eventGridTrigger","direction":"in","name":"event"}]}`,
		"device-telemetry/function.json": `{"bindings":[{"type":"eventHubTrigger","direction":"in","name":"events","eventHubName":"%HUB%","consumerGroup":"%CG%","cardinality":"many","dataType":"string"}]}`,
		"local.settings.json":            `{"Values":{"HUB":"device-telemetry","CG":"telemetry-readers"}}`,
	})
	return root
}

func TestParseConfig(t *testing.T) {
	env := map[string]string{"WORKSPACE_HANDLER_URL": "http://127.0.0.1:9", "WORKSPACE_DICOM_PORT": "9001", "WORKSPACE_HUBS": "a=f,b="}
	c, err := parseConfig([]string{"-fhir-port", "9002"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.handlerURL != "http://127.0.0.1:9" || c.dicomPort != 9001 || c.fhirPort != 9002 || c.dicomHost != "" || c.fhirAccount != "" ||
		len(c.hubs) != 2 || c.hubs[1] != (hubSpec{"b", ""}) || c.storage != "UseDevelopmentStorage=true" {
		t.Errorf("config = %+v", c)
	}
	for _, args := range [][]string{{}, {"-handler-url", "x", "-start-handler"}, {"-handler-url", "x", "-time-factor", "0.5"}, {"-handler-url", "x", "extra"}, {"-handler-url", "x", "-hubs", "nohub"}} {
		if _, err := parseConfig(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("parseConfig(%q) = nil error", args)
		}
	}
}

func TestServe_MissingFunctions(t *testing.T) {
	app := t.TempDir()
	writeFiles(t, app, map[string]string{"host.json": `{}`, "health/function.json": `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req"}]}`})
	subs := filepath.Join("..", "..", "tests", "workspace", "subscriptions.json")
	args := []string{"-handler-url", "http://127.0.0.1:9", "-app", app, "-subscriptions", subs, "-dicom-port", "0", "-fhir-port", "0", "-eventhubs-port", "0",
		"-endpoints", filepath.Join(t.TempDir(), "ep.json"), "-changefeed", ""}
	c, err := parseConfig(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = serve(t.Context(), c, func(string) string { return "" }, nil, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), `function "dicom-events" is not in`) {
		t.Fatalf("serve error = %v, want missing dicom-events", err)
	}
	c, _ = parseConfig(append(args, "-allow-missing-functions"), func(string) string { return "" }, io.Discard)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, c, func(string) string { return "" }, nil, io.Discard, t.Output(), func(Endpoints) { cancel() })
	}()
	if err := <-done; err != nil {
		t.Errorf("serve with -allow-missing-functions = %v", err)
	}
}

func TestServe_RefusesBadSubscriptions(t *testing.T) {
	app := testApp(t)
	subs := filepath.Join(t.TempDir(), "subs.json")
	writeFiles(t, filepath.Dir(subs), map[string]string{"subs.json": "{\"subscriptions\":[\n{\"name\":\"x\",\"function\":\"device-telemetry\"}]}"})
	c, err := parseConfig([]string{"-handler-url", "http://127.0.0.1:9", "-app", app, "-subscriptions", subs, "-dicom-port", "0", "-fhir-port", "0", "-eventhubs-port", "0"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = serve(t.Context(), c, func(string) string { return "" }, nil, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), subs+":2:") || !strings.Contains(err.Error(), "not eventGridTrigger") {
		t.Errorf("serve error = %v", err)
	}
}

// TestServe_EndToEnd wires the emulation to a fake FHIR server and an
// httptest handler: a FHIR create reaches fhir-events as an Event Grid
// invocation, an Event Hubs REST batch reaches device-telemetry.
func TestServe_EndToEnd(t *testing.T) {
	got := make(chan string, 10)
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	}))
	defer handler.Close()
	fhir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Header().Set("Location", "http://"+r.Host+"/Patient/p1/_history/1")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"resourceType":"Patient","id":"p1","meta":{"versionId":"1"}}`)
	}))
	defer fhir.Close()
	dir := t.TempDir()
	c, err := parseConfig([]string{"-handler-url", handler.URL, "-app", testApp(t), "-subscriptions", filepath.Join("..", "..", "tests", "workspace", "subscriptions.json"),
		"-fhir-url", fhir.URL, "-orthanc-url", "http://127.0.0.1:9", "-dicom-port", "0", "-fhir-port", "0", "-eventhubs-port", "0",
		"-endpoints", filepath.Join(dir, "endpoints.json"), "-changefeed", filepath.Join(dir, "cf.jsonl"), "-storage", "UseDevelopmentStorage=true", "-dead-letter=false"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan Endpoints, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, c, func(string) string { return "" }, nil, io.Discard, t.Output(), func(ep Endpoints) { ready <- ep })
	}()
	var ep Endpoints
	select {
	case ep = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "endpoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file Endpoints
	if err := json.Unmarshal(b, &file); err != nil || file != ep || !strings.HasSuffix(ep.DICOMweb, "/v2") || !strings.HasSuffix(ep.EventHubs, "/device-telemetry/messages") || ep.Storage != "UseDevelopmentStorage=true" {
		t.Errorf("endpoints file = %s (%v), ready = %+v", b, err, ep)
	}

	resp, err := http.Post(ep.FHIR+"/Patient", "application/fhir+json", strings.NewReader(`{"resourceType":"Patient"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, ep.FHIR+"/") {
		t.Errorf("Location = %s, want the front's base %s", loc, ep.FHIR)
	}
	select {
	case inv := <-got:
		if !strings.HasPrefix(inv, `/fhir-events {"Data":{"event":{"id":`) || !strings.Contains(inv, `"eventType":"Microsoft.HealthcareApis.FhirResourceCreated"`) {
			t.Errorf("invocation = %s", inv)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no fhir-events invocation")
	}

	resp, err = http.Post(ep.EventHubs, "application/vnd.microsoft.servicebus.json", strings.NewReader(`[{"Body":"{\"deviceId\":\"d1\"}"}]`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("event hubs send = %d", resp.StatusCode)
	}
	select {
	case inv := <-got:
		if !strings.HasPrefix(inv, `/device-telemetry {"Data":{"events":"[\"{\\\"deviceId\\\":\\\"d1\\\"}\"]"},"Metadata":{"TriggerPartitionContext":`) || !strings.Contains(inv, `"ConsumerGroup":"telemetry-readers"`) {
			t.Errorf("invocation = %s", inv)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no device-telemetry invocation")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
}
