package eventgrid

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/clock"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// scriptTarget answers attempt i with statuses[i] (the last one repeats)
// and reports each attempt's clock time.
type scriptTarget struct {
	clk      clock.Clock
	statuses []int
	mu       sync.Mutex
	calls    int
	times    chan time.Time
}

func (s *scriptTarget) Deliver(ctx context.Context, sub *Subscription, ev json.RawMessage) (int, error) {
	s.mu.Lock()
	i := min(s.calls, len(s.statuses)-1)
	s.calls++
	s.mu.Unlock()
	s.times <- s.clk.Now()
	if st := s.statuses[i]; !Succeeded(st) {
		return st, errors.New("failed")
	}
	return s.statuses[i], nil
}

type memSink struct {
	mu      sync.Mutex
	records []string
}

func (m *memSink) DeadLetter(ctx context.Context, sub *Subscription, container string, record []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = append(m.records, container+" "+string(record))
	return nil
}

var t0 = time.Date(2024, 10, 25, 3, 0, 0, 0, time.UTC)

func testEvent() Event {
	return Event{ID: "e1", Type: DicomImageCreated, Source: "/subscriptions/s", Subject: "h/v1/studies/1", Time: t0, Data: json.RawMessage(`{"sequenceNumber":1}`)}
}

func newTestBroker(t *testing.T, sub Subscription, tgt Target, sink DeadLetterSink, clk clock.Clock, factor float64) *Broker {
	t.Helper()
	b, err := NewBroker(t.Context(), Config{
		Subscriptions: []Subscription{sub}, Target: tgt, DeadLetter: sink, Clock: clk, TimeFactor: factor,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBroker_RetriesOnScheduleThenDeadLetters(t *testing.T) {
	clk := clock.NewFake(t0)
	tgt := &scriptTarget{clk: clk, statuses: []int{500}, times: make(chan time.Time, 10)}
	sink := &memSink{}
	sub := Subscription{Name: "dicom-events", Function: "dicom-events", Schema: SchemaEventGrid, MaxDeliveryAttempts: 4, EventTTL: 24 * time.Hour, DeadLetterContainer: "eventgrid-deadletter"}
	const factor = 10
	b := newTestBroker(t, sub, tgt, sink, clk, factor)
	if n := b.Publish(testEvent()); n != 1 {
		t.Fatalf("Publish started %d deliveries, want 1", n)
	}
	// Attempts at 0, +10 s, +30 s, +1 min (scaled by 1/10), then the
	// 5 min dead-letter delay (scaled).
	var offsets []time.Duration
	offsets = append(offsets, (<-tgt.times).Sub(t0))
	for _, wait := range []time.Duration{10 * time.Second, 30 * time.Second, time.Minute} {
		clk.BlockUntil(1)
		clk.Advance(wait / factor)
		offsets = append(offsets, (<-tgt.times).Sub(t0))
	}
	clk.BlockUntil(1)
	clk.Advance(5 * time.Minute / factor)
	b.Wait()
	want := []time.Duration{0, time.Second, 4 * time.Second, 10 * time.Second}
	for i := range want {
		if offsets[i] != want[i] {
			t.Errorf("attempt %d at +%v, want +%v", i+1, offsets[i], want[i])
		}
	}
	if len(sink.records) != 1 {
		t.Fatalf("dead-letters = %d, want 1", len(sink.records))
	}
	container, rec, _ := strings.Cut(sink.records[0], " ")
	var got []map[string]any
	if err := json.Unmarshal([]byte(rec), &got); err != nil || len(got) != 1 {
		t.Fatalf("record %s: %v", rec, err)
	}
	r := got[0]
	if container != "eventgrid-deadletter" || r["id"] != "e1" || r["deadLetterReason"] != "MaxDeliveryAttemptsExceeded" || r["deliveryAttempts"] != 4.0 ||
		r["lastDeliveryOutcome"] != "GenericError" || r["lastHttpStatusCode"] != 500.0 || r["publishTime"] != "2024-10-25T03:00:00Z" || r["lastDeliveryAttemptTime"] != "2024-10-25T03:00:10Z" {
		t.Errorf("dead-letter record = %s", rec)
	}
}

func TestBroker_NonRetryableDeadLettersAtOnce(t *testing.T) {
	clk := clock.NewFake(t0)
	tgt := &scriptTarget{clk: clk, statuses: []int{400}, times: make(chan time.Time, 10)}
	sink := &memSink{}
	b := newTestBroker(t, Subscription{Name: "s", Function: "f", MaxDeliveryAttempts: 30, EventTTL: time.Hour, DeadLetterContainer: "dl"}, tgt, sink, clk, 1)
	b.Publish(testEvent())
	<-tgt.times
	clk.BlockUntil(1) // the dead-letter delay
	clk.Advance(5 * time.Minute)
	b.Wait()
	if tgt.calls != 1 || len(sink.records) != 1 || !strings.Contains(sink.records[0], `"lastDeliveryOutcome":"BadRequest"`) {
		t.Errorf("calls = %d, records = %v", tgt.calls, sink.records)
	}
}

func TestBroker_TTLEndsDelivery(t *testing.T) {
	clk := clock.NewFake(t0)
	tgt := &scriptTarget{clk: clk, statuses: []int{503}, times: make(chan time.Time, 10)}
	sink := &memSink{}
	// TTL 1 min: attempts at 0 (then wait 30 s), 30 s; the next wait (30 s,
	// minimum for 503) would reach the TTL.
	b := newTestBroker(t, Subscription{Name: "s", Function: "f", MaxDeliveryAttempts: 30, EventTTL: time.Minute, DeadLetterContainer: "dl"}, tgt, sink, clk, 1)
	b.Publish(testEvent())
	<-tgt.times
	clk.BlockUntil(1)
	clk.Advance(30 * time.Second)
	<-tgt.times
	clk.BlockUntil(1)
	clk.Advance(5 * time.Minute)
	b.Wait()
	if tgt.calls != 2 || len(sink.records) != 1 || !strings.Contains(sink.records[0], `"deadLetterReason":"TimeToLiveExceeded"`) || !strings.Contains(sink.records[0], `"lastDeliveryOutcome":"Busy"`) {
		t.Errorf("calls = %d, records = %v", tgt.calls, sink.records)
	}
}

func TestBroker_SuccessAfterRetryNoDeadLetter(t *testing.T) {
	clk := clock.NewFake(t0)
	tgt := &scriptTarget{clk: clk, statuses: []int{500, 202}, times: make(chan time.Time, 10)}
	sink := &memSink{}
	b := newTestBroker(t, Subscription{Name: "s", Function: "f", MaxDeliveryAttempts: 30, EventTTL: time.Hour, DeadLetterContainer: "dl"}, tgt, sink, clk, 1)
	b.Publish(testEvent())
	<-tgt.times
	clk.BlockUntil(1)
	clk.Advance(10 * time.Second)
	<-tgt.times
	b.Wait()
	if tgt.calls != 2 || len(sink.records) != 0 {
		t.Errorf("calls = %d, records = %v", tgt.calls, sink.records)
	}
}

// TestBroker_HostTarget delivers through the host encoding to an httptest
// handler: one invocation per event, Event Grid object in Data, {data, sys}
// in Metadata; unmatched events are not delivered.
func TestBroker_HostTarget(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.URL.Path+" "+r.Header.Get("X-Azure-Functions-InvocationId")] = string(b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	subs, err := ParseSubscriptions([]byte(`{"subscriptions":[{"name":"fhir","function":"fhir-events","includedEventTypes":["Microsoft.HealthcareApis.FhirResourceCreated"],
		"filter":{"advancedFilters":[{"operatorType":"StringIn","key":"data.resourceType","values":["Patient"]}]}}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	tgt := &HostTarget{Client: &hostwire.Client{}, HandlerURL: srv.URL, Bindings: map[string]string{"fhir-events": "event"},
		Now: func() hostwire.Sys { return hostwire.Sys{UtcNow: t0, RandGuid: "g"} }}
	b, err := NewBroker(t.Context(), Config{Subscriptions: subs, Target: tgt})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id, typ string) Event {
		return Event{ID: id, Type: FhirResourceCreated, Source: "/s", Subject: "a/" + typ + "/" + id, Time: t0,
			Data: json.RawMessage(`{"resourceType":"` + typ + `","resourceFhirAccount":"a","resourceFhirId":"` + id + `","resourceVersionId":1}`)}
	}
	if n := b.Publish(mk("p1", "Patient"), mk("o1", "Observation"), mk("p2", "Patient")); n != 2 {
		t.Fatalf("Publish started %d deliveries, want 2", n)
	}
	b.Wait()
	if len(bodies) != 2 {
		t.Fatalf("invocations = %d, want 2: %v", len(bodies), bodies)
	}
	for k, body := range bodies {
		if !strings.HasPrefix(k, "/fhir-events ") || !strings.HasPrefix(body, `{"Data":{"event":{"id":"p`) ||
			!strings.Contains(body, `"Metadata":{"data":{"resourceType":"Patient"`) || !strings.HasSuffix(body, `"sys":{"MethodName":"fhir-events","UtcNow":"2024-10-25T03:00:00Z","RandGuid":"g"}}}`) {
			t.Errorf("invocation %s body = %s", k, body)
		}
	}
}

func TestWebhookTarget(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	w := &WebhookTarget{BaseURL: srv.URL}
	status, err := w.Deliver(t.Context(), &Subscription{Name: "s", Function: "dicom-events", Schema: SchemaEventGrid}, json.RawMessage(`{"id":"1"}`))
	if err != nil || status != 202 {
		t.Fatalf("Deliver = %d, %v", status, err)
	}
	if got.URL.Path != "/runtime/webhooks/eventgrid" || got.URL.Query().Get("functionName") != "dicom-events" || got.Header.Get("aeg-event-type") != "Notification" || body != `[{"id":"1"}]` {
		t.Errorf("request = %s %s %v body %s", got.Method, got.URL, got.Header, body)
	}
}
