package event_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

func TestPermanent(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	err := fmt.Errorf("decode study: %w", event.Permanent(cause))
	if !event.IsPermanent(err) || !errors.Is(err, cause) {
		t.Errorf("Permanent lost a classification: IsPermanent=%v Is(cause)=%v", event.IsPermanent(err), errors.Is(err, cause))
	}
	if event.Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if event.IsPermanent(errors.New("503")) {
		t.Error("a plain error is permanent")
	}
	if p := event.Permanent(err); p != err {
		t.Error("Permanent wrapped an already permanent error again")
	}
}

func TestBatchError(t *testing.T) {
	be := &event.BatchError{Failed: map[int]error{4: event.Permanentf("bad body"), 1: errors.New("fhir 429")}}
	if !be.Transient() {
		t.Error("Transient() = false with a transient entry")
	}
	if got, want := be.Error(), "2 message(s) failed; message 1: fhir 429; message 4: bad body"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	delete(be.Failed, 1)
	if be.Transient() {
		t.Error("Transient() = true with only permanent entries")
	}
}

func TestTyped(t *testing.T) {
	type data struct{ StudyUID string }
	var got string
	h := event.Typed(func(_ context.Context, _ event.Event, d data) error { got = d.StudyUID; return nil })
	if err := h(t.Context(), event.Event{ID: "e1", Data: json.RawMessage(`{"StudyUID":"1.2.3"}`)}); err != nil || got != "1.2.3" {
		t.Errorf("Typed handler = %v, %q", err, got)
	}
	err := h(t.Context(), event.Event{ID: "e2", Data: json.RawMessage(`[`)})
	var de *event.DecodeError
	if !event.IsPermanent(err) || !errors.As(err, &de) {
		t.Errorf("undecodable data: %v, want a permanent *DecodeError", err)
	}
}

func ExamplePermanent() {
	err := fmt.Errorf("study 1.2.3: %w", event.Permanent(errors.New("no SOPInstanceUID")))
	fmt.Println(event.IsPermanent(err), err)
	// Output: true study 1.2.3: no SOPInstanceUID
}

func ExampleBatchError() {
	err := &event.BatchError{Failed: map[int]error{2: event.Permanentf("not JSON")}}
	fmt.Println(err.Transient(), err)
	// Output: false 1 message(s) failed; message 2: not JSON
}
