package imaging

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

const sampleHost = "{dicom-account}.dicom.azurehealthcareapis.com"

// sampleEvent reads an azure-events sample in either schema as an
// event.Event.
func sampleEvent(t testing.TB, name string) event.Event {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(readCase(t, "azure-events", name), &raw); err != nil {
		t.Fatal(err)
	}
	s := func(k string) string {
		var v string
		_ = json.Unmarshal(raw[k], &v)
		return v
	}
	e := event.Event{ID: s("id"), Subject: s("subject"), Data: raw["data"], Type: s("eventType")}
	if e.Type == "" {
		e.Type = s("type")
	}
	return e
}

func TestParseDicomEvent_Samples(t *testing.T) {
	tests := []struct {
		file, wantType, wantPartition string
		wantSeq                       int64
	}{
		{"DicomImageCreated.eventgrid.json", "Microsoft.HealthcareApis.DicomImageCreated", DefaultPartition, 1},
		{"DicomImageCreated.cloudevent.json", "Microsoft.HealthcareApis.DicomImageCreated", DefaultPartition, 1},
		{"DicomImageDeleted.eventgrid.json", "Microsoft.HealthcareApis.DicomImageDeleted", DefaultPartition, 2},
		{"DicomImageUpdated.eventgrid.json", "Microsoft.HealthcareApis.DicomImageUpdated", DefaultPartition, 2},
		{"DicomImageUpdated.cloudevent.json", "Microsoft.HealthcareApis.DicomImageUpdated", DefaultPartition, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := ParseDicomEvent(sampleEvent(t, tt.file), strings.ToUpper(sampleHost), false)
			if err != nil {
				t.Fatalf("ParseDicomEvent(%s) error: %v", tt.file, err)
			}
			want := Key{Host: sampleHost, Partition: tt.wantPartition, StudyUID: "1.2.3.4.3"}
			if ev.Key != want || ev.Type != tt.wantType || ev.Sequence != tt.wantSeq || ev.SeriesUID != "1.2.3.4.3.9423673" {
				t.Errorf("ParseDicomEvent(%s) = %+v, want key %+v type %s seq %d", tt.file, ev, want, tt.wantType, tt.wantSeq)
			}
		})
	}
}

func TestParseDicomEvent_Rejects(t *testing.T) {
	base := func() event.Event { return sampleEvent(t, "DicomImageCreated.eventgrid.json") }
	withData := func(mut func(m map[string]any)) event.Event {
		e := base()
		var m map[string]any
		_ = json.Unmarshal(e.Data, &m)
		mut(m)
		e.Data, _ = json.Marshal(m)
		return e
	}
	partSubject := func(p string) string {
		return sampleHost + "/v1/partitions/" + p + "/studies/1.2.3.4.3/series/1.2.3.4.3.9423673/instances/1.3.6.1.4.1.45096.2.296485376.2210.1633373143.864442"
	}
	tests := []struct {
		name       string
		give       event.Event
		host       string
		partitions bool
		wantReason string
	}{
		{"foreign data host", base(), "other.dicom.azurehealthcareapis.com", false, "foreign-host"},
		{"suffix host", base(), "dicom.azurehealthcareapis.com", false, "foreign-host"},
		{"foreign subject host", func() event.Event {
			e := base()
			e.Subject = "evil.example/" + strings.SplitN(e.Subject, "/", 2)[1]
			return e
		}(), sampleHost, false, "foreign-host"},
		{"unknown type", func() event.Event { e := base(); e.Type = "Microsoft.HealthcareApis.FhirResourceCreated"; return e }(), sampleHost, false, "unknown-event-type"},
		{"no data", func() event.Event { e := base(); e.Data = nil; return e }(), sampleHost, false, "malformed-event"},
		{"data not object", func() event.Event { e := base(); e.Data = json.RawMessage(`[1]`); return e }(), sampleHost, false, "malformed-event"},
		{"bad study uid", withData(func(m map[string]any) { m["imageStudyInstanceUid"] = "1.2.x" }), sampleHost, false, "invalid-uid"},
		{"missing sop uid", withData(func(m map[string]any) { delete(m, "imageSopInstanceUid") }), sampleHost, false, "invalid-uid"},
		{"long uid", withData(func(m map[string]any) { m["imageSeriesInstanceUid"] = strings.Repeat("1.", 32) + "1" }), sampleHost, false, "invalid-uid"},
		{"subject uid differs", withData(func(m map[string]any) { m["imageStudyInstanceUid"] = "1.2.3.4.4" }), sampleHost, false, "subject-mismatch"},
		{"subject malformed", func() event.Event { e := base(); e.Subject = sampleHost + "/v1/studies/1.2.3.4.3"; return e }(), sampleHost, false, "malformed-event"},
		{"bad partition", withData(func(m map[string]any) { m["partitionName"] = "a/b" }), sampleHost, true, "invalid-partition"},
		{"partition differs", func() event.Event {
			e := withData(func(m map[string]any) { m["partitionName"] = "p1" })
			e.Subject = partSubject("p2")
			return e
		}(), sampleHost, true, "subject-mismatch"},
		{"partition not in subject", withData(func(m map[string]any) { m["partitionName"] = "p1" }), sampleHost, true, "subject-mismatch"},
		{"partition not enabled", func() event.Event {
			e := withData(func(m map[string]any) { m["partitionName"] = "p1" })
			e.Subject = partSubject("p1")
			return e
		}(), sampleHost, false, "partition-not-enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDicomEvent(tt.give, tt.host, tt.partitions)
			var re *RejectError
			if !errors.As(err, &re) || re.Reason != tt.wantReason || !event.IsPermanent(err) {
				t.Fatalf("ParseDicomEvent = %v, want permanent %s", err, tt.wantReason)
			}
		})
	}
	// A non-default partition is accepted when enabled and consistent.
	e := withData(func(m map[string]any) { m["partitionName"] = "p1" })
	e.Subject = partSubject("p1")
	ev, err := ParseDicomEvent(e, sampleHost, true)
	if err != nil || ev.Key.Partition != "p1" {
		t.Errorf("partition p1: %+v, %v", ev, err)
	}
}
