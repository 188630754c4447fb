package azfunc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// invokeRequest is the host's envelope: {"Data":{…},"Metadata":{…}}.
type invokeRequest struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// invokeResponse is the answer the host expects on 2xx.
type invokeResponse struct {
	Outputs     map[string]any `json:"Outputs,omitempty"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

func decodeEnvelope(body []byte) (invokeRequest, error) {
	var req invokeRequest
	if len(bytes.TrimSpace(body)) == 0 {
		return req, errors.New("empty body: want the host's {\"Data\":…,\"Metadata\":…} envelope")
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("body is not the host's invoke envelope: %w", err)
	}
	if req.Data == nil {
		return req, errors.New("invoke envelope has no Data member")
	}
	return req, nil
}

// trigger returns the envelope's single Data value. Functions in this app
// have exactly one input binding: their trigger.
func (r invokeRequest) trigger() (string, json.RawMessage, error) {
	if len(r.Data) != 1 {
		keys := make([]string, 0, len(r.Data))
		for k := range r.Data {
			keys = append(keys, k)
		}
		return "", nil, fmt.Errorf("invoke envelope Data has %d bindings %q, want exactly one trigger", len(r.Data), keys)
	}
	for k, v := range r.Data {
		return k, v, nil
	}
	panic("unreachable")
}

// unwrapValue undoes the host's value encoding (contract §4.3, §15): a value
// is either JSON as is, or a string holding JSON text, possibly a string
// holding a string literal (double encoding). It returns the innermost JSON
// text; a string whose content is not JSON is returned as a JSON string.
func unwrapValue(v json.RawMessage) json.RawMessage {
	for range 2 {
		t := bytes.TrimSpace(v)
		if len(t) == 0 || t[0] != '"' {
			return t
		}
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return t
		}
		inner := strings.TrimSpace(s)
		if inner == "" || !json.Valid([]byte(inner)) {
			return t
		}
		v = json.RawMessage(inner)
	}
	return v
}

// metaString returns a Metadata value as a plain string: "\"abc\"" → abc,
// "abc" → abc, 12 → 12. It does not validate beyond what it decodes: it runs
// once per message per column, so it must be cheap.
func metaString(v json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(v)
	if len(t) == 0 || t[0] == '{' || t[0] == '[' || string(t) == "null" {
		return "", false
	}
	if t[0] != '"' {
		return string(t), true
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return "", false
	}
	if len(s) > 1 && s[0] == '"' { // double-encoded
		var inner string
		if json.Unmarshal([]byte(s), &inner) == nil {
			return inner, true
		}
	}
	return s, true
}

// parseTime parses the times the host and Event Grid write: RFC 3339 with or
// without fraction, Z or ±hh:mm, or no zone at all (read as UTC; Newtonsoft
// writes Kind=Unspecified DateTimes that way).
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601", s)
}
