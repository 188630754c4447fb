package fuzz

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/imaging"
)

func FuzzDecodeMetadata(f *testing.F) {
	f.Add([]byte(`[{"0020000D":{"vr":"UI","Value":["1.2"]},"0020000E":{"vr":"UI","Value":["1.2.1"]},"00080018":{"vr":"UI","Value":["1.2.1.1"]},"00080016":{"vr":"UI","Value":["1.2.840"]},"00100020":{"vr":"LO","Value":["P"]}}]`))
	f.Add([]byte(`[{"00100010":{"vr":"PN","Value":[{"Alphabetic":"A^B"}]},"00081032":{"vr":"SQ","Value":[{"00080100":{"Value":["x\u0041"]}}]}}]`))
	f.Add([]byte(`[{"00200011":{"vr":"IS","Value":[1e3]},"7FE00010":{"vr":"OB","BulkDataURI":"u"}}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"0020000D":{"vr":"UI","Value":["1.2"]},"0020000E":{"vr":"UI","Value":["1.2.2"]},"00080018":{"vr":"UI","Value":["1.2.2.1"]},"00080016":{"vr":"UI","Value":["1.2.840"]},"00100020":{"vr":"LO","Value":["P"]},"00200011":{"vr":"IS","Value":["2"]},"00080020":{"vr":"DA","Value":["20240101"]},"00080030":{"vr":"TM","Value":["1010"]}},{"0020000D":{"vr":"UI","Value":["1.2"]},"0020000E":{"vr":"UI","Value":["1.2.1"]},"00080018":{"vr":"UI","Value":["1.2.1.1"]},"00080016":{"vr":"UI","Value":["1.2.840"]},"00100020":{"vr":"LO","Value":["P"]}}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := imaging.DecodeMetadata(b)
		if err != nil {
			// Anything encoding/json reads as an array of objects must decode,
			// except beyond the nesting limit.
			var ref []map[string]json.RawMessage
			if json.Unmarshal(b, &ref) == nil && !strings.Contains(err.Error(), "nesting deeper") {
				t.Fatalf("imaging.DecodeMetadata rejected valid input: %v", err)
			}
			return
		}
		st, err := imaging.Build(ds, imaging.BuildOptions{Source: "http://x/dicom-web"})
		if err != nil {
			var me *imaging.MappingError
			if !errors.As(err, &me) || !event.IsPermanent(err) {
				t.Fatalf("imaging.Build error %v is not a permanent *imaging.MappingError", err)
			}
			return
		}
		out1, err := json.Marshal(st.ImagingStudy)
		if err != nil {
			t.Fatal(err)
		}
		st2, _ := imaging.Build(ds, imaging.BuildOptions{Source: "http://x/dicom-web"})
		out2, _ := json.Marshal(st2.ImagingStudy)
		if string(out1) != string(out2) {
			t.Fatal("imaging.Build is not deterministic")
		}
		if st.ImagingStudy.NumberOfInstances < 1 || len(st.ImagingStudy.Series) != st.ImagingStudy.NumberOfSeries {
			t.Fatalf("inconsistent counts: %s", out1)
		}
	})
}

func FuzzParseDicomEvent(f *testing.F) {
	const subj = "h.example/v1/studies/1.2/series/1.2.3/instances/1.2.3.4"
	f.Add("Microsoft.HealthcareApis.DicomImageCreated", subj, []byte(`{"imageStudyInstanceUid":"1.2","imageSeriesInstanceUid":"1.2.3","imageSopInstanceUid":"1.2.3.4","serviceHostName":"h.example","sequenceNumber":1}`))
	f.Add("Microsoft.HealthcareApis.DicomImageUpdated", "h.example/v1/partitions/p/studies/1.2/series/1.2.3/instances/1.2.3.4", []byte(`{"partitionName":"p","imageStudyInstanceUid":"1.2","imageSeriesInstanceUid":"1.2.3","imageSopInstanceUid":"1.2.3.4","serviceHostName":"h.example"}`))
	f.Add("Microsoft.HealthcareApis.DicomImageDeleted", subj, []byte(`{"sequenceNumber":"x"}`))
	f.Fuzz(func(t *testing.T, typ, subject string, data []byte) {
		ev, err := imaging.ParseDicomEvent(event.Event{ID: "e", Type: typ, Subject: subject, Data: data}, "h.example", true)
		if err != nil {
			var re *imaging.RejectError
			if !errors.As(err, &re) || !event.IsPermanent(err) {
				t.Fatalf("error %v is not a permanent *imaging.RejectError", err)
			}
			return
		}
		// Whatever passes is safe to put in a URL path.
		for _, s := range []string{ev.Key.StudyUID, ev.SeriesUID, ev.SOPUID} {
			if !imaging.ValidUID(s) {
				t.Fatalf("accepted invalid UID %q", s)
			}
		}
		if !partitionRE.MatchString(ev.Key.Partition) || ev.Key.Host != "h.example" {
			t.Fatalf("accepted key %+v", ev.Key)
		}
	})
}

var partitionRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func FuzzParseFHIREvent(f *testing.F) {
	f.Add("Microsoft.HealthcareApis.FhirResourceUpdated", []byte(`{"resourceType":"Patient","resourceFhirAccount":"f.example","resourceFhirId":"p1","resourceVersionId":2}`))
	f.Add("Microsoft.HealthcareApis.FhirResourceCreated", []byte(`{"resourceType":"ServiceRequest","resourceFhirAccount":"F.EXAMPLE","resourceFhirId":"a-b.c"}`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		ev, err := imaging.ParseFHIREvent(event.Event{ID: "e", Type: typ, Data: data}, "f.example")
		if err != nil {
			var re *imaging.RejectError
			if !errors.As(err, &re) || !event.IsPermanent(err) {
				t.Fatalf("error %v is not a permanent *RejectError", err)
			}
			return
		}
		if !fhirIDRE.MatchString(ev.ResourceID) || ev.ResourceType == "" {
			t.Fatalf("accepted %q/%q", ev.ResourceType, ev.ResourceID)
		}
	})
}

var fhirIDRE = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
