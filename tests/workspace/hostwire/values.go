package hostwire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Field is one named member of an Object.
type Field struct {
	Name  string
	Value json.RawMessage
}

// Object is a JSON object whose members keep their order, as a .NET
// Dictionary serialised by Newtonsoft does. Values are JSON text already
// encoded by one of the value functions (Object, String, Text, …).
type Object []Field

// Set appends a member with the host's binding-data filter (contract §4.4):
// a nil or null value and a name ending in "trigger" (case-insensitive) are
// dropped. It replaces an existing member of the same name in place.
func (o *Object) Set(name string, v json.RawMessage) {
	if v == nil || string(bytes.TrimSpace(v)) == "null" || strings.HasSuffix(strings.ToLower(name), "trigger") {
		return
	}
	for i := range *o {
		if (*o)[i].Name == name {
			(*o)[i].Value = v
			return
		}
	}
	*o = append(*o, Field{Name: name, Value: v})
}

// Get returns the value of the member called name.
func (o Object) Get(name string) (json.RawMessage, bool) {
	for _, f := range o {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the members in order, compactly.
func (o Object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, f.Name)
		b = append(b, ':')
		v := f.Value
		if v == nil {
			v = json.RawMessage("null")
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// Marshal encodes v compactly with Newtonsoft string escaping. Use Object
// (or a struct) where member order matters: Go maps are written sorted.
func Marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	return Render(bytes.TrimSpace(buf.Bytes()), RenderOptions{})
}

// String is a .NET string as the host sends it (rule 4): the string's JSON
// text, itself as a JSON string, "abc" → "\"abc\"".
func String(s string) json.RawMessage {
	return quote(string(quote(s)))
}

// Text is a scalar or array value as the host sends it (rule 4): a JSON
// string holding the value's compact JSON text, 12 → "12", [1,2] → "[1,2]".
func Text(v any) (json.RawMessage, error) {
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	return quote(string(b)), nil
}

// TextOf is Text for JSON already encoded (re-escaped with AppendString).
func TextOf(raw json.RawMessage) (json.RawMessage, error) {
	b, err := Render(raw, RenderOptions{})
	if err != nil {
		return nil, err
	}
	return quote(string(b)), nil
}

// ObjectOf is an object value (rule 3): raw must be a JSON object; it is
// re-rendered compactly with opts.
func ObjectOf(raw json.RawMessage, opts RenderOptions) (json.RawMessage, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("object value: want a JSON object, got %.20q", t)
	}
	return Render(t, opts)
}

// DateTime is a top-level .NET DateTime as the host sends it (rule 2):
// DateTime.Parse(value.ToString()) keeps whole seconds and Kind Unspecified,
// so "2024-10-25T03:02:17", no fraction, no zone (t is taken in UTC).
func DateTime(t time.Time) json.RawMessage {
	return quote(t.UTC().Format("2006-01-02T15:04:05"))
}

// Bytes is a byte[] as the host sends it (rule 1): a base64 string.
func Bytes(b []byte) json.RawMessage {
	return quote(base64.StdEncoding.EncodeToString(b))
}

// ParseObject decodes a JSON object into an Object, keeping member order;
// values stay as their JSON text.
func ParseObject(raw json.RawMessage) (Object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("parse object: %w", err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("parse object: want a JSON object, got %v", tok)
	}
	o := Object{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("parse object: %w", err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("parse object: member %q: %w", k, err)
		}
		o = append(o, Field{Name: k.(string), Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("parse object: %w", err)
	}
	return o, nil
}
