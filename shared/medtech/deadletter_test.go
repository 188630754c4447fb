package medtech

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

func TestNewDeadLetterRecord(t *testing.T) {
	mem := newMemFHIR()
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	msgs := []event.Message{
		{Body: []byte("nope"), PartitionID: "3", SequenceNumber: 41, Offset: "100", EnqueuedTime: seedNow},
		seedMessage("bad_device", "p1", "2024-01-15T14:30:00Z", 72),
	}
	msgs[1].PartitionID, msgs[1].SequenceNumber = "3", 42
	err := p.Process(t.Context(), msgs)
	var be *event.BatchError
	if !errors.As(err, &be) || len(be.Failed) != 2 {
		t.Fatalf("Process = %v", err)
	}
	key0, r0 := NewDeadLetterRecord(msgs[0], be.Failed[0], seedNow)
	if key0 != "3/41/normalization/event" || r0.Error.Name != ErrInvalidDataFormat || r0.Error.Severity != "Non-blocking" ||
		r0.Event.BodyBase64 != "bm9wZQ==" || r0.Event.Body != nil || r0.Event.EnqueuedTimeUtc == "" {
		t.Errorf("record 0: %s %+v", key0, r0)
	}
	key1, r1 := NewDeadLetterRecord(msgs[1], be.Failed[1], seedNow)
	if !strings.HasPrefix(key1, "3/42/mapping/") || len(key1) != len("3/42/mapping/")+16 || r1.Error.Name != ErrInvalidResourceID ||
		r1.Template == nil || r1.Template.Mapping != "fhir" || r1.Event.Body == nil {
		t.Errorf("record 1: %s %+v", key1, r1)
	}
	again, _ := NewDeadLetterRecord(msgs[1], be.Failed[1], seedNow.Add(1))
	if again != key1 {
		t.Errorf("key not stable: %s vs %s", again, key1)
	}
	if _, err := json.Marshal(r1); err != nil {
		t.Fatal(err)
	}
}
