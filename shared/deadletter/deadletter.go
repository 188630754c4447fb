// Package deadletter keeps the deliveries that can never succeed, so that a
// bad message is set aside instead of stalling its stream or being lost.
//
// A Record holds the original bytes exactly as delivered, the function, the
// error and the attempt. Records are keyed by a deterministic ID derived from
// the function and the delivered bytes, so dead-lettering the same delivery
// twice (a retried batch, a redelivered event) overwrites one record instead
// of adding a second.
//
// Put is synchronous and must succeed before the delivery is acknowledged:
// when the store is unavailable the caller fails the invocation so the
// platform retries, and nothing is lost.
package deadletter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// ErrNotFound is returned by Get for an unknown ID.
var ErrNotFound = errors.New("dead-letter record not found")

// Record is one dead-lettered delivery.
type Record struct {
	ID           string    `json:"id"`
	Function     string    `json:"function"`
	InvocationID string    `json:"invocationId,omitempty"`
	Trigger      string    `json:"trigger"`
	Error        string    `json:"error"`
	Attempt      int       `json:"attempt"`
	Time         time.Time `json:"time"`
	// Detail holds optional structured context, such as the template and
	// expression involved or a message's partition and sequence number.
	Detail map[string]string `json:"detail,omitempty"`
	// Event is the original delivery, byte for byte.
	Event []byte `json:"event"`
}

// Summary is a Record without its event bytes, as List returns it.
type Summary struct {
	ID       string    `json:"id"`
	Function string    `json:"function"`
	Error    string    `json:"error"`
	Time     time.Time `json:"time"`
	Size     int       `json:"size"`
}

// Store keeps records. Implementations are safe for concurrent use. Put
// overwrites a record with the same ID.
type Store interface {
	Put(ctx context.Context, r Record) error
	Get(ctx context.Context, id string) (Record, error)
	List(ctx context.Context, function string) ([]Summary, error)
}

// ID returns the deterministic record ID for a function's delivery: the
// function name, then a hash of the bytes. IDs are safe as blob names.
func ID(function string, event []byte) string {
	sum := sha256.Sum256(event)
	return function + "/" + hex.EncodeToString(sum[:12])
}
