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
		sysProps[i] = systemProperties(e)
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

// EventHubSingle builds the invocation for one event delivered to a
// cardinality-one trigger (contract §5.2 "Single-event form"): Data.<binding>
// is the body as a double-encoded string (base64 for dataType binary);
// Metadata has the partition contexts, PartitionKey, Offset and OffsetString
// double-encoded, SequenceNumber as its text, EnqueuedTimeUtc in whole
// seconds without zone, Properties and SystemProperties as objects, then the
// top-level members of a JSON body, then sys. b.Events must hold exactly one
// event.
func EventHubSingle(b Batch) (Invocation, error) {
	if len(b.Events) != 1 {
		return Invocation{}, fmt.Errorf("event hubs single %s: %d events, want 1", b.Function, len(b.Events))
	}
	e := b.Events[0]
	inv := Invocation{Function: b.Function}
	switch b.DataType {
	case "binary":
		inv.Data.Set(b.Binding, Bytes(e.Body))
	case "", "string":
		inv.Data.Set(b.Binding, String(string(e.Body)))
	default:
		return Invocation{}, fmt.Errorf("event hubs single %s: dataType %q is not supported (want none, string or binary)", b.Function, b.DataType)
	}
	pc := b.Partition.Value()
	inv.Metadata.Set("TriggerPartitionContext", pc)
	inv.Metadata.Set("PartitionContext", pc)
	off := strconv.FormatInt(e.Offset, 10)
	if e.PartitionKey != "" {
		inv.Metadata.Set("PartitionKey", String(e.PartitionKey))
	}
	inv.Metadata.Set("Offset", String(off))
	inv.Metadata.Set("OffsetString", String(off))
	inv.Metadata.Set("SequenceNumber", quote(strconv.FormatInt(e.SequenceNumber, 10)))
	inv.Metadata.Set("EnqueuedTimeUtc", DateTime(e.EnqueuedTime))
	p := e.Properties
	if p == nil {
		p = Object{}
	}
	pv, _ := p.MarshalJSON()
	inv.Metadata.Set("Properties", pv)
	inv.Metadata.Set("SystemProperties", systemProperties(e))
	if b.DataType != "binary" {
		if err := setBodyMembers(&inv.Metadata, e.Body); err != nil {
			return Invocation{}, fmt.Errorf("event hubs single %s: body: %w", b.Function, err)
		}
	}
	inv.Metadata.Set("sys", b.Sys.Value())
	if b.Retry != nil {
		inv.Metadata.Set("RetryContext", b.Retry.Value())
	}
	return inv, nil
}

// systemProperties is one event's SystemProperties object: AMQP x-opt-*
// annotations plus the extension's fields (illustrative, contract §14.3).
func systemProperties(e EventData) json.RawMessage {
	off := strconv.FormatInt(e.Offset, 10)
	seq := json.RawMessage(strconv.FormatInt(e.SequenceNumber, 10))
	key := json.RawMessage("null")
	if e.PartitionKey != "" {
		key = quote(e.PartitionKey)
	}
	unspecified := quote(FormatDateTime(e.EnqueuedTime.UTC(), KindUnspecified))
	sp := Object{
		{"x-opt-sequence-number", seq},
		{"x-opt-offset", quote(off)},
		{"x-opt-enqueued-time", quote(FormatDateTime(e.EnqueuedTime, KindUTC))},
	}
	if e.PartitionKey != "" {
		sp = append(sp, Field{"x-opt-partition-key", key})
	}
	sp = append(sp,
		Field{"SequenceNumber", seq},
		Field{"Offset", json.RawMessage(off)},
		Field{"OffsetString", quote(off)},
		Field{"PartitionKey", key},
		Field{"EnqueuedTimeUtc", unspecified},
	)
	b, _ := sp.MarshalJSON()
	return b
}
