// Package stack gives integration tests the endpoints of the local services
// (Orthanc, the FHIR dev server, Azurite) that `make test` starts.
//
// `make test` starts the services and exports AHDS_STACK_FILE, the path of a
// JSON file holding Endpoints. A test that needs the services calls Require.
// Outside CI, with no stack running, Require skips with the command to run;
// in CI (CI=true) a missing stack fails the test: CI must never pass by
// skipping.
package stack

import (
	"encoding/json"
	"os"
	"testing"
)

// Endpoints are the base URLs of the running local services.
type Endpoints struct {
	// FHIR is the FHIR dev server's base URL, e.g. http://127.0.0.1:8080.
	FHIR string `json:"fhir"`
	// Orthanc is Orthanc's REST base URL, e.g. http://127.0.0.1:8042; its
	// DICOMweb root is Orthanc + "/dicom-web".
	Orthanc string `json:"orthanc"`
	// Storage is the Azurite connection string.
	Storage string `json:"storage"`
	// BlobURL is Azurite's blob endpoint, e.g.
	// http://127.0.0.1:10000/devstoreaccount1.
	BlobURL string `json:"blobUrl"`
}

// Require returns the running stack's endpoints, or ends the test.
func Require(t testing.TB) Endpoints {
	t.Helper()
	path := os.Getenv("AHDS_STACK_FILE")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI=true but AHDS_STACK_FILE is not set: run the tests through `make test`, which starts the local services")
		}
		t.Skip("local services not running: run `make test` (or `scripts/stack.sh start` and export AHDS_STACK_FILE)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read stack file: %v", err)
	}
	var e Endpoints
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("stack file %s: %v", path, err)
	}
	return e
}
