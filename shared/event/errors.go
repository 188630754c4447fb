package event

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrPermanent marks an error that no retry can fix. Test with errors.Is.
var ErrPermanent = errors.New("permanent")

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// Permanent returns an error that unwraps to both err and ErrPermanent.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil || errors.Is(err, ErrPermanent) {
		return err
	}
	return permanentError{err}
}

// Permanentf is fmt.Errorf followed by Permanent.
func Permanentf(format string, args ...any) error {
	return Permanent(fmt.Errorf(format, args...))
}

// IsPermanent reports whether err is classified permanent.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// BatchError reports the messages of a batch that failed, by index into the
// batch. Messages not named succeeded. Permanent entries are dead-lettered by
// the adapter; any transient entry fails the whole invocation so the batch is
// retried (handlers must be idempotent for the messages that succeeded).
type BatchError struct {
	Failed map[int]error
}

func (e *BatchError) Error() string {
	idx := make([]int, 0, len(e.Failed))
	for i := range e.Failed {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var b strings.Builder
	fmt.Fprintf(&b, "%d message(s) failed", len(idx))
	for n, i := range idx {
		if n == 3 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; message %d: %v", i, e.Failed[i])
	}
	return b.String()
}

// Unwrap returns the per-message errors in index order.
func (e *BatchError) Unwrap() []error {
	idx := make([]int, 0, len(e.Failed))
	for i := range e.Failed {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]error, len(idx))
	for n, i := range idx {
		out[n] = e.Failed[i]
	}
	return out
}

// Transient reports whether any failure in the batch is not permanent.
func (e *BatchError) Transient() bool {
	for _, err := range e.Failed {
		if !IsPermanent(err) {
			return true
		}
	}
	return false
}
