package medtech

import (
	"errors"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

func TestDeadLetterDetail(t *testing.T) {
	mem := newMemFHIR()
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	msgs := []event.Message{
		{Body: []byte("nope"), PartitionID: "3", SequenceNumber: 41, Offset: "100", EnqueuedTime: seedNow},
		seedMessage("bad_device", "p1", "2024-01-15T14:30:00Z", 72),
	}
	err := p.Process(t.Context(), msgs)
	var be *event.BatchError
	if !errors.As(err, &be) || len(be.Failed) != 2 {
		t.Fatalf("Process = %v", err)
	}
	// The runtime finds the detail through the permanent wrapper.
	var d interface{ DeadLetterDetail() map[string]string }
	if !errors.As(be.Failed[0], &d) {
		t.Fatalf("failure 0 (%v) carries no DeadLetterDetail", be.Failed[0])
	}
	if got := d.DeadLetterDetail(); got["stage"] != StageNormalization || got["error.name"] != ErrInvalidDataFormat || got["error.severity"] != "Non-blocking" {
		t.Errorf("detail 0 = %v", got)
	}
	if !errors.As(be.Failed[1], &d) {
		t.Fatalf("failure 1 (%v) carries no DeadLetterDetail", be.Failed[1])
	}
	if got := d.DeadLetterDetail(); got["stage"] != StageMapping || got["error.name"] != ErrInvalidResourceID || got["template.mapping"] != "fhir" {
		t.Errorf("detail 1 = %v", got)
	}
}
