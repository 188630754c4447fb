package azfunc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/event"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type testApp struct {
	*App
	dl  *deadletter.Memory
	log *bytes.Buffer
}

func newTestApp(t testing.TB) testApp {
	t.Helper()
	var buf bytes.Buffer
	dl := deadletter.NewMemory()
	app := New(Options{Logger: slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))), DeadLetters: dl})
	return testApp{app, dl, &buf}
}

// invoke posts body to /name as the host would and checks the host's
// response rules: application/json and a non-empty body.
func invoke(t testing.TB, h http.Handler, name string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/"+name, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Azure-Functions-InvocationId", "0f8fad5b-d9cb-469f-a165-70867728950e")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("POST /%s Content-Type = %q, want application/json", name, ct)
	}
	if rec.Body.Len() == 0 {
		t.Errorf("POST /%s: empty body (the host would hang)", name)
	}
	return rec
}

func TestEventGrid_BothSchemas(t *testing.T) {
	tests := []struct {
		name, file string
		want       event.Event
	}{
		{"event grid schema", "eventgrid-schema.json", event.Event{
			ID: "e4c7f556-d72c-e7f7-1069-1e82ac76ab41", Type: "Microsoft.HealthcareApis.FhirResourceCreated",
			Source:  "/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w",
			Subject: "acct.fhir.azurehealthcareapis.com/Patient/p1", DataVersion: "1", Schema: event.SchemaEventGrid,
			Time: time.Date(2021, 9, 8, 1, 14, 4, 561321400, time.UTC),
		}},
		{"cloudevents", "cloudevents-schema.json", event.Event{
			ID: "d674b9b7-7d1c-9b0a-8c48-139f3eb86c48", Type: "Microsoft.HealthcareApis.FhirResourceCreated",
			Source:  "/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w",
			Subject: "acct.fhir.azurehealthcareapis.com/Patient/p1", DataVersion: "#1", Schema: event.SchemaCloudEvents,
			Time: time.Date(2022, 2, 3, 16, 48, 9, 622335400, time.UTC),
		}},
		{"newtonsoft re-rendered time", "eventgrid-rerendered-times.json", event.Event{
			ID: "9b1d", Type: "Microsoft.HealthcareApis.DicomImageCreated",
			Source:  "/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w",
			Subject: "ws-dicom.dicom.azurehealthcareapis.com/v1/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5", DataVersion: "1",
			Schema: event.SchemaEventGrid, Time: time.Date(2022, 9, 15, 1, 14, 4, 560000000, time.UTC),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			var got event.Event
			a.EventGrid("fn", func(ctx context.Context, e event.Event) error {
				if _, ok := ctx.Deadline(); !ok {
					t.Error("handler context has no deadline")
				}
				got = e
				return nil
			})
			rec := invoke(t, a.Handler(), "fn", fixture(t, tt.file))
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, body %s", rec.Code, rec.Body)
			}
			if !json.Valid(got.Data) || !json.Valid(got.Raw) || len(got.Data) == 0 {
				t.Errorf("Data %q / Raw %q not JSON", got.Data, got.Raw)
			}
			got.Data, got.Raw = nil, nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventGrid_Outcomes(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		panics     bool
		wantStatus int
		wantDead   int
	}{
		{"success", nil, false, 200, 0},
		{"permanent is dead-lettered and acknowledged", event.Permanentf("bad study"), false, 200, 1},
		{"transient fails for redelivery", errors.New("fhir 503"), false, 500, 0},
		{"panic is transient", nil, true, 500, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			a.EventGrid("fn", func(context.Context, event.Event) error {
				if tt.panics {
					panic("boom")
				}
				return tt.err
			})
			rec := invoke(t, a.Handler(), "fn", fixture(t, "eventgrid-schema.json"))
			if rec.Code != tt.wantStatus || a.dl.Len() != tt.wantDead {
				t.Fatalf("status %d, dead-lettered %d; want %d, %d", rec.Code, a.dl.Len(), tt.wantStatus, tt.wantDead)
			}
			if tt.wantDead == 1 {
				sums, _ := a.dl.List(t.Context(), "fn")
				r, _ := a.dl.Get(t.Context(), sums[0].ID)
				if !strings.Contains(string(r.Event), `"e4c7f556-d72c-e7f7-1069-1e82ac76ab41"`) || r.Error != "bad study" || r.InvocationID == "" {
					t.Errorf("dead-letter record = %+v", r)
				}
			}
		})
	}
}

func TestEventGrid_BadInput(t *testing.T) {
	tests := []struct{ name, body, wantErr string }{
		{"not an envelope", `[1,2]`, "invoke envelope"},
		{"empty body", ``, "empty body"},
		{"no data", `{"Metadata":{}}`, "no Data"},
		{"two bindings", `{"Data":{"a":{},"b":{}}}`, "exactly one trigger"},
		{"unknown schema", `{"Data":{"event":{"id":"1"}}}`, "neither specversion"},
		{"missing fields", `{"Data":{"event":{"eventType":"x"}}}`, "missing [id subject eventTime]"},
		{"bad time", `{"Data":{"event":{"id":"1","eventType":"x","subject":"s","eventTime":"yesterday"}}}`, "eventTime"},
		{"cloudevent without source", `{"Data":{"event":{"specversion":"1.0","id":"1","type":"t"}}}`, "source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			called := false
			a.EventGrid("fn", func(context.Context, event.Event) error { called = true; return nil })
			rec := invoke(t, a.Handler(), "fn", []byte(tt.body))
			if rec.Code != 200 || called || a.dl.Len() != 1 {
				t.Fatalf("status %d called %v dead %d; want 200, false, 1", rec.Code, called, a.dl.Len())
			}
			sums, _ := a.dl.List(t.Context(), "")
			r, _ := a.dl.Get(t.Context(), sums[0].ID)
			if !strings.Contains(r.Error, tt.wantErr) || string(r.Event) != tt.body {
				t.Errorf("record error %q (want %q), event %q (want original bytes)", r.Error, tt.wantErr, r.Event)
			}
		})
	}
}

