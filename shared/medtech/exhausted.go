package medtech

import (
	"errors"
	"fmt"

	"github.com/ahds-events/ahds/shared/event"
)

// ErrRetriesExhausted is the MedTech-style name of a transient failure that
// persisted through the trigger's last retry attempt.
const ErrRetriesExhausted = "RetriesExhaustedException"

// Exhausted prepares the result of a batch's final retry attempt
// (medtech.md §16): every transient failure becomes a permanent
// RetriesExhaustedException, with the cause attached, so the events are
// dead-lettered (and can be replayed after the outage) instead of being
// checkpointed and lost. A whole-batch error fails each of the n messages.
// nil and all-permanent errors are returned unchanged.
func Exhausted(err error, n int) error {
	if err == nil {
		return nil
	}
	var be *event.BatchError
	if !errors.As(err, &be) {
		failed := make(map[int]error, n)
		for i := range n {
			failed[i] = exhausted(fmt.Errorf("message %d: %w", i, err))
		}
		return &event.BatchError{Failed: failed}
	}
	out := &event.BatchError{Failed: make(map[int]error, len(be.Failed))}
	for i, e := range be.Failed {
		if event.IsPermanent(e) {
			out.Failed[i] = e
		} else {
			out.Failed[i] = exhausted(e)
		}
	}
	return out
}

func exhausted(cause error) error {
	return event.Permanent(&Error{Name: ErrRetriesExhausted, Stage: StageWrite, Message: "transient failure on the final retry attempt", Err: cause})
}
