package medtech

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// Envelope is the object device templates are evaluated against:
// {"Body": B, "Properties": P, "SystemProperties": S} (medtech.md §4).
type Envelope struct {
	// Root is the envelope object.
	Root *jsontree.Value
	// Body is Root's Body member (JSON null when the body was empty).
	Body *jsontree.Value
	// IngestionTime is the event's enqueued time; zero when unknown.
	IngestionTime time.Time
}

// NewEnvelope builds an envelope from parsed parts. Nil parts become null
// (body) or {} (properties).
func NewEnvelope(body, props, sysProps *jsontree.Value, ingestion time.Time) *Envelope {
	if body == nil {
		body = jsontree.NullValue
	}
	if props == nil {
		props = emptyObject
	}
	if sysProps == nil {
		sysProps = emptyObject
	}
	root := jsontree.NewObject([]jsontree.Member{{Key: "Body", Value: body}, {Key: "Properties", Value: props}, {Key: "SystemProperties", Value: sysProps}})
	return &Envelope{Root: root, Body: body, IngestionTime: ingestion}
}

// emptyObject is shared: trees are immutable.
var emptyObject = jsontree.NewObject(nil)

var timeZero time.Time

var bom = []byte("\xEF\xBB\xBF")

// ParseBody parses an event body: exactly one JSON value, BOM skipped,
// zero length = null. Anything else is an InvalidDataFormatException.
func ParseBody(b []byte) (*jsontree.Value, error) {
	b = bytes.TrimPrefix(b, bom)
	if len(b) == 0 {
		return jsontree.NullValue, nil
	}
	v, err := jsontree.Parse(b)
	if err != nil {
		return nil, &Error{Name: ErrInvalidDataFormat, Stage: StageNormalization,
			Message: "Invalid event message. Cannot be parsed into a JSON object.", Err: err}
	}
	return v, nil
}

// FromGo converts a decoded Go value (as encoding/json or the Event Hubs
// SDK produce: maps, slices, strings, numbers, booleans, time.Time, nil)
// to a tree. Map keys are sorted so the result is deterministic.
func FromGo(x any) (*jsontree.Value, error) {
	switch v := x.(type) {
	case nil:
		return jsontree.NullValue, nil
	case *jsontree.Value:
		return v, nil
	case string:
		return jsontree.NewString(v), nil
	case []byte:
		return jsontree.NewString(string(v)), nil
	case bool:
		return jsontree.NewBool(v), nil
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return &jsontree.Value{Kind: jsontree.Int, Str: string(v), Offset: -1}, nil
		}
		return &jsontree.Value{Kind: jsontree.Float, Str: string(v), Offset: -1}, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return jsontree.NewInt(int64(v)), nil
		}
		return jsontree.NewFloat(v), nil
	case float32:
		return FromGo(float64(v))
	case int:
		return jsontree.NewInt(int64(v)), nil
	case int8, int16, int32, int64, uint8, uint16, uint32:
		n, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		return jsontree.NewInt(n), nil
	case uint64:
		return &jsontree.Value{Kind: jsontree.Int, Str: strconv.FormatUint(v, 10), Offset: -1}, nil
	case time.Time:
		return jsontree.NewString(jsontree.ISODate(v)), nil
	case []any:
		items := make([]*jsontree.Value, len(v))
		for i, it := range v {
			t, err := FromGo(it)
			if err != nil {
				return nil, err
			}
			items[i] = t
		}
		return jsontree.NewArray(items), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		members := make([]jsontree.Member, len(keys))
		for i, k := range keys {
			t, err := FromGo(v[k])
			if err != nil {
				return nil, err
			}
			members[i] = jsontree.Member{Key: k, Value: t}
		}
		return jsontree.NewObject(members), nil
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("convert property of type %T: %w", x, err)
	}
	return jsontree.Parse(b)
}

// MessageEnvelope builds the envelope of an Event Hubs message
// (medtech.md §4): missing x-opt-* system properties are filled from the
// message's metadata; the ingestion time is its enqueued time.
func MessageEnvelope(m event.Message) (*Envelope, error) {
	body, err := ParseBody(m.Body)
	if err != nil {
		return nil, err
	}
	props, err := FromGo(anyMap(m.Properties))
	if err != nil {
		return nil, &Error{Name: ErrInvalidDataFormat, Stage: StageNormalization, Message: "unreadable application properties", Err: err}
	}
	sys := make(map[string]any, len(m.SystemProperties)+4)
	for k, v := range m.SystemProperties {
		sys[k] = v
	}
	fill := func(k string, v any, present bool) {
		if _, ok := sys[k]; !ok && present {
			sys[k] = v
		}
	}
	fill("x-opt-sequence-number", m.SequenceNumber, m.SequenceNumber != 0 || m.Offset != "")
	fill("x-opt-offset", m.Offset, m.Offset != "")
	fill("x-opt-enqueued-time", m.EnqueuedTime, !m.EnqueuedTime.IsZero())
	fill("x-opt-partition-key", m.PartitionKey, m.PartitionKey != "")
	sysv, err := FromGo(sys)
	if err != nil {
		return nil, &Error{Name: ErrInvalidDataFormat, Stage: StageNormalization, Message: "unreadable system properties", Err: err}
	}
	return NewEnvelope(body, props, sysv, m.EnqueuedTime.UTC()), nil
}

func anyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
