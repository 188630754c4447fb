package workspace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ahds-events/ahds/tests/sharedcases"
	"github.com/ahds-events/ahds/tests/stack"
	"github.com/ahds-events/ahds/tests/workspace/blobstore"
	"github.com/ahds-events/ahds/tests/workspace/dicomfront"
	"github.com/ahds-events/ahds/tests/workspace/eventgrid"
	"github.com/ahds-events/ahds/tests/workspace/eventhubs"
	"github.com/ahds-events/ahds/tests/workspace/fhirfront"
	"github.com/ahds-events/ahds/tests/workspace/funcapp"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// fakeHandler is an httptest custom handler recording invocation bodies by
// function; it fails every invocation when fail is set.
type fakeHandler struct {
	mu     sync.Mutex
	bodies map[string][]string
	fail   bool
	srv    *httptest.Server
}

func newFakeHandler(t *testing.T, fail bool) *fakeHandler {
	h := &fakeHandler{bodies: map[string][]string{}, fail: fail}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies[strings.TrimPrefix(r.URL.Path, "/")] = append(h.bodies[strings.TrimPrefix(r.URL.Path, "/")], string(b))
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if h.fail {
			w.WriteHeader(500)
		}
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *fakeHandler) take(fn string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.bodies[fn]
	delete(h.bodies, fn)
	return out
}

// invocationEvent decodes Data.event of an Event Grid invocation.
type invocationEvent struct {
	EventType string          `json:"eventType"`
	Subject   string          `json:"subject"`
	Data      json.RawMessage `json:"data"`
}

func decodeInvocation(t *testing.T, body string) (invocationEvent, map[string]json.RawMessage) {
	t.Helper()
	var env struct {
		Data     struct{ Event invocationEvent }
		Metadata map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("invocation %s: %v", body, err)
	}
	return env.Data.Event, env.Metadata
}

func newBroker(t *testing.T, h *fakeHandler, subsJSON string, extra eventgrid.Config) *eventgrid.Broker {
	t.Helper()
	subs, err := eventgrid.ParseSubscriptions([]byte(subsJSON), nil)
	if err != nil {
		t.Fatal(err)
	}
	extra.Subscriptions = subs
	extra.Target = &eventgrid.HostTarget{Client: &hostwire.Client{}, HandlerURL: h.srv.URL,
		Bindings: map[string]string{"dicom-events": "event", "fhir-events": "event"},
		Now:      func() hostwire.Sys { return hostwire.Sys{RandGuid: hostwire.NewUUID()} }}
	extra.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	b, err := eventgrid.NewBroker(t.Context(), extra)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uniqueInstance returns tiny-study inst1 with its study UID prefix changed
// (same length, so the file stays valid) to keep parallel test runs apart.
func uniqueInstance(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedcases.Path(t, "cases", "dicom", "tiny-study"), fmt.Sprintf("inst%d.dcm", n)))
	if err != nil {
		t.Fatal(err)
	}
	const study = "1.2.826.0.1.3680043.8.498.1001"
	unique := fmt.Sprintf("1.2.826.0.1.3680043.8.498.%d", 2000+rand.IntN(8000))
	return bytes.ReplaceAll(b, []byte(study), []byte(unique)), unique
}

