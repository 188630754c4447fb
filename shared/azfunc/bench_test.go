package azfunc

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

// BenchmarkInvokeEventGrid is the runtime's overhead per Event Grid
// invocation: envelope decode, schema detection, handler call, answer.
func BenchmarkInvokeEventGrid(b *testing.B) {
	a := newTestApp(b)
	a.EventGrid("fn", func(context.Context, event.Event) error { return nil })
	h := a.Handler()
	body := fixture(b, "eventgrid-schema.json")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/fn", bytes.NewReader(body)))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkInvokeEventHubBatch100 is the overhead for a 100-message batch
// (dataType string), about 400 bytes a message.
func BenchmarkInvokeEventHubBatch100(b *testing.B) {
	body := batchBody(100)
	a := newTestApp(b)
	a.EventHubBatch("fn", DataTypeString, func(_ context.Context, m []event.Message) error {
		if len(m) != 100 {
			return fmt.Errorf("got %d", len(m))
		}
		return nil
	})
	h := a.Handler()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/fn", bytes.NewReader(body)))
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

func batchBody(n int) []byte {
	q := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) }
	var data, seq, off, enq, props, sys, keys []string
	for i := range n {
		msg := fmt.Sprintf(`{"deviceId":"device-%03d","heartRate":%d,"systolic":120,"diastolic":80,"endDate":"2024-01-15T14:30:%02d.000Z","patientId":"patient-%03d"}`, i%50, 60+i%40, i%60, i%50)
		data = append(data, `"`+q(msg)+`"`)
		seq = append(seq, fmt.Sprint(1000+i))
		off = append(off, fmt.Sprintf(`"%d"`, 4294967296+i*512))
		enq = append(enq, fmt.Sprintf(`"2024-10-25T03:02:%02d.123"`, i%60))
		props = append(props, `{"source":"sim"}`)
		sys = append(sys, fmt.Sprintf(`{"x-opt-sequence-number":%d,"iothub-connection-device-id":"device-%03d","SequenceNumber":%d}`, 1000+i, i%50, 1000+i))
		keys = append(keys, "null")
	}
	arr := func(v []string) string { return "[" + strings.Join(v, ",") + "]" }
	return []byte(`{"Data":{"events":"` + q(arr(data)) + `"},"Metadata":{"TriggerPartitionContext":{"PartitionId":"3"},` +
		`"PartitionKeyArray":"` + q(arr(keys)) + `","OffsetArray":"` + q(arr(off)) + `","SequenceNumberArray":"` + q(arr(seq)) +
		`","EnqueuedTimeUtcArray":"` + q(arr(enq)) + `","PropertiesArray":"` + q(arr(props)) + `","SystemPropertiesArray":"` + q(arr(sys)) +
		`","sys":{"MethodName":"fn","UtcNow":"2024-10-25T03:02:18.0012345Z","RandGuid":"5d2c0a8e-3c1f-4f0a-9f3e-1b2a6c7d8e9f"}}}`)
}
