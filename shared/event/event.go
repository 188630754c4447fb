package event

import (
	"context"
	"encoding/json"
	"time"
)

// Schema names the envelope an event arrived in.
type Schema string

// The two Event Grid delivery schemas.
const (
	SchemaEventGrid   Schema = "EventGrid"
	SchemaCloudEvents Schema = "CloudEvents"
)

// Event is one Event Grid event in either schema, normalised. Field names
// follow CloudEvents; for the Event Grid schema Source is the topic and Type
// the eventType.
type Event struct {
	ID          string
	Source      string
	Type        string
	Subject     string
	Time        time.Time
	DataVersion string
	Schema      Schema
	// Data is the event's data member as JSON.
	Data json.RawMessage
	// Raw is the event exactly as delivered, kept for dead-lettering.
	Raw json.RawMessage
}

// Message is one stream message (an Event Hubs event) with the metadata the
// platform delivered beside it.
type Message struct {
	// Body is the message body as sent by the producer.
	Body []byte
	// Properties are the producer's application properties.
	Properties map[string]any
	// SystemProperties are the broker's properties (x-opt-* annotations,
	// IoT Hub keys such as iothub-connection-device-id, and the Functions
	// extension's SequenceNumber, Offset, PartitionKey, EnqueuedTimeUtc).
	SystemProperties map[string]any
	PartitionID      string
	PartitionKey     string
	Offset           string
	SequenceNumber   int64
	EnqueuedTime     time.Time
}

// Timer is one timer firing.
type Timer struct {
	// Last and Next are the schedule monitor's times; zero when the monitor
	// is off.
	Last, Next time.Time
	IsPastDue  bool
}

// Handler handles one event. See the package doc for what its error means.
type Handler func(ctx context.Context, e Event) error

// BatchHandler handles one batch of stream messages in delivery order. It
// returns nil when every message was handled, a *BatchError naming the
// messages that failed, or any other error when the whole batch failed.
type BatchHandler func(ctx context.Context, msgs []Message) error

// TimerHandler handles one timer firing.
type TimerHandler func(ctx context.Context, t Timer) error

// Typed adapts a handler of decoded data to a Handler. A Data member that
// does not decode into T is a permanent error.
func Typed[T any](h func(ctx context.Context, e Event, data T) error) Handler {
	return func(ctx context.Context, e Event) error {
		var data T
		if err := json.Unmarshal(e.Data, &data); err != nil {
			return Permanent(&DecodeError{What: "event " + e.ID + " data", Err: err})
		}
		return h(ctx, e, data)
	}
}

// DecodeError reports input that could not be decoded.
type DecodeError struct {
	What string
	Err  error
}

func (e *DecodeError) Error() string { return "decode " + e.What + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }
