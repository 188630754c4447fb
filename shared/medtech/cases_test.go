package medtech

import (
	"github.com/ahds-events/ahds/tests/sharedcases"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
	"github.com/ahds-events/ahds/shared/medtech/template"
)

// casesDir returns <repo root>/../shared/cases/medtech; it fails in CI and skips
// elsewhere when the directory is missing.
func casesDir(t testing.TB) string {
	t.Helper()
	return sharedcases.Path(t, "cases", "medtech")
}

func readCase(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{casesDir(t)}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wrapCollection(b []byte) []byte {
	return append(append([]byte(`{"templateType":"CollectionContent","template":[`), b...), ']', '}')
}

func mustDevice(t testing.TB, b []byte) *template.DeviceMapping {
	t.Helper()
	m, err := template.ParseDevice(b)
	if err != nil {
		t.Fatalf("ParseDevice: %v", err)
	}
	return m
}

// envelopeFrom parses a file already in the {Body, Properties,
// SystemProperties} form.
func envelopeFrom(t testing.TB, b []byte) *Envelope {
	t.Helper()
	v, err := ParseBody(b)
	if err != nil {
		t.Fatal(err)
	}
	return NewEnvelope(v.Get("Body"), v.Get("Properties"), v.Get("SystemProperties"), testTime)
}

func bodyEnvelope(t testing.TB, b []byte) *Envelope {
	t.Helper()
	v, err := ParseBody(b)
	if err != nil {
		t.Fatal(err)
	}
	return NewEnvelope(v, nil, nil, testTime)
}

var testTime = mustTime("2024-02-01T00:00:00Z")

func mustTime(s string) time.Time {
	t, ok := ParseTime(s)
	if !ok {
		panic(s)
	}
	return t
}

func measurementsJSON(ms []Measurement) string {
	b := []byte{'['}
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = m.AppendJSON(b)
	}
	return string(append(b, ']'))
}

var _ = jsontree.NullValue
