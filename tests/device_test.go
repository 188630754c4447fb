package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/tests/fakehost"
	"github.com/ahds-events/ahds/tests/stack"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

const seedBody = `{"deviceId":"SpO2-Monitor-001","patientId":"patient-12345","measurementTime":"2024-01-15T14:30:00.000Z",` +
	`"readings":{"heartRate":{"value":72,"unit":"beats/min"},"oxygenSaturation":{"value":98,"unit":"%"},` +
	`"bloodPressure":{"systolic":120,"diastolic":80,"unit":"mmHg"}}}`

// deviceHost runs dist/ against the local FHIR server and Azurite with the
// seed mappings in Direct identity mode (the seed example's).
func deviceHost(t *testing.T, st stack.Endpoints, container string) *fakehost.Host {
	t.Helper()
	return startHost(t, map[string]string{
		"FHIR_BASE_URL": st.FHIR, "AzureWebJobsStorage": st.Storage, "DEADLETTER_CONTAINER": container,
		"MEDTECH_IDENTITY_MODE":  "Direct",
		"MEDTECH_DEVICE_MAPPING": "device-telemetry/mappings/devicecontent.json",
		"MEDTECH_FHIR_MAPPING":   "device-telemetry/mappings/fhirmapping.json",
	})
}

func deviceBatch(t *testing.T, bodies ...string) hostwire.Invocation {
	t.Helper()
	var evs []hostwire.EventData
	for i, b := range bodies {
		evs = append(evs, hostwire.EventData{Body: []byte(b), SequenceNumber: int64(100 + i), Offset: int64(4096 * i), EnqueuedTime: time.Now().UTC()})
	}
	inv, err := hostwire.EventHubBatch(hostwire.Batch{
		Function: "device-telemetry", Binding: "events", DataType: "string",
		Partition: hostwire.PartitionContext{IsCheckpointingAfterInvocation: true, FullyQualifiedNamespace: "local", EventHubName: "device-telemetry", ConsumerGroup: "$Default", PartitionID: "0"},
		Events:    evs,
		Sys:       hostwire.Sys{MethodName: "device-telemetry", UtcNow: time.Now().UTC(), RandGuid: hostwire.NewUUID()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func readObservation(t *testing.T, base, id string) (map[string]any, string) {
	t.Helper()
	res, err := http.Get(base + "/Observation/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET Observation/%s = %d", id, res.StatusCode)
	}
	var o map[string]any
	if err := json.NewDecoder(res.Body).Decode(&o); err != nil {
		t.Fatal(err)
	}
	return o, res.Header.Get("ETag")
}

// TestDeviceTelemetry_SeedThroughHost sends the mission's seed message and a
// poison message in one batch through the fake host: the seed Observations
// land in the FHIR server with the seed's ids, the poison message is
// dead-lettered, and re-delivering the batch creates no new versions.
func TestDeviceTelemetry_SeedThroughHost(t *testing.T) {
	st := stack.Require(t)
	container := fmt.Sprintf("dltdevice%d", time.Now().UnixNano()%1e9)
	h := deviceHost(t, st, container)
	inv := deviceBatch(t, seedBody, `{"deviceId": "broken"`)
	res, err := h.Invoke(t.Context(), inv)
	if err != nil {
		t.Fatalf("invoke: %v; console: %v", err, h.Lines())
	}
	if !strings.Contains(strings.Join(res.Logs, "\n"), "1 dead-lettered") {
		t.Errorf("Logs = %v", res.Logs)
	}
	const hrID = "89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e"
	obs, etag := readObservation(t, st.FHIR, hrID)
	if obs["effectiveDateTime"] != "2024-01-15T14:30:00.000Z" || obs["subject"].(map[string]any)["reference"] != "Patient/patient-12345" {
		t.Errorf("heart rate Observation = %v", obs)
	}
	readObservation(t, st.FHIR, "be979e8a0ae7b2184433195cd253a6ea3abc86cfa7c163e86f5f12090c39720d")

	client, err := blobstore.Open(config.Storage{ConnectionString: st.Storage}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := deadletter.NewBlob(client, container).List(t.Context(), "device-telemetry")
	if err != nil || len(sums) != 1 || !strings.Contains(sums[0].Error, "InvalidDataFormatException") {
		t.Fatalf("dead letters = %+v, %v", sums, err)
	}

	if _, err := h.Invoke(t.Context(), deviceBatch(t, seedBody, `{"deviceId": "broken"`)); err != nil {
		t.Fatal(err)
	}
	if _, etag2 := readObservation(t, st.FHIR, hrID); etag2 != etag {
		t.Errorf("re-delivery made a new version: %s → %s", etag, etag2)
	}
	if sums, _ := deadletter.NewBlob(client, container).List(t.Context(), "device-telemetry"); len(sums) != 1 {
		t.Errorf("re-delivery duplicated the dead letter: %d records", len(sums))
	}
	// The log never carries the patient id.
	for _, l := range h.Lines() {
		if strings.Contains(l.Text, "patient-12345") {
			t.Errorf("console line carries the patient id: %s", l.Text)
		}
	}
}