func TestEventHubBatch_DataTypes(t *testing.T) {
	tests := []struct {
		file string
		dt   DataType
	}{
		{"eventhubs-batch-json.json", DataTypeNone},
		{"eventhubs-batch-string.json", DataTypeString},
		{"eventhubs-batch-binary.json", DataTypeBinary},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := newTestApp(t)
			var got []event.Message
			a.EventHubBatch("fn", tt.dt, func(_ context.Context, m []event.Message) error { got = m; return nil })
			if rec := invoke(t, a.Handler(), "fn", fixture(t, tt.file)); rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if len(got) != 2 {
				t.Fatalf("got %d messages, want 2", len(got))
			}
			m := got[1]
			if string(m.Body) != `{"id":"b"}` || m.SequenceNumber != 102 || m.Offset != "4294967392" || m.PartitionID != "0" ||
				!m.EnqueuedTime.Equal(time.Date(2024, 10, 25, 3, 2, 17, 456000000, time.UTC)) ||
				m.SystemProperties["x-opt-sequence-number"] != float64(102) || m.Properties == nil {
				t.Errorf("message 1 = %+v", m)
			}
		})
	}
}

func TestEventHubBatch_MismatchedMetadataIsDeadLettered(t *testing.T) {
	a := newTestApp(t)
	a.EventHubBatch("fn", DataTypeString, func(context.Context, []event.Message) error { t.Error("handler called"); return nil })
	body := bytes.Replace(fixture(t, "eventhubs-batch-string.json"), []byte(`"SequenceNumberArray":"[101,102]"`), []byte(`"SequenceNumberArray":"[101]"`), 1)
	if rec := invoke(t, a.Handler(), "fn", body); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	sums, _ := a.dl.List(t.Context(), "")
	if len(sums) != 1 || !strings.Contains(sums[0].Error, "SequenceNumberArray has 1 entries for 2 messages") {
		t.Fatalf("dead letters = %+v", sums)
	}
}

