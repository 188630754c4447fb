package eventgrid

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/sharedcases"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// TestRender_MatchesAHDSSamples renders the documented DICOM samples from
// their parts and compares them, compacted, with the published payloads.
func TestRender_MatchesAHDSSamples(t *testing.T) {
	dir := sharedcases.Path(t, "cases", "dicom", "azure-events")
	for _, tt := range []struct {
		file   string
		schema Schema
	}{{"DicomImageCreated.eventgrid.json", SchemaEventGrid}, {"DicomImageDeleted.eventgrid.json", SchemaEventGrid}, {"DicomImageUpdated.cloudevent.json", SchemaCloudEvents}} {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				ID, Topic, Source, Subject, EventType, Type, EventTime, Time, DataVersion string
				Data                                                                      json.RawMessage
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			e := Event{ID: s.ID, Type: s.EventType + s.Type, Source: s.Topic + s.Source, Subject: s.Subject, DataVersion: s.DataVersion}
			ts, err := time.Parse(time.RFC3339Nano, s.EventTime+s.Time)
			if err != nil {
				t.Fatal(err)
			}
			e.Time = ts
			var buf bytes.Buffer
			if err := json.Compact(&buf, s.Data); err != nil {
				t.Fatal(err)
			}
			e.Data = buf.Bytes()
			want, err := hostwire.Render(raw, hostwire.RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Render(tt.schema); !bytes.Equal(got, want) {
				t.Errorf("Render =\n%s\nwant\n%s", got, want)
			}
		})
	}
}
