package imaging

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging/synth"
	"github.com/ahds-events/ahds/tests/stack"
)

// An Azure-shaped DICOM service with data partitions: the same study UID in
// two partitions gives two Endpoints; the second ImagingStudy is refused as
// uid-in-two-partitions.
func TestService_AzurePartitions(t *testing.T) {
	ep := stack.Require(t)
	study := uniq("1.2.826.0.1.3680043.8.498.9901")
	meta := studyMetadata(t, synth.CTStudy(study, "AZ-"+study[len(study)-6:], 1, 2))
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/v2/partitions/") && strings.HasSuffix(r.URL.Path, "/studies/"+study+"/metadata") {
			w.Header().Set("Content-Type", "application/dicom+json")
			w.Write(meta)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cfg, err := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": srv.URL, "DICOM_PARTITIONS_ENABLED": "true", "DICOM_SETTLE_WINDOW": "0s"}))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	dc, err := NewDICOMClient(cfg, dicomweb.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := fhir.New(ep.FHIR, fhir.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s := &stackEnv{svc: NewService(cfg, dc, fc, log), fhir: fc, cfg: cfg}
	in := synth.CTStudy(study, "", 1, 1)[0]
	evFor := func(id, part string) func() error {
		e := s.dicomEvent(id, "Created", in)
		e.Subject = strings.Replace(e.Subject, "/v1/studies/", "/v1/partitions/"+part+"/studies/", 1)
		e.Data = []byte(strings.Replace(string(e.Data), "{", fmt.Sprintf(`{"partitionName":%q,`, part), 1))
		return func() error { return s.svc.HandleEvent(t.Context(), e) }
	}
	if err := evFor("a1", "site-a")(); err != nil {
		t.Fatalf("site-a: %v", err)
	}
	is := s.one(t, study)
	if src := is["meta"].(map[string]any)["source"]; src != srv.URL+"/v2/partitions/site-a" {
		t.Errorf("meta.source = %v", src)
	}
	err = evFor("b1", "site-b")()
	var me *MappingError
	if !errors.As(err, &me) || me.Code != "uid-in-two-partitions" {
		t.Errorf("site-b: %v, want uid-in-two-partitions", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "/v2/partitions/site-a/studies/" + study + "/metadata"
	if len(paths) == 0 || paths[0] != want {
		t.Errorf("DICOM requests %v, want first %s", paths, want)
	}
}