func TestStack_DicomStowYieldsOneCreatedEvent(t *testing.T) {
	ep := stack.Require(t)
	h := newFakeHandler(t, false)
	broker := newBroker(t, h, `{"subscriptions":[{"name":"dicom-events","function":"dicom-events","includedEventTypes":["Microsoft.HealthcareApis.DicomImageCreated","Microsoft.HealthcareApis.DicomImageDeleted"]}]}`, eventgrid.Config{})
	feed, err := dicomfront.OpenFeed(filepath.Join(t.TempDir(), "cf.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	front, err := dicomfront.New(dicomfront.Config{OrthancURL: ep.Orthanc, Feed: feed, Publisher: broker, ServiceHostName: "local-dicom", Topic: "/t",
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(front)
	defer srv.Close()

	dcm, study := uniqueInstance(t, 1)
	series, sop := study+".1", study+".1.1"
	resp, err := http.Post(srv.URL+"/v2/studies", "application/dicom", bytes.NewReader(dcm))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("STOW = %d %s", resp.StatusCode, body)
	}
	broker.Wait()
	got := h.take("dicom-events")
	if len(got) != 1 {
		t.Fatalf("dicom-events invocations = %d, want exactly 1", len(got))
	}
	ev, meta := decodeInvocation(t, got[0])
	want := fmt.Sprintf(`{"partitionName":"Microsoft.Default","imageStudyInstanceUid":%q,"imageSeriesInstanceUid":%q,"imageSopInstanceUid":%q,"serviceHostName":"local-dicom","sequenceNumber":1}`, study, series, sop)
	if ev.EventType != eventgrid.DicomImageCreated || string(ev.Data) != want || string(meta["data"]) != want {
		t.Errorf("event = %s %s, metadata data %s; want data %s", ev.EventType, ev.Data, meta["data"], want)
	}

	// The instance is in Orthanc, readable through the front; the change
	// feed has its entry with metadata.
	if resp, err = http.Get(srv.URL + "/v2/studies/" + study + "/series/" + series + "/instances/" + sop + "/metadata"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("WADO metadata = %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/v1/changefeed")
	if err != nil {
		t.Fatal(err)
	}
	var entries []dicomfront.Entry
	_ = json.NewDecoder(resp.Body).Decode(&entries)
	resp.Body.Close()
	if len(entries) != 1 || entries[0].SOPInstanceUID != sop || entries[0].State != dicomfront.StateCurrent || len(entries[0].Metadata) == 0 || bytes.Contains(entries[0].Metadata, []byte("BulkDataURI")) {
		t.Errorf("change feed = %+v", entries)
	}

	// Single-part retrieve of the instance returns the stored file.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v2/studies/"+study+"/series/"+series+"/instances/"+sop, nil)
	req.Header.Set("Accept", "application/dicom; transfer-syntax=*")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/dicom" || !bytes.Equal(file, dcm) {
		t.Errorf("retrieve = %d %s, %d bytes (want the %d stored)", resp.StatusCode, resp.Header.Get("Content-Type"), len(file), len(dcm))
	}

	// Azure refuses a re-STOW; QIDO no match is 204.
	resp, _ = http.Post(srv.URL+"/v2/studies", "application/dicom", bytes.NewReader(dcm))
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("re-STOW = %d, want 409", resp.StatusCode)
	}
	resp, _ = http.Get(srv.URL + "/v2/studies?StudyInstanceUID=1.2.3.4.5.6.7.8.9")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("QIDO no match = %d, want 204", resp.StatusCode)
	}

	// Delete the study: one DicomImageDeleted with the next sequence.
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodDelete, srv.URL+"/v2/studies/"+study, nil)
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE = %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	broker.Wait()
	got = h.take("dicom-events")
	if len(got) != 1 {
		t.Fatalf("invocations after delete = %d, want 1", len(got))
	}
	ev, _ = decodeInvocation(t, got[0])
	if ev.EventType != eventgrid.DicomImageDeleted || !strings.Contains(string(ev.Data), `"sequenceNumber":2`) {
		t.Errorf("delete event = %s %s", ev.EventType, ev.Data)
	}
	if resp, _ = http.Get(srv.URL + "/v2/studies/" + study + "/metadata"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("metadata after delete = %d, want 404", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestStack_FhirWritesYieldEvents(t *testing.T) {
	ep := stack.Require(t)
	h := newFakeHandler(t, false)
	broker := newBroker(t, h, `{"subscriptions":[{"name":"fhir-events","function":"fhir-events","filter":{"advancedFilters":[{"operatorType":"StringIn","key":"data.resourceType","values":["Patient"]}]}}]}`, eventgrid.Config{})
	front, err := fhirfront.New(fhirfront.Config{FHIRURL: ep.FHIR, Account: "local-fhir", Topic: "/t", Publisher: broker, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(front)
	defer srv.Close()
	send := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/fhir+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, created := send("POST", "/Patient", `{"resourceType":"Patient","gender":"female"}`)
	if status != 201 {
		t.Fatalf("create = %d %v", status, created)
	}
	id := created["id"].(string)
	broker.Wait()
	got := h.take("fhir-events")
	if len(got) != 1 {
		t.Fatalf("fhir-events invocations = %d, want 1", len(got))
	}
	ev, _ := decodeInvocation(t, got[0])
	want := fmt.Sprintf(`{"resourceType":"Patient","resourceFhirAccount":"local-fhir","resourceFhirId":%q,"resourceVersionId":1}`, id)
	if ev.EventType != eventgrid.FhirResourceCreated || string(ev.Data) != want || ev.Subject != "local-fhir/Patient/"+id {
		t.Errorf("event = %s %s %s, want data %s", ev.EventType, ev.Subject, ev.Data, want)
	}
	// Update, identical update (no version, no event), delete; an
	// Observation (filtered out by the subscription).
	body := fmt.Sprintf(`{"resourceType":"Patient","id":%q,"gender":"male"}`, id)
	if s, _ := send("PUT", "/Patient/"+id, body); s != 200 {
		t.Fatalf("update = %d", s)
	}
	if s, _ := send("PUT", "/Patient/"+id, body); s != 200 {
		t.Fatalf("identical update = %d", s)
	}
	if s, _ := send("DELETE", "/Patient/"+id, ""); s/100 != 2 {
		t.Fatalf("delete = %d", s)
	}
	send("POST", "/Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
	broker.Wait()
	var kinds []string
	for _, b := range h.take("fhir-events") {
		ev, _ := decodeInvocation(t, b)
		var d struct{ ResourceVersionID int }
		_ = json.Unmarshal(ev.Data, &d)
		kinds = append(kinds, fmt.Sprintf("%s v%d", strings.TrimPrefix(ev.EventType, "Microsoft.HealthcareApis.FhirResource"), d.ResourceVersionID))
	}
	if len(kinds) != 2 || !(kinds[0] == "Updated v2" && kinds[1] == "Deleted v3" || kinds[1] == "Updated v2" && kinds[0] == "Deleted v3") {
		t.Errorf("events after update/no-op/delete = %v, want Updated v2 and Deleted v3", kinds)
	}

	// A transaction: its Patient create is an event.
	status, _ = send("POST", "/", `{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:6f1c2c57-7f43-4c55-9d1a-3a1b1c1d1e1f","resource":{"resourceType":"Patient","gender":"other"},"request":{"method":"POST","url":"Patient"}}]}`)
	if status != 200 {
		t.Fatalf("transaction = %d", status)
	}
	broker.Wait()
	if got := h.take("fhir-events"); len(got) != 1 || !strings.Contains(got[0], eventgrid.FhirResourceCreated) {
		t.Errorf("transaction events = %v", got)
	}
}

func TestStack_EventHubsBatchAndCheckpoint(t *testing.T) {
	ep := stack.Require(t)
	h := newFakeHandler(t, false)
	store, err := blobstore.New(ep.Storage)
	if err != nil {
		t.Fatal(err)
	}
	container := fmt.Sprintf("eh-test-%d", rand.IntN(1_000_000))
	written := make(chan eventhubs.Checkpoint, 10)
	fn := funcapp.Function{Name: "device-telemetry", Bindings: []funcapp.Binding{{Type: "eventHubTrigger", Direction: "in", Name: "events", Cardinality: "many", DataType: "string"}}}
	client := &hostwire.Client{}
	ns, err := eventhubs.New(eventhubs.Config{
		Namespace: "ws.servicebus.windows.net", Hubs: []eventhubs.HubConfig{{Name: "device-telemetry", Partitions: 1, Function: fn}},
		Batch: funcapp.EventHubs{MaxEventBatchSize: 100, MinEventBatchSize: 1}, Checkpoints: &signalling{next: &eventhubs.BlobCheckpoints{Store: store, Container: container}, done: written},
		Invoke: func(ctx context.Context, inv hostwire.Invocation) error {
			_, err := client.Invoke(ctx, h.srv.URL, inv, hostwire.Expect{})
			return err
		},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); ns.Wait() }()
	api := httptest.NewServer(ns.Handler())
	defer api.Close()
	ns.Run(ctx)
	resp, err := http.Post(api.URL+"/device-telemetry/messages", eventhubs.BatchContentType,
		strings.NewReader(`[{"Body":"{\"deviceId\":\"d1\",\"heartRate\":72}"},{"Body":"{\"deviceId\":\"d1\",\"heartRate\":75}","UserProperties":{"source":"test"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("send = %d", resp.StatusCode)
	}
	// The checkpoint lands after the invocation; read it back from Azurite.
	var cp eventhubs.Checkpoint
	select {
	case cp = <-written:
	case <-ctx.Done():
		t.Fatal("no checkpoint")
	}
	meta, err := store.Metadata(ctx, container, eventhubs.BlobName(cp))
	if err != nil || meta["sequencenumber"] != "1" || cp.PartitionID != "0" || cp.ConsumerGroup != "$Default" {
		t.Fatalf("checkpoint %+v metadata = %v, %v", cp, meta, err)
	}
	if meta["offset"] == "" {
		t.Errorf("checkpoint metadata = %v", meta)
	}
	got := h.take("device-telemetry")
	if len(got) != 1 {
		t.Fatalf("invocations = %d, want 1", len(got))
	}
	wantData := `{"Data":{"events":"[\"{\\\"deviceId\\\":\\\"d1\\\",\\\"heartRate\\\":72}\",\"{\\\"deviceId\\\":\\\"d1\\\",\\\"heartRate\\\":75}\"]"},"Metadata":{"TriggerPartitionContext":{"IsCheckpointingAfterInvocation":true,"FullyQualifiedNamespace":"ws.servicebus.windows.net","EventHubName":"device-telemetry","ConsumerGroup":"$Default","PartitionId":"0"}`
	if !strings.HasPrefix(got[0], wantData) || !strings.Contains(got[0], `"PropertiesArray":"[{},{\"source\":\"test\"}]"`) || !strings.Contains(got[0], `"SequenceNumberArray":"[0,1]"`) {
		t.Errorf("invocation = %s", got[0])
	}
}

func TestStack_EventGridDeadLetterToBlob(t *testing.T) {
	ep := stack.Require(t)
	h := newFakeHandler(t, true)
	store, err := blobstore.New(ep.Storage)
	if err != nil {
		t.Fatal(err)
	}
	container := fmt.Sprintf("eventgrid-deadletter-%d", rand.IntN(1_000_000))
	broker := newBroker(t, h, fmt.Sprintf(`{"subscriptions":[{"name":"dicom-events","function":"dicom-events","retryPolicy":{"maxDeliveryAttempts":2},"deadLetterContainer":%q}]}`, container),
		eventgrid.Config{DeadLetter: &eventgrid.BlobSink{Store: store, Topic: "local"}, TimeFactor: 1000})
	broker.Publish(eventgrid.Event{ID: "dl-1", Type: eventgrid.DicomImageCreated, Source: "/t", Subject: "s", Data: json.RawMessage(`{"sequenceNumber":1}`)})
	broker.Wait()
	if n := len(h.take("dicom-events")); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
	pager := store.Client().NewListBlobsFlatPager(container, nil)
	page, err := pager.NextPage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Segment.BlobItems) != 1 {
		t.Fatalf("dead-letter blobs = %d, want 1", len(page.Segment.BlobItems))
	}
	name := *page.Segment.BlobItems[0].Name
	if !strings.HasPrefix(name, "local/DICOM-EVENTS/") {
		t.Errorf("blob name = %s", name)
	}
	dl, err := store.Client().DownloadStream(t.Context(), container, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil || len(recs) != 1 || recs[0]["id"] != "dl-1" || recs[0]["deadLetterReason"] != "MaxDeliveryAttemptsExceeded" || recs[0]["deliveryAttempts"] != 2.0 || recs[0]["lastDeliveryOutcome"] != "GenericError" {
		t.Errorf("dead-letter blob = %s (%v)", b, err)
	}
}

// signalling reports each checkpoint after the wrapped store wrote it.
type signalling struct {
	next eventhubs.CheckpointStore
	done chan eventhubs.Checkpoint
}

func (s *signalling) Checkpoint(ctx context.Context, cp eventhubs.Checkpoint) error {
	err := s.next.Checkpoint(ctx, cp)
	if err == nil {
		s.done <- cp
	}
	return err
}
