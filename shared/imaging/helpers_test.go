package imaging

import (
	"encoding/json"
	"flag"
	"github.com/ahds-events/ahds/tests/sharedcases"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// casesDir returns <repo root>/../shared/cases/dicom; it fails in CI and skips
// elsewhere when the directory is missing.
func casesDir(t testing.TB) string {
	t.Helper()
	return sharedcases.Path(t, "cases", "dicom")
}

func readCase(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{casesDir(t)}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	fhirOnce sync.Once
	fhirU    *jsonformat.Unmarshaller
	fhirErr  error
)

// validateR4 checks that b is a valid R4 resource with google/fhir/go.
func validateR4(t testing.TB, b []byte) {
	t.Helper()
	fhirOnce.Do(func() { fhirU, fhirErr = jsonformat.NewUnmarshaller("UTC", fhirversion.R4) })
	if fhirErr != nil {
		t.Fatal(fhirErr)
	}
	if _, err := fhirU.Unmarshal(b); err != nil {
		t.Errorf("invalid R4 resource: %v\n%s", err, b)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\ngot:\n%s", path, got)
	}
}
