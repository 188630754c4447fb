package eventhubs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/clock"
	"github.com/ahds-events/ahds/tests/workspace/funcapp"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// handler is an httptest "custom handler" that records invocations and
// fails the first failFirst of them.
type handler struct {
	mu        sync.Mutex
	bodies    []string
	headers   []http.Header
	failFirst int
	srv       *httptest.Server
}

func newHandler(t *testing.T, failFirst int) *handler {
	h := &handler{failFirst: failFirst}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.headers = append(h.headers, r.Header.Clone())
		fail := len(h.bodies) <= h.failFirst
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if fail {
			w.WriteHeader(500)
		}
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *handler) calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

type cpRecorder struct{ ch chan Checkpoint }

func (c *cpRecorder) Checkpoint(ctx context.Context, cp Checkpoint) error {
	c.ch <- cp
	return nil
}

func function(dataType string, retry *funcapp.Retry) funcapp.Function {
	return funcapp.Function{Name: "device-telemetry", Retry: retry, Bindings: []funcapp.Binding{
		{Type: "eventHubTrigger", Direction: "in", Name: "events", EventHubName: "device-telemetry", Cardinality: "many", DataType: dataType},
	}}
}

type fixture struct {
	ns  *Namespace
	h   *handler
	cps *cpRecorder
	clk *clock.Fake
	api *httptest.Server
}

func newFixture(t *testing.T, fn funcapp.Function, batch funcapp.EventHubs, failFirst int) *fixture {
	t.Helper()
	h := newHandler(t, failFirst)
	client := &hostwire.Client{}
	clk := clock.NewFake(time.Date(2024, 10, 25, 3, 2, 17, 123000000, time.UTC))
	cps := &cpRecorder{ch: make(chan Checkpoint, 100)}
	ns, err := New(Config{
		Namespace: "local.servicebus.windows.net", Batch: batch, Clock: clk, Checkpoints: cps,
		Hubs: []HubConfig{{Name: "device-telemetry", Partitions: 1, Function: fn}},
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
	ns.Run(ctx)
	t.Cleanup(func() { cancel(); ns.Wait() })
	api := httptest.NewServer(ns.Handler())
	t.Cleanup(api.Close)
	return &fixture{ns: ns, h: h, cps: cps, clk: clk, api: api}
}

func post(t *testing.T, url, ctype, body string, hdr map[string]string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSendAPI_Statuses(t *testing.T) {
	f := newFixture(t, funcapp.Function{}, funcapp.EventHubs{}, 0)
	base := f.api.URL
	tests := []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"single event", "/device-telemetry/messages", "application/atom+xml;type=entry;charset=utf-8", `{"id":"a"}`, 201},
		{"batch", "/device-telemetry/messages", BatchContentType, `[{"Body":"{\"id\":\"a\"}"},{"Body":"x","UserProperties":{"k":"v"},"BrokerProperties":{"PartitionKey":"dev-1"}}]`, 201},
		{"case-insensitive hub", "/Device-Telemetry/messages", "text/plain", `x`, 201},
		{"partition route", "/device-telemetry/partitions/0/messages", "text/plain", `x`, 201},
		{"bad partition", "/device-telemetry/partitions/7/messages", "text/plain", `x`, 400},
		{"invalid batch json", "/device-telemetry/messages", BatchContentType, `[{"Body":`, 400},
		{"batch not array", "/device-telemetry/messages", BatchContentType, `{"Body":"x"}`, 400},
		{"empty batch", "/device-telemetry/messages", BatchContentType, `[]`, 400},
		{"item without body", "/device-telemetry/messages", BatchContentType, `[{"UserProperties":{}}]`, 400},
		{"unknown hub", "/nope/messages", "text/plain", `x`, 404},
		{"too large", "/device-telemetry/messages", "text/plain", strings.Repeat("x", maxMessageBytes+1), 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(t, base+tt.path, tt.ctype, tt.body, nil); got != tt.want {
				t.Errorf("POST %s = %d, want %d", tt.path, got, tt.want)
			}
		})
	}
	if got := post(t, base+"/device-telemetry/messages", "text/plain", "x", map[string]string{"BrokerProperties": "{"}); got != 400 {
		t.Errorf("bad BrokerProperties = %d, want 400", got)
	}
}

