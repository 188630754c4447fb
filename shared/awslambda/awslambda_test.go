package awslambda

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/event"
)

func TestSQS_PartialBatchResponse(t *testing.T) {
	dl := deadletter.NewMemory()
	var bodies []string
	h := SQS(func(_ context.Context, msgs []event.Message) error {
		for _, m := range msgs {
			bodies = append(bodies, string(m.Body))
		}
		return &event.BatchError{Failed: map[int]error{
			1: event.Permanentf("no template matched"),
			2: errors.New("fhir 503"),
		}}
	}, Options{Function: "device-telemetry", DeadLetters: dl})
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m0", Body: `{"a":0}`}, {MessageId: "m1", Body: `{"a":1}`, Attributes: map[string]string{"ApproximateReceiveCount": "2"}}, {MessageId: "m2", Body: `{"a":2}`},
	}}
	resp, err := h(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	want := []events.SQSBatchItemFailure{{ItemIdentifier: "m2"}}
	if diff := cmp.Diff(want, resp.BatchItemFailures); diff != "" {
		t.Errorf("BatchItemFailures (-want +got):\n%s", diff)
	}
	sums, _ := dl.List(t.Context(), "device-telemetry")
	if len(sums) != 1 {
		t.Fatalf("dead letters = %+v", sums)
	}
	r, _ := dl.Get(t.Context(), sums[0].ID)
	if string(r.Event) != `{"a":1}` || r.Attempt != 2 || r.Detail["messageId"] != "m1" {
		t.Errorf("record = %+v", r)
	}
	if len(bodies) != 3 {
		t.Errorf("handler saw %d messages", len(bodies))
	}
}

func TestSQS_WholeBatchTransient(t *testing.T) {
	h := SQS(func(context.Context, []event.Message) error { return errors.New("down") }, Options{Function: "f", DeadLetters: deadletter.NewMemory()})
	if _, err := h(t.Context(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "x"}}}); err == nil {
		t.Error("transient batch failure not returned")
	}
}

func TestEventBridge(t *testing.T) {
	dl := deadletter.NewMemory()
	var got event.Event
	h := EventBridge(func(_ context.Context, e event.Event) error { got = e; return event.Permanentf("unexpected type") }, Options{Function: "dicom-events", DeadLetters: dl})
	ev := events.EventBridgeEvent{ID: "1", Source: "custom.dicom", DetailType: "DicomImageCreated", Detail: json.RawMessage(`{"imageStudyInstanceUid":"1.2"}`), Resources: []string{"study/1.2"}}
	if err := h(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	if got.Type != "DicomImageCreated" || got.Subject != "study/1.2" || string(got.Data) != `{"imageStudyInstanceUid":"1.2"}` || dl.Len() != 1 {
		t.Errorf("event = %+v, dead letters %d", got, dl.Len())
	}
}
