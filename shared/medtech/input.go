package medtech

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// Inputs are the envelopes of a debugger input file. Errs holds the
// messages that could not be parsed, by index (their Envelopes entry is
// nil).
type Inputs struct {
	Envelopes []*Envelope
	Errs      map[int]error
}

// values splits a file into JSON values: one value (an array is expanded
// when expand is set), or JSON Lines when the file is not one JSON value.
func values(data []byte) (vals []*jsontree.Value, errs map[int]error) {
	data = bytes.TrimPrefix(data, bom)
	if v, err := jsontree.Parse(data); err == nil {
		if v.Kind == jsontree.Array {
			return v.Items, nil
		}
		return []*jsontree.Value{v}, nil
	}
	errs = map[int]error{}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		v, err := ParseBody([]byte(line))
		if err != nil {
			errs[len(vals)] = err
		}
		vals = append(vals, v)
	}
	return vals, errs
}

// ParseMessages reads a --messages file (medtech.md §19): one JSON value
// (an array = one message per element), else JSON Lines. Each body gets
// empty Properties and SystemProperties.
func ParseMessages(data []byte) Inputs {
	vals, errs := values(data)
	in := Inputs{Errs: errs}
	for i, v := range vals {
		if _, bad := errs[i]; bad {
			in.Envelopes = append(in.Envelopes, nil)
			continue
		}
		in.Envelopes = append(in.Envelopes, NewEnvelope(v, nil, nil, timeZero))
	}
	return in
}

// ParseEvents reads an --events file: an array of envelopes, one envelope,
// or JSON Lines of envelopes. Missing Properties/SystemProperties are {},
// a missing Body is null; the ingestion time is
// SystemProperties["x-opt-enqueued-time"] when parseable.
func ParseEvents(data []byte) Inputs {
	vals, errs := values(data)
	in := Inputs{Errs: errs}
	if in.Errs == nil {
		in.Errs = map[int]error{}
	}
	for i, v := range vals {
		if _, bad := errs[i]; bad {
			in.Envelopes = append(in.Envelopes, nil)
			continue
		}
		if v.Kind != jsontree.Object {
			in.Errs[i] = &Error{Name: ErrInvalidDataFormat, Stage: StageNormalization,
				Message: fmt.Sprintf("event %d is a JSON %s, not an envelope object", i, v.Kind)}
			in.Envelopes = append(in.Envelopes, nil)
			continue
		}
		props, sys := v.Get("Properties"), v.Get("SystemProperties")
		if props != nil && props.Kind == jsontree.Null {
			props = nil
		}
		if sys != nil && sys.Kind == jsontree.Null {
			sys = nil
		}
		env := NewEnvelope(v.Get("Body"), props, sys, timeZero)
		if t := env.Root.Get("SystemProperties").Get("x-opt-enqueued-time"); t != nil {
			if ts, ok := timestamp(t); ok {
				env.IngestionTime = ts
			}
		}
		in.Envelopes = append(in.Envelopes, env)
	}
	if len(in.Errs) == 0 {
		in.Errs = nil
	}
	return in
}
