package tests

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFuncStart runs dist/ under the real Azure Functions Core Tools when
// they are installed: the host starts the handler, answers the health
// function, and accepts an Event Grid delivery at its webhook. The Core
// Tools cannot be installed on CI (no download site is reachable), so there
// the test is skipped and the fake host (tests/fakehost) stands in for it.
func TestFuncStart(t *testing.T) {
	funcBin, err := exec.LookPath("func")
	if err != nil {
		t.Skip("Azure Functions Core Tools (func) not installed; they cannot be installed on CI, so the fake host covers the contract (functions-host.md §16 lists what to re-check)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	settings := `{"IsEncrypted":false,"Values":{"FUNCTIONS_WORKER_RUNTIME":"custom","AzureWebJobsStorage":"UseDevelopmentStorage=true"}}`
	if err := os.WriteFile(filepath.Join(distDir, "local.settings.json"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, funcBin, "start", "--script-root", distDir, "--port", fmt.Sprint(port))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var res *http.Response
	for range 240 {
		if res, err = http.Get(base + "/api/health"); err == nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("func start never answered /api/health: %v\n%s", err, out.String())
	}
	res.Body.Close()
	if res.StatusCode != 503 { // settings are missing: the health function says so
		t.Errorf("GET /api/health = %d, want 503\n%s", res.StatusCode, out.String())
	}
	ev := `[{"id":"probe-1","topic":"/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w","subject":"x","data":{"probe":true},"eventType":"Probe.Unexpected","dataVersion":"1","metadataVersion":"1","eventTime":"2024-10-25T03:02:17Z"}]`
	req, _ := http.NewRequest(http.MethodPost, base+"/runtime/webhooks/EventGrid?functionName=fhir-events", bytes.NewBufferString(ev))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("aeg-event-type", "Notification")
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// fhir-events is unconfigured here: a transient failure, so 500 and Event Grid would redeliver.
	if res.StatusCode != 500 && res.StatusCode != 202 {
		t.Errorf("Event Grid webhook = %d\n%s", res.StatusCode, out.String())
	}
}
