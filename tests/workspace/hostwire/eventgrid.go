package hostwire

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EventGrid builds the invocation for one Event Grid event (either schema)
// delivered to an eventGridTrigger binding called binding (contract §5.1,
// §14.1, §14.2). The event is re-rendered as Newtonsoft re-renders a parsed
// JToken (dates and doubles, see Newtonsoft). Metadata is exactly {data, sys}:
// data is the event's data member (an object stays an object; any other
// value becomes its JSON text as a string), absent when the event has none.
func EventGrid(function, binding string, event json.RawMessage, sys Sys) (Invocation, error) {
	ev, err := ObjectOf(event, Newtonsoft)
	if err != nil {
		return Invocation{}, fmt.Errorf("event grid invocation of %s: %w", function, err)
	}
	inv := Invocation{Function: function}
	inv.Data.Set(binding, ev)
	var members map[string]json.RawMessage
	if err := json.Unmarshal(ev, &members); err != nil {
		return Invocation{}, fmt.Errorf("event grid invocation of %s: %w", function, err)
	}
	if data, ok := members["data"]; ok {
		t := bytes.TrimSpace(data)
		switch {
		case len(t) > 0 && t[0] == '{':
			inv.Metadata.Set("data", t)
		default:
			v, err := TextOf(t)
			if err != nil {
				return Invocation{}, fmt.Errorf("event grid invocation of %s: data: %w", function, err)
			}
			if string(t) != "null" {
				inv.Metadata.Set("data", v)
			}
		}
	}
	inv.Metadata.Set("sys", sys.Value())
	return inv, nil
}