// TestDelivery_HostEncoding sends a REST batch and checks the invocation the
// handler receives, byte for byte where the contract fixes it.
func TestDelivery_HostEncoding(t *testing.T) {
	f := newFixture(t, function("string", nil), funcapp.EventHubs{MaxEventBatchSize: 10, MinEventBatchSize: 1}, 0)
	body := `[{"Body":"{\"id\":\"a\"}"},{"Body":"plain <text> & more","UserProperties":{"kind":"hr","n":2}}]`
	if got := post(t, f.api.URL+"/device-telemetry/messages", BatchContentType, body, nil); got != 201 {
		t.Fatalf("send = %d", got)
	}
	cp := <-f.cps.ch
	if cp.SequenceNumber != 1 || cp.Offset != 96 || cp.PartitionID != "0" || cp.ConsumerGroup != "$Default" {
		t.Errorf("checkpoint = %+v", cp)
	}
	calls := f.h.calls()
	if len(calls) != 1 {
		t.Fatalf("invocations = %d, want 1", len(calls))
	}
	if h := f.h.headers[0]; h.Get("X-Azure-Functions-InvocationId") == "" || h.Get("Content-Length") != "" || h.Get("User-Agent") != "Azure-Functions-Host/"+hostwire.DefaultHostVersion {
		t.Errorf("headers = %v", h)
	}
	var env struct {
		Data     map[string]json.RawMessage
		Metadata map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(calls[0]), &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"events":                  `"[\"{\\\"id\\\":\\\"a\\\"}\",\"plain <text> & more\"]"`,
		"PartitionKeyArray":       `"[null,null]"`,
		"OffsetArray":             `"[\"0\",\"96\"]"`,
		"SequenceNumberArray":     `"[0,1]"`,
		"EnqueuedTimeUtcArray":    `"[\"2024-10-25T03:02:17.123\",\"2024-10-25T03:02:17.123\"]"`,
		"PropertiesArray":         `"[{},{\"kind\":\"hr\",\"n\":2}]"`,
		"TriggerPartitionContext": `{"IsCheckpointingAfterInvocation":true,"FullyQualifiedNamespace":"local.servicebus.windows.net","EventHubName":"device-telemetry","ConsumerGroup":"$Default","PartitionId":"0"}`,
	}
	for k, w := range want {
		v := env.Metadata[k]
		if k == "events" {
			v = env.Data[k]
		}
		if string(v) != w {
			t.Errorf("%s = %s, want %s", k, v, w)
		}
	}
	if _, ok := env.Metadata["RetryContext"]; ok {
		t.Error("RetryContext present on a first invocation")
	}
}

func TestDelivery_BatchSizes(t *testing.T) {
	f := newFixture(t, function("", nil), funcapp.EventHubs{MaxEventBatchSize: 2, MinEventBatchSize: 1}, 0)
	var evs []SendEvent
	for i := range 5 {
		evs = append(evs, SendEvent{Body: []byte(`{"i":` + string(rune('0'+i)) + `}`)})
	}
	// The consumer may start on the first event before the others are
	// enqueued, so only the bound (≤ 2 per batch) and the total are fixed.
	if err := f.ns.Send("device-telemetry", evs); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for len(seqs) == 0 || seqs[len(seqs)-1] != 4 {
		seqs = append(seqs, (<-f.cps.ch).SequenceNumber)
	}
	total := 0
	for _, c := range f.h.calls() {
		var env struct{ Data struct{ Events string } }
		_ = json.Unmarshal([]byte(c), &env)
		var items []json.RawMessage
		_ = json.Unmarshal([]byte(env.Data.Events), &items)
		if len(items) > 2 {
			t.Errorf("batch of %d events, max 2", len(items))
		}
		total += len(items)
	}
	if total != 5 {
		t.Errorf("delivered %d events, want 5", total)
	}
}

