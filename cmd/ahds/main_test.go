package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/tests/stack"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

func TestRun_Dispatch(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"version", []string{"version"}, 0, "ahds dev"},
		{"no command", nil, 2, ""},
		{"unknown command", []string{"frobnicate"}, 2, ""},
		{"config without check", []string{"config"}, 2, ""},
		{"deadletter without subcommand", []string{"deadletter"}, 2, ""},
		{"deadletter show without id", []string{"deadletter", "show"}, 2, ""},
		{"deadletter without storage", []string{"deadletter", "list"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := runCLI(t, nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Errorf("ahds %v = %d %q, want %d containing %q", tt.args, code, out, tt.wantCode, tt.wantOut)
			}
		})
	}
}

func TestConfigCheck(t *testing.T) {
	good := map[string]string{"FHIR_BASE_URL": "http://127.0.0.1:8080", "DICOM_SERVICE_URL": "http://127.0.0.1:8042", "DICOM_SERVICE_KIND": "orthanc", "AzureWebJobsStorage": "UseDevelopmentStorage=true",
		"MEDTECH_DEVICE_MAPPING": "devicecontent.json", "MEDTECH_FHIR_MAPPING": "fhirmapping.json"}
	if code, out, errs := runCLI(t, good, "config", "check"); code != 0 || !strings.Contains(out, "configuration ok") {
		t.Errorf("config check (good) = %d %s %s", code, out, errs)
	}
	code, _, errs := runCLI(t, map[string]string{"DICOM_SERVICE_KIND": "pacs"}, "config", "check")
	if code != 1 || !strings.Contains(errs, "FHIR_BASE_URL is not set") || !strings.Contains(errs, `DICOM_SERVICE_KIND is "pacs"`) {
		t.Errorf("config check (bad) = %d %s", code, errs)
	}
}

func TestDeadLetter_ListAndShowFromAzurite(t *testing.T) {
	st := stack.Require(t)
	containerName := "dl" + strings.ReplaceAll(strings.ToLower(t.Name()), "_", "")[:20] + time.Now().Format("150405")
	env := map[string]string{"AzureWebJobsStorage": st.Storage, "DEADLETTER_CONTAINER": containerName}
	client, err := blobstore.Open(config.Storage{ConnectionString: st.Storage}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := deadletter.NewBlob(client, containerName)
	rec := deadletter.Record{
		ID: deadletter.ID("dicom-events", []byte(`{"id":"e1"}`)), Function: "dicom-events", Trigger: "eventGridTrigger",
		Error: "metadata has no StudyInstanceUID", Attempt: 1, Time: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Event: []byte(`{"id":"e1"}`),
	}
	if err := store.Put(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, env, "deadletter", "list", "--function", "dicom-events")
	if code != 0 || !strings.Contains(out, rec.ID) || !strings.Contains(out, "no StudyInstanceUID") {
		t.Fatalf("list = %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, env, "deadletter", "show", rec.ID)
	if code != 0 || !strings.Contains(out, `"id": "e1"`) || !strings.Contains(out, `"function": "dicom-events"`) {
		t.Fatalf("show = %d %q %q", code, out, errs)
	}
	if code, _, errs := runCLI(t, env, "deadletter", "show", "dicom-events/nope"); code != 1 || !strings.Contains(errs, "no dead-letter record") {
		t.Errorf("show unknown = %d %q", code, errs)
	}
}

func TestSimulateDevices_RESTSendAPI(t *testing.T) {
	var got [][]restEvent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/vnd.microsoft.servicebus.json" || r.URL.Path != "/device-telemetry/messages" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var batch []restEvent
		if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got = append(got, batch)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	code, out, errs := runCLI(t, nil, "simulate", "devices", "--devices", "3", "--duration", "5s", "--url", srv.URL+"/device-telemetry/messages", "--start", "2024-01-15T14:30:00Z")
	if code != 0 || !strings.Contains(out, "sent 15 messages") {
		t.Fatalf("simulate = %d %q %q", code, out, errs)
	}
	if len(got) != 5 || len(got[0]) != 3 || got[0][1].BrokerProperties["PartitionKey"] != "SpO2-Monitor-002" ||
		!strings.Contains(got[0][0].Body, `"measurementTime":"2024-01-15T14:30:00.000Z"`) {
		t.Errorf("batches = %+v", got)
	}
	if code, _, _ := runCLI(t, nil, "simulate", "devices"); code != 2 {
		t.Errorf("simulate without a target = %d, want 2", code)
	}
}

// TestSettings_Documented: every setting the handler reads is in the README
// and in local.settings.sample.json.
func TestSettings_Documented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../../local.settings.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var ls struct{ Values map[string]string }
	if err := json.Unmarshal(sample, &ls); err != nil {
		t.Fatalf("local.settings.sample.json: %v", err)
	}
	for _, s := range allSettings() {
		if !strings.Contains(string(readme), "`"+s.Name+"`") {
			t.Errorf("README.md does not document %s", s.Name)
		}
		if _, ok := ls.Values[s.Name]; !ok {
			t.Errorf("local.settings.sample.json has no %s", s.Name)
		}
	}
}

func TestSimulateStudy_StoresInOrthanc(t *testing.T) {
	st := stack.Require(t)
	uid := fmt.Sprintf("2.25.%d", time.Now().UnixNano())
	code, out, errs := runCLI(t, nil, "simulate", "study", "--kind", "orthanc", "--url", st.Orthanc, "--series", "2", "--instances", "3", "--study-uid", uid)
	if code != 0 || !strings.Contains(out, "2 series, 6 instances") {
		t.Fatalf("simulate study = %d %q %q", code, out, errs)
	}
	res, err := http.Get(st.Orthanc + "/dicom-web/studies/" + uid + "/series")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var series []any
	if err := json.NewDecoder(res.Body).Decode(&series); err != nil || len(series) != 2 {
		t.Errorf("QIDO series of the stored study = %d, %v; want 2", len(series), err)
	}
}
