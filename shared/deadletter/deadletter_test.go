package deadletter

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/tests/stack"
)

// runStoreTests is the conformance suite every Store passes.
func runStoreTests(t *testing.T, s Store) {
	t.Helper()
	ctx := t.Context()
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	recs := []Record{
		{ID: ID("fhir-events", []byte("b")), Function: "fhir-events", Error: "second", Time: t0.Add(time.Minute), Event: []byte("b")},
		{ID: ID("dicom-events", []byte("a")), Function: "dicom-events", Error: "first: naïve", Time: t0, Event: []byte(`{"a":1}`), Detail: map[string]string{"study": "1.2.3"}},
	}
	for _, r := range recs {
		if err := s.Put(ctx, r); err != nil {
			t.Fatalf("Put(%s) = %v", r.ID, err)
		}
	}
	// Putting the same ID again replaces the record.
	recs[1].Attempt = 2
	if err := s.Put(ctx, recs[1]); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(ctx, "")
	if err != nil || len(all) != 2 || all[0].ID != recs[1].ID || all[0].Function != "dicom-events" {
		t.Fatalf("List() = %+v, %v; want 2 records, dicom-events first", all, err)
	}
	only, _ := s.List(ctx, "fhir-events")
	if len(only) != 1 || only[0].Error != "second" {
		t.Errorf("List(fhir-events) = %+v", only)
	}
	got, err := s.Get(ctx, recs[1].ID)
	if err != nil || string(got.Event) != `{"a":1}` || got.Attempt != 2 || got.Detail["study"] != "1.2.3" || got.Error != "first: naïve" {
		t.Errorf("Get() = %+v, %v", got, err)
	}
	if _, err := s.Get(ctx, "dicom-events/missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
}

func TestMemory(t *testing.T) { runStoreTests(t, NewMemory()) }

func TestBlob_Azurite(t *testing.T) {
	st := stack.Require(t)
	client, err := blobstore.Open(config.Storage{ConnectionString: st.Storage}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runStoreTests(t, NewBlob(client, fmt.Sprintf("dltest%d", time.Now().UnixNano()%1e9)))
}

func TestID_DeterministicAndBlobSafe(t *testing.T) {
	a, b := ID("device-telemetry", []byte("x")), ID("device-telemetry", []byte("x"))
	if a != b || !strings.HasPrefix(a, "device-telemetry/") || len(a) != len("device-telemetry/")+24 {
		t.Errorf("ID = %q, %q", a, b)
	}
	if ID("f", []byte("y")) == ID("f", []byte("x")) {
		t.Error("different events share an ID")
	}
}