func TestDelivery_MinBatchWaitsMaxWaitTime(t *testing.T) {
	f := newFixture(t, function("string", nil), funcapp.EventHubs{MaxEventBatchSize: 10, MinEventBatchSize: 3, MaxWaitTime: 5 * time.Second}, 0)
	if err := f.ns.Send("device-telemetry", []SendEvent{{Body: []byte("a")}}); err != nil {
		t.Fatal(err)
	}
	f.clk.BlockUntil(1) // consumer waits for more events
	if n := len(f.h.calls()); n != 0 {
		t.Fatalf("invoked %d times before maxWaitTime", n)
	}
	f.clk.Advance(5 * time.Second)
	if cp := <-f.cps.ch; cp.SequenceNumber != 0 {
		t.Errorf("checkpoint = %+v", cp)
	}
	// Three events reach minEventBatchSize: delivered without waiting.
	if err := f.ns.Send("device-telemetry", []SendEvent{{Body: []byte("b")}, {Body: []byte("c")}, {Body: []byte("d")}}); err != nil {
		t.Fatal(err)
	}
	for cp := range f.cps.ch {
		if cp.SequenceNumber == 3 {
			break
		}
	}
}

func TestDelivery_RetryPolicyThenCheckpoint(t *testing.T) {
	pol := &funcapp.Retry{Strategy: "fixedDelay", MaxRetryCount: 3, DelayInterval: 10 * time.Second}
	f := newFixture(t, function("string", pol), funcapp.EventHubs{MaxEventBatchSize: 10, MinEventBatchSize: 1}, 2)
	if err := f.ns.Send("device-telemetry", []SendEvent{{Body: []byte("a")}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f.clk.BlockUntil(1)
		f.clk.Advance(10 * time.Second)
	}
	<-f.cps.ch
	calls := f.h.calls()
	if len(calls) != 3 {
		t.Fatalf("invocations = %d, want 3 (1 + 2 retries)", len(calls))
	}
	for i, c := range calls {
		var env struct {
			Data     map[string]json.RawMessage
			Metadata struct {
				RetryContext *struct{ RetryCount, MaxRetryCount int }
			}
		}
		if err := json.Unmarshal([]byte(c), &env); err != nil {
			t.Fatal(err)
		}
		if string(env.Data["events"]) != `"[\"a\"]"` {
			t.Errorf("call %d re-sent a different batch: %s", i, env.Data["events"])
		}
		switch rc := env.Metadata.RetryContext; {
		case i == 0 && rc != nil:
			t.Errorf("call 0 has RetryContext")
		case i > 0 && (rc == nil || rc.RetryCount != i || rc.MaxRetryCount != 3):
			t.Errorf("call %d RetryContext = %+v, want RetryCount %d MaxRetryCount 3", i, rc, i)
		}
	}
}

func TestDelivery_FailureWithoutPolicyCheckpoints(t *testing.T) {
	f := newFixture(t, function("string", nil), funcapp.EventHubs{MaxEventBatchSize: 10, MinEventBatchSize: 1}, 100)
	if err := f.ns.Send("device-telemetry", []SendEvent{{Body: []byte("a")}}); err != nil {
		t.Fatal(err)
	}
	if cp := <-f.cps.ch; cp.SequenceNumber != 0 {
		t.Errorf("checkpoint = %+v", cp)
	}
	if n := len(f.h.calls()); n != 1 {
		t.Errorf("invocations = %d, want 1 (no retry policy)", n)
	}
}

func TestDelivery_BindingFailureSkipsHandler(t *testing.T) {
	f := newFixture(t, function("", nil), funcapp.EventHubs{MaxEventBatchSize: 10, MinEventBatchSize: 1}, 0)
	if err := f.ns.Send("device-telemetry", []SendEvent{{Body: []byte("not json")}}); err != nil {
		t.Fatal(err)
	}
	<-f.cps.ch
	if n := len(f.h.calls()); n != 0 {
		t.Errorf("handler called %d times for an unbindable batch", n)
	}
}

func TestNew_Errors(t *testing.T) {
	noop := func(context.Context, hostwire.Invocation) error { return nil }
	grid := funcapp.Function{Name: "f", Bindings: []funcapp.Binding{{Type: "eventGridTrigger", Direction: "in", Name: "e"}}}
	bad := function("string", nil)
	bad.Bindings[0].Cardinality = "some"
	for name, cfg := range map[string]Config{
		"wrong trigger":   {Hubs: []HubConfig{{Name: "h", Function: grid}}, Invoke: noop},
		"bad cardinality": {Hubs: []HubConfig{{Name: "h", Function: bad}}, Invoke: noop},
		"duplicate hub":   {Hubs: []HubConfig{{Name: "h"}, {Name: "H"}}},
		"no invoke":       {Hubs: []HubConfig{{Name: "h", Function: function("", nil)}}},
		"partitions":      {Hubs: []HubConfig{{Name: "h", Partitions: 33}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%s) = nil error", name)
		}
	}
	ns, _ := New(Config{Hubs: []HubConfig{{Name: "h"}}})
	if err := ns.Send("x", nil); !errors.Is(err, ErrUnknownHub) {
		t.Errorf("Send(unknown) = %v", err)
	}
}

func TestPartitionKeyIsSticky(t *testing.T) {
	ns, err := New(Config{Hubs: []HubConfig{{Name: "h", Partitions: 8}}})
	if err != nil {
		t.Fatal(err)
	}
	h := ns.hubs["h"]
	p1, _ := h.pick(SendEvent{PartitionKey: "device-42"})
	for range 5 {
		if p, _ := h.pick(SendEvent{PartitionKey: "device-42"}); p != p1 {
			t.Fatal("same key mapped to different partitions")
		}
	}
	seen := map[string]bool{}
	for range 8 {
		p, _ := h.pick(SendEvent{})
		seen[p.id] = true
	}
	if len(seen) != 8 {
		t.Errorf("round-robin used %d of 8 partitions", len(seen))
	}
}

func FuzzParseBatch(f *testing.F) {
	for _, s := range []string{`[{"Body":"x"}]`, `[{"Body":{"a":1},"UserProperties":{"k":[1]},"BrokerProperties":{"PartitionKey":"p"}}]`, `[]`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := parseBatch(b)
		if err == nil && len(evs) == 0 {
			t.Fatalf("parseBatch(%q) = no events and no error", b)
		}
	})
}

func TestDelivery_CardinalityOne(t *testing.T) {
	fn := function("string", nil)
	fn.Bindings[0].Cardinality = "one"
	f := newFixture(t, fn, funcapp.EventHubs{MaxEventBatchSize: 10, MinEventBatchSize: 1}, 0)
	if err := f.ns.Send("device-telemetry", []SendEvent{{Body: []byte(`{"n":1}`)}, {Body: []byte(`{"n":2}`)}}); err != nil {
		t.Fatal(err)
	}
	for cp := range f.cps.ch {
		if cp.SequenceNumber == 1 {
			break
		}
	}
	calls := f.h.calls()
	if len(calls) != 2 {
		t.Fatalf("invocations = %d, want one per event", len(calls))
	}
	for i, c := range calls {
		want := fmt.Sprintf(`{"Data":{"events":"\"{\\\"n\\\":%d}\""}`, i+1)
		if !strings.HasPrefix(c, want) || !strings.Contains(c, fmt.Sprintf(`"SequenceNumber":"%d"`, i)) || !strings.Contains(c, fmt.Sprintf(`"n":"\"%d\""`, i+1)) {
			t.Errorf("call %d = %s", i, c)
		}
	}
}
