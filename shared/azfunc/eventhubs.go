package azfunc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/ahds-events/ahds/shared/event"
)

// DataType is an Event Hubs trigger's function.json dataType.
type DataType string

// The dataType values of contract §5.2. DataTypeString is the one to use:
// with no dataType a single non-JSON body fails binding for the whole batch.
const (
	DataTypeString DataType = "string"
	DataTypeBinary DataType = "binary"
	DataTypeNone   DataType = ""
)

// partitionContext is TriggerPartitionContext / PartitionContext.
type partitionContext struct {
	FullyQualifiedNamespace string `json:"FullyQualifiedNamespace"`
	EventHubName            string `json:"EventHubName"`
	ConsumerGroup           string `json:"ConsumerGroup"`
	PartitionID             string `json:"PartitionId"`
}

// DecodeEventHubBatch decodes an Event Hubs cardinality-many invocation:
// Data.<name> is a JSON string holding an array (strings, base64 strings or
// parsed JSON values by dataType), and element i of every *Array metadata
// value belongs to message i. Arrays that disagree in length are a permanent
// error: pairing bodies with the wrong metadata would be worse than setting
// the batch aside.
func DecodeEventHubBatch(data json.RawMessage, meta map[string]json.RawMessage, dt DataType) ([]event.Message, error) {
	arr := unwrapArray(data)
	if arr == nil {
		return nil, event.Permanent(errors.New("event hubs batch: Data is not a JSON array or a string holding one"))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(arr, &elems); err != nil {
		return nil, event.Permanent(fmt.Errorf("event hubs batch: %w", err))
	}
	msgs := make([]event.Message, len(elems))
	for i, el := range elems {
		body, err := decodeBody(el, dt)
		if err != nil {
			return nil, event.Permanent(fmt.Errorf("event hubs batch: message %d: %w", i, err))
		}
		msgs[i].Body = body
	}

	var pc partitionContext
	for _, k := range []string{"TriggerPartitionContext", "PartitionContext"} {
		if v, ok := meta[k]; ok {
			if err := json.Unmarshal(unwrapValue(v), &pc); err == nil {
				break
			}
		}
	}
	for i := range msgs {
		msgs[i].PartitionID = pc.PartitionID
	}

	type column struct {
		key string
		set func(i int, v json.RawMessage) error
	}
	columns := []column{
		{"PartitionKeyArray", func(i int, v json.RawMessage) error {
			_ = json.Unmarshal(v, &msgs[i].PartitionKey) // null stays empty
			return nil
		}},
		{"OffsetStringArray", func(i int, v json.RawMessage) error {
			s, _ := metaString(v)
			msgs[i].Offset = s
			return nil
		}},
		{"OffsetArray", func(i int, v json.RawMessage) error {
			if msgs[i].Offset == "" {
				s, _ := metaString(v)
				msgs[i].Offset = s
			}
			return nil
		}},
		{"SequenceNumberArray", func(i int, v json.RawMessage) error {
			s, _ := metaString(v)
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("sequence number %s: %w", v, err)
			}
			msgs[i].SequenceNumber = n
			return nil
		}},
		{"EnqueuedTimeUtcArray", func(i int, v json.RawMessage) error {
			s, _ := metaString(v)
			t, err := parseTime(s)
			if err != nil {
				return err
			}
			msgs[i].EnqueuedTime = t
			return nil
		}},
		{"PropertiesArray", func(i int, v json.RawMessage) error {
			return decodeObject(v, &msgs[i].Properties)
		}},
		{"SystemPropertiesArray", func(i int, v json.RawMessage) error {
			return decodeObject(v, &msgs[i].SystemProperties)
		}},
	}
	for _, c := range columns {
		raw, ok := meta[c.key]
		if !ok {
			continue
		}
		a := unwrapArray(raw)
		if a == nil {
			return nil, event.Permanentf("event hubs batch: metadata %s is not a JSON array", c.key)
		}
		var vals []json.RawMessage
		if err := json.Unmarshal(a, &vals); err != nil {
			return nil, event.Permanent(fmt.Errorf("event hubs batch: metadata %s: %w", c.key, err))
		}
		if len(vals) != len(msgs) {
			return nil, event.Permanentf("event hubs batch: metadata %s has %d entries for %d messages", c.key, len(vals), len(msgs))
		}
		for i, v := range vals {
			if err := c.set(i, v); err != nil {
				return nil, event.Permanent(fmt.Errorf("event hubs batch: metadata %s[%d]: %w", c.key, i, err))
			}
		}
	}
	return msgs, nil
}

// unwrapArray returns the JSON array text inside v (an array, or a string
// holding one, possibly double-encoded), or nil. The text is not validated
// here: the caller's json.Unmarshal does that once.
func unwrapArray(v json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(v)
	for range 2 {
		if len(t) == 0 || t[0] != '"' {
			break
		}
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil
		}
		t = bytes.TrimSpace([]byte(s))
	}
	if len(t) == 0 || t[0] != '[' {
		return nil
	}
	return t
}

func decodeBody(el json.RawMessage, dt DataType) ([]byte, error) {
	switch dt {
	case DataTypeString:
		var s string
		if err := json.Unmarshal(el, &s); err != nil {
			return nil, fmt.Errorf("dataType string: element is not a JSON string: %w", err)
		}
		return []byte(s), nil
	case DataTypeBinary:
		var s string
		if err := json.Unmarshal(el, &s); err != nil {
			return nil, fmt.Errorf("dataType binary: element is not a JSON string: %w", err)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("dataType binary: element is not base64: %w", err)
		}
		return b, nil
	default:
		// No dataType: the host parsed each body as JSON; its compact form is
		// the best reconstruction of the original bytes.
		return []byte(el), nil
	}
}

func decodeObject(v json.RawMessage, dst *map[string]any) error {
	u := bytes.TrimSpace(v)
	if len(u) > 0 && u[0] == '"' {
		u = unwrapValue(u)
	}
	if string(u) == "null" {
		return nil
	}
	if err := json.Unmarshal(u, dst); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	return nil
}
