package dicomfront

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestFront_Partitions(t *testing.T) {
	insts := tinyStudy(t)
	feedPath := filepath.Join(t.TempDir(), "cf.jsonl")
	feed, err := OpenFeed(feedPath)
	if err != nil {
		t.Fatal(err)
	}
	pub := &recorder{}
	orth := httptest.NewServer(newFakeOrthanc())
	defer orth.Close()
	s, err := New(Config{OrthancURL: orth.URL, Feed: feed, Publisher: pub, ServiceHostName: "h", Partitions: true, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	base := srv.URL + "/v2"

	if status, _ := do(t, "POST", base+"/studies", "application/dicom", insts[0]); status != http.StatusBadRequest {
		t.Errorf("STOW without partition = %d, want 400", status)
	}
	if status, _ := do(t, "POST", base+"/partitions/bad!name/studies", "application/dicom", insts[0]); status != http.StatusBadRequest {
		t.Errorf("STOW to a bad partition name = %d, want 400", status)
	}
	if status, body := do(t, "POST", base+"/partitions/p1/studies", "application/dicom", insts[0]); status != http.StatusOK || !strings.Contains(string(body), "/v2/partitions/p1/studies/") {
		t.Fatalf("STOW to p1 = %d %s", status, body)
	}
	evs := pub.take()
	if len(evs) != 1 || decodeData(t, evs[0]).PartitionName != "p1" || !strings.HasPrefix(evs[0].Subject, "h/v1/partitions/p1/studies/"+studyUID) {
		t.Fatalf("events = %+v", evs)
	}
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/partitions/p1/studies", 200},
		{"/partitions/Microsoft.Default/studies", 204},
		{"/partitions/p1/studies/" + studyUID + "/series/" + series1UID + "/instances/" + series1UID + ".1/metadata", 200},
		{"/partitions/Microsoft.Default/studies/" + studyUID + "/metadata", 404},
		{"/partitions/nope/studies", 404},
		{"/studies", 400},
	} {
		if status, body := do(t, "GET", base+tt.path, "", nil); status != tt.want {
			t.Errorf("GET %s = %d %s, want %d", tt.path, status, body, tt.want)
		}
	}
	status, body := do(t, "GET", base+"/partitions", "", nil)
	var parts []struct{ PartitionName string }
	if err := json.Unmarshal(body, &parts); err != nil || status != 200 || len(parts) != 2 || parts[0].PartitionName != DefaultPartition || parts[1].PartitionName != "p1" {
		t.Errorf("partitions = %d %s", status, body)
	}
	if status, _ := do(t, "DELETE", base+"/partitions/Microsoft.Default/studies/"+studyUID, "", nil); status != http.StatusNotFound {
		t.Errorf("DELETE in the wrong partition = %d, want 404", status)
	}
	if status, _ := do(t, "DELETE", base+"/partitions/p1/studies/"+studyUID, "", nil); status != http.StatusNoContent {
		t.Errorf("DELETE in p1 = %d, want 204", status)
	}
	if evs := pub.take(); len(evs) != 1 || evs[0].Type != "Microsoft.HealthcareApis.DicomImageDeleted" || decodeData(t, evs[0]).PartitionName != "p1" {
		t.Errorf("delete events = %+v", evs)
	}
	// Membership is rebuilt from the change feed at start.
	feed2, err := OpenFeed(feedPath)
	if err != nil {
		t.Fatal(err)
	}
	if m := newMembers(feed2); !m.exists("p1") || m.has("p1", studyUID, "", "") {
		t.Errorf("rebuilt membership = %+v", m.bySOP)
	}
}
