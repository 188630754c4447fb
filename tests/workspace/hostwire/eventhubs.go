package hostwire

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrBinding marks a batch the host cannot bind: with no dataType every body
// must be JSON, and one that is not fails the whole batch before the handler
// is called (contract §5.2). The host checkpoints such a batch anyway.
var ErrBinding = errors.New("event hubs binding failed")

// EventData is one Event Hubs event as the trigger sees it.
type EventData struct {
	Body []byte
	// PartitionKey is the producer's key; "" means none (null).
	PartitionKey string
	// Offset is the event's offset in its partition.
	Offset int64
	// SequenceNumber is the event's sequence number in its partition.
	SequenceNumber int64
	// EnqueuedTime is when the broker accepted the event.
	EnqueuedTime time.Time
	// Properties are the producer's application properties.
	Properties Object
}

// PartitionContext is TriggerPartitionContext / PartitionContext.
type PartitionContext struct {
	IsCheckpointingAfterInvocation bool
	FullyQualifiedNamespace        string
	EventHubName                   string
	ConsumerGroup                  string
	PartitionID                    string
}

// Value encodes the context as the object the host sends.
func (p PartitionContext) Value() json.RawMessage {
	o := Object{
		{"IsCheckpointingAfterInvocation", json.RawMessage(strconv.FormatBool(p.IsCheckpointingAfterInvocation))},
		{"FullyQualifiedNamespace", quote(p.FullyQualifiedNamespace)},
		{"EventHubName", quote(p.EventHubName)},
		{"ConsumerGroup", quote(p.ConsumerGroup)},
		{"PartitionId", quote(p.PartitionID)},
	}
	b, _ := o.MarshalJSON()
	return b
}

// Batch is one cardinality-many delivery.
type Batch struct {
	// Function is the function name.
	Function string
	// Binding is the eventHubTrigger binding's name.
	Binding string
	// DataType is function.json dataType: "", "string" or "binary".
	DataType  string
	Partition PartitionContext
	Events    []EventData
	Sys       Sys
	// Retry is set when a retry policy re-invokes the batch.
	Retry *RetryContext
}

// EventHubBatch builds the invocation for a batch (contract §5.2, §14.3–14.5).
// Data.<binding> is a string holding a JSON array: the bodies parsed as JSON
// and re-rendered by Newtonsoft (no dataType), the bodies as strings
// ("string"), or base64 ("binary"). Metadata carries the partition contexts as
// objects and every *Array value as a string. A non-JSON body with no
// dataType returns an error wrapping ErrBinding.
func EventHubBatch(b Batch) (Invocation, error) {
	switch b.DataType {
	case "", "string", "binary":
	default:
		return Invocation{}, fmt.Errorf("event hubs batch %s: dataType %q is not supported (want none, string or binary)", b.Function, b.DataType)
	}
	items := make([]json.RawMessage, len(b.Events))
	for i, e := range b.Events {
		switch b.DataType {
		case "":
			if !json.Valid(e.Body) {
				return Invocation{}, fmt.Errorf("%w: %s: event %d (sequence %d) is not JSON and function.json sets no dataType", ErrBinding, b.Function, i, e.SequenceNumber)
			}
			v, err := Render(e.Body, Newtonsoft)
			if err != nil {
				return Invocation{}, fmt.Errorf("%w: %s: event %d: %w", ErrBinding, b.Function, i, err)
			}
			items[i] = v
		case "string":
			items[i] = quote(string(e.Body))
		default:
			items[i] = quote(base64.StdEncoding.EncodeToString(e.Body))
		}
	}
	inv := Invocation{Function: b.Function}
	inv.Data.Set(b.Binding, quote(string(rawArray(items))))

	pc := b.Partition.Value()
	inv.Metadata.Set("TriggerPartitionContext", pc)
	inv.Metadata.Set("PartitionContext", pc)
	n := len(b.Events)
	keys, offsets, seqs, times, props, sysProps := make([]json.RawMessage, n), make([]json.RawMessage, n), make([]json.RawMessage, n), make([]json.RawMessage, n), make([]json.RawMessage, n), make([]json.RawMessage, n)
	for i, e := range b.Events {
		key := json.RawMessage("null")
		if e.PartitionKey != "" {
			key = quote(e.PartitionKey)
		}
		keys[i] = key
		off := strconv.FormatInt(e.Offset, 10)
		offsets[i] = quote(off)
		seqs[i] = json.RawMessage(strconv.FormatInt(e.SequenceNumber, 10))
		unspecified := quote(FormatDateTime(e.EnqueuedTime.UTC(), KindUnspecified))
		times[i] = unspecified
		p := e.Properties
		if p == nil {
			p = Object{}
		}
		props[i], _ = p.MarshalJSON()
		sp := Object{
			{"x-opt-sequence-number", seqs[i]},
			{"x-opt-offset", quote(off)},
			{"x-opt-enqueued-time", quote(FormatDateTime(e.EnqueuedTime, KindUTC))},
		}
		if e.PartitionKey != "" {
			sp = append(sp, Field{"x-opt-partition-key", key})
		}
		sp = append(sp,
			Field{"SequenceNumber", seqs[i]},
			Field{"Offset", json.RawMessage(off)},
			Field{"OffsetString", quote(off)},
			Field{"PartitionKey", key},
			Field{"EnqueuedTimeUtc", unspecified},
		)
		sysProps[i], _ = sp.MarshalJSON()
	}
	arrays := []struct {
		name  string
		items []json.RawMessage
	}{
		{"PartitionKeyArray", keys},
		{"OffsetArray", offsets},
		{"OffsetStringArray", offsets},
		{"SequenceNumberArray", seqs},
		{"EnqueuedTimeUtcArray", times},
		{"PropertiesArray", props},
		{"SystemPropertiesArray", sysProps},
	}
	for _, a := range arrays {
		inv.Metadata.Set(a.name, quote(string(rawArray(a.items))))
	}
	inv.Metadata.Set("sys", b.Sys.Value())
	if b.Retry != nil {
		inv.Metadata.Set("RetryContext", b.Retry.Value())
	}
	return inv, nil
}

func rawArray(items []json.RawMessage) []byte {
	b := []byte{'['}
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}