func TestEventHubBatch_PartialFailure(t *testing.T) {
	tests := []struct {
		name       string
		failed     map[int]error
		wantStatus int
		wantDead   int
	}{
		{"one poison message", map[int]error{1: event.Permanentf("no template matched")}, 200, 1},
		{"transient fails the batch after dead-lettering", map[int]error{0: errors.New("fhir 429"), 1: event.Permanentf("bad")}, 500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			a.EventHubBatch("fn", DataTypeString, func(context.Context, []event.Message) error { return &event.BatchError{Failed: tt.failed} })
			body := bytes.Replace(fixture(t, "eventhubs-batch-string.json"), []byte(`"Metadata":{`), []byte(`"Metadata":{"RetryContext":{"RetryCount":2,"MaxRetryCount":5},`), 1)
			rec := invoke(t, a.Handler(), "fn", body)
			if rec.Code != tt.wantStatus || a.dl.Len() != tt.wantDead {
				t.Fatalf("status %d dead %d, want %d %d", rec.Code, a.dl.Len(), tt.wantStatus, tt.wantDead)
			}
			sums, _ := a.dl.List(t.Context(), "")
			r, _ := a.dl.Get(t.Context(), sums[0].ID)
			if string(r.Event) != `{"id":"b"}` || r.Attempt != 3 || r.Detail["sequenceNumber"] != "102" {
				t.Errorf("record = %+v", r)
			}
			// A retried batch dead-letters the same message under the same ID.
			invoke(t, a.Handler(), "fn", body)
			if a.dl.Len() != tt.wantDead {
				t.Errorf("after retry: %d records, want %d", a.dl.Len(), tt.wantDead)
			}
		})
	}
}

func TestTimer(t *testing.T) {
	for _, f := range []string{"timer.json", "timer-nomonitor.json"} {
		t.Run(f, func(t *testing.T) {
			a := newTestApp(t)
			var got event.Timer
			a.Timer("fn", func(_ context.Context, ti event.Timer) error { got = ti; return nil })
			if rec := invoke(t, a.Handler(), "fn", fixture(t, f)); rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if f == "timer.json" && !got.Next.Equal(time.Date(2024, 10, 25, 3, 5, 0, 0, time.UTC)) {
				t.Errorf("Next = %v", got.Next)
			}
			if f == "timer-nomonitor.json" && (!got.IsPastDue || !got.Next.IsZero()) {
				t.Errorf("timer = %+v", got)
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	a := newTestApp(t)
	a.HTTP("order", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"got":` + string(b) + `,"x":"` + r.URL.Query().Get("x") + `"}`))
	}))
	rec := invoke(t, a.Handler(), "order", fixture(t, "http.json"))
	var resp struct {
		Outputs map[string]struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Body       string            `json:"body"`
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	res := resp.Outputs[HTTPOutput]
	if res.StatusCode != 201 || res.Body != `{"got":{"id":1005,"color":"black"},"x":"1"}` || res.Headers["Content-Type"] != "application/json" {
		t.Errorf("Outputs.res = %+v", res)
	}
}

func TestRouting(t *testing.T) {
	a := newTestApp(t)
	a.EventGrid("fn", func(context.Context, event.Event) error { return nil })
	h := a.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("GET / = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = invoke(t, h, "nope", []byte(`{}`))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "fn") {
		t.Errorf("unknown function = %d %s", rec.Code, rec.Body)
	}
}

func TestRegister_DuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic on duplicate registration")
		}
	}()
	a := newTestApp(t)
	a.Timer("x", func(context.Context, event.Timer) error { return nil })
	a.Timer("x", func(context.Context, event.Timer) error { return nil })
}

func TestUnwrapValue(t *testing.T) {
	tests := []struct{ give, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`"{\"a\":1}"`, `{"a":1}`},
		{`"\"abc\""`, `"abc"`},
		{`"12"`, `12`},
		{`"plain text"`, `"plain text"`},
		{`"[1,2]"`, `[1,2]`},
	}
	for _, tt := range tests {
		if got := string(unwrapValue(json.RawMessage(tt.give))); got != tt.want {
			t.Errorf("unwrapValue(%s) = %s, want %s", tt.give, got, tt.want)
		}
	}
}

func TestEventHubBatch_FinalRetryDeadLettersTransientFailures(t *testing.T) {
	tests := []struct {
		name     string
		retry    string
		err      error
		wantCode int
		wantDead int
	}{
		{"first attempt: whole batch transient is retried", "", errors.New("fhir 503"), 500, 0},
		{"middle retry: still retried", `"RetryContext":{"RetryCount":2,"MaxRetryCount":5},`, errors.New("fhir 503"), 500, 0},
		{"final retry: every message dead-lettered", `"RetryContext":{"RetryCount":5,"MaxRetryCount":5},`, errors.New("fhir 503"), 200, 2},
		{"final retry: partial transient dead-lettered", `"RetryContext":{"RetryCount":5,"MaxRetryCount":5},`, &event.BatchError{Failed: map[int]error{0: errors.New("429")}}, 200, 1},
		{"retry forever never exhausts", `"RetryContext":{"RetryCount":50,"MaxRetryCount":-1},`, errors.New("fhir 503"), 500, 0},
		{"whole batch permanent: each message set aside", "", event.Permanentf("mapping invalid"), 200, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			a.EventHubBatch("fn", DataTypeString, func(context.Context, []event.Message) error { return tt.err })
			body := bytes.Replace(fixture(t, "eventhubs-batch-string.json"), []byte(`"Metadata":{`), []byte(`"Metadata":{`+tt.retry), 1)
			rec := invoke(t, a.Handler(), "fn", body)
			if rec.Code != tt.wantCode || a.dl.Len() != tt.wantDead {
				t.Fatalf("status %d dead %d, want %d %d", rec.Code, a.dl.Len(), tt.wantCode, tt.wantDead)
			}
			if tt.wantDead > 0 && strings.Contains(tt.retry, "RetryCount\":5") {
				sums, _ := a.dl.List(t.Context(), "fn")
				if !strings.Contains(sums[0].Error, "retries exhausted after 6 attempts") {
					t.Errorf("error = %q", sums[0].Error)
				}
			}
		})
	}
}

type detailErr struct{ error }

func (detailErr) DeadLetterDetail() map[string]string {
	return map[string]string{"error.name": "IncompatibleDataException"}
}

// TestDeadLetter_LogsNoPayloadValues: handler errors may quote payload
// values (PHI); the log and the response Logs carry only the error's class,
// the dead-letter record the whole error.
func TestDeadLetter_LogsNoPayloadValues(t *testing.T) {
	for _, tt := range []struct {
		name       string
		err        error
		wantReason string
	}{
		{"plain error", event.Permanentf("patient Doe^Jane born 19700101 has no id"), "handler rejected the input"},
		{"error with detail", event.Permanent(detailErr{errors.New("value Doe^Jane is not a decimal")}), "IncompatibleDataException"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			a.EventGrid("fn", func(context.Context, event.Event) error { return tt.err })
			rec := invoke(t, a.Handler(), "fn", fixture(t, "eventgrid-schema.json"))
			for what, out := range map[string]string{"log": a.log.String(), "response": rec.Body.String()} {
				if strings.Contains(out, "Doe^Jane") || strings.Contains(out, "19700101") {
					t.Errorf("%s leaks payload values: %s", what, out)
				}
				if !strings.Contains(out, tt.wantReason) {
					t.Errorf("%s lacks reason %q: %s", what, tt.wantReason, out)
				}
			}
			sums, _ := a.dl.List(t.Context(), "fn")
			if len(sums) != 1 || !strings.Contains(sums[0].Error, "Doe^Jane") {
				t.Errorf("dead-letter record lacks the full error: %+v", sums)
			}
		})
	}
}

// ctxStore fails Put when its context is already done, as a real store does.
type ctxStore struct{ *deadletter.Memory }

func (s ctxStore) Put(ctx context.Context, r deadletter.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.Memory.Put(ctx, r)
}

func TestDeadLetter_WrittenAfterTheHandlerReturns(t *testing.T) {
	mem := deadletter.NewMemory()
	a := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DeadLetters: ctxStore{mem}})
	a.EventGrid("fn", func(context.Context, event.Event) error { return event.Permanentf("bad") })
	if rec := invoke(t, a.Handler(), "fn", fixture(t, "eventgrid-schema.json")); rec.Code != 200 || mem.Len() != 1 {
		t.Fatalf("status %d, %d records; want 200 and 1", rec.Code, mem.Len())
	}
}
