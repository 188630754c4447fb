package azfunc

import (
	"encoding/json"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

func FuzzDecodeEventGridEvent(f *testing.F) {
	for _, name := range []string{"eventgrid-schema.json", "cloudevents-schema.json", "eventgrid-rerendered-times.json"} {
		req, err := decodeEnvelope(fixture(f, name))
		if err != nil {
			f.Fatal(err)
		}
		_, raw, _ := req.trigger()
		f.Add([]byte(raw))
	}
	f.Add([]byte(`"{\"specversion\":\"1.0\"}"`))
	f.Add([]byte(`{"eventType":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEventGridEvent(b)
		if err != nil {
			if !event.IsPermanent(err) {
				t.Fatalf("decode error %v is not permanent", err)
			}
			return
		}
		if e.ID == "" || e.Type == "" {
			t.Fatalf("decoded event without id or type: %+v", e)
		}
	})
}

func FuzzDecodeEventHubBatch(f *testing.F) {
	for _, name := range []string{"eventhubs-batch-string.json", "eventhubs-batch-binary.json", "eventhubs-batch-json.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"Data":{"e":"[\"x\"]"},"Metadata":{"SequenceNumberArray":"[1,2]"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := decodeEnvelope(b)
		if err != nil {
			return
		}
		_, raw, err := req.trigger()
		if err != nil {
			return
		}
		for _, dt := range []DataType{DataTypeString, DataTypeBinary, DataTypeNone} {
			msgs, err := DecodeEventHubBatch(raw, req.Metadata, dt)
			if err != nil {
				if !event.IsPermanent(err) {
					t.Fatalf("decode error %v is not permanent", err)
				}
				continue
			}
			if dt == DataTypeNone {
				for i, m := range msgs {
					if !json.Valid(m.Body) {
						t.Fatalf("message %d body %q is not JSON", i, m.Body)
					}
				}
			}
		}
	})
}
