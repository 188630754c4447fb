package imaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/imaging/synth"
)

// fhirEvent builds an AHDS FHIR event for the stack's FHIR server.
func (s *stackEnv) fhirEvent(typ, resType, id, version string) event.Event {
	u, _ := url.Parse(s.fhir.Base())
	data := fmt.Sprintf(`{"resourceType":%q,"resourceFhirAccount":%q,"resourceFhirId":%q,"resourceVersionId":%s}`, resType, u.Host, id, version)
	return event.Event{ID: "f-" + id + "-" + version, Type: "Microsoft.HealthcareApis.FhirResource" + typ,
		Subject: u.Host + "/" + resType + "/" + id, Data: json.RawMessage(data)}
}

func TestHandleFHIREvent_Links(t *testing.T) {
	s := newStackEnv(t, nil)
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9501")
	pid := "FE-" + study[len(study)-6:]
	ins := synth.CTStudy(study, pid, 1, 1)
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("d1", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	is := s.one(t, study)
	if is["basedOn"] != nil {
		t.Fatalf("basedOn before the order exists: %v", is["basedOn"])
	}
	// Our own writes are ignored.
	if err := s.svc.HandleFHIREvent(ctx, s.fhirEvent("Created", "ImagingStudy", is["id"].(string), "1")); err != nil {
		t.Errorf("own ImagingStudy event: %v", err)
	}

	// The order arrives after the study: its event sets basedOn.
	sr := `{"resourceType":"ServiceRequest","status":"active","intent":"order","subject":{"reference":"Patient/x"},` +
		`"identifier":[{"system":"urn:placer","value":"SYN-` + pid + `"}]}`
	srResp, err := s.fhir.Create(ctx, "ServiceRequest", []byte(sr), "")
	if err != nil {
		t.Fatal(err)
	}
	srID := idOf(srResp)
	if err := s.svc.HandleFHIREvent(ctx, s.fhirEvent("Created", "ServiceRequest", srID, "1")); err != nil {
		t.Fatalf("ServiceRequest event: %v", err)
	}
	is = s.one(t, study)
	if fmt.Sprint(is["basedOn"]) != "[map[reference:ServiceRequest/"+srID+"]]" {
		t.Errorf("basedOn = %v, want ServiceRequest/%s", is["basedOn"], srID)
	}

	// A report based on the order gets the study linked.
	dr := `{"resourceType":"DiagnosticReport","status":"final","code":{"text":"CT report"},"basedOn":[{"reference":"ServiceRequest/` + srID + `"}]}`
	drResp, err := s.fhir.Create(ctx, "DiagnosticReport", []byte(dr), "")
	if err != nil {
		t.Fatal(err)
	}
	drID := idOf(drResp)
	if err := s.svc.HandleFHIREvent(ctx, s.fhirEvent("Created", "DiagnosticReport", drID, "1")); err != nil {
		t.Fatalf("DiagnosticReport event: %v", err)
	}
	got, err := s.fhir.Read(ctx, "DiagnosticReport", drID)
	if err != nil || !strings.Contains(string(got.Body), `"ImagingStudy/`+is["id"].(string)+`"`) {
		t.Errorf("DiagnosticReport.imagingStudy not linked: %s, %v", got.Body, err)
	}
	validateR4(t, got.Body)
	// Its own update's event is ignored; a repeat adds nothing.
	if err := s.svc.HandleFHIREvent(ctx, s.fhirEvent("Updated", "DiagnosticReport", drID, "2")); err != nil {
		t.Errorf("own DiagnosticReport event: %v", err)
	}
	if err := s.svc.HandleFHIREvent(ctx, s.fhirEvent("Created", "DiagnosticReport", drID, "1")); err != nil {
		t.Errorf("repeat DiagnosticReport event: %v", err)
	}
	if again, _ := s.fhir.Read(ctx, "DiagnosticReport", drID); again.VersionID != "2" {
		t.Errorf("DiagnosticReport version = %s, want 2", again.VersionID)
	}

	// Patient merge: the old Patient is replaced by a new one.
	oldID := strings.TrimPrefix(is["subject"].(map[string]any)["reference"].(string), "Patient/")
	newResp, err := s.fhir.Create(ctx, "Patient", []byte(`{"resourceType":"Patient","identifier":[{"value":"`+pid+`"}],"gender":"other"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	newID := idOf(newResp)
	old, err := s.fhir.Read(ctx, "Patient", oldID)
	if err != nil {
		t.Fatal(err)
	}
	var om map[string]any
	_ = json.Unmarshal(old.Body, &om)
	om["link"] = []any{map[string]any{"other": map[string]any{"reference": "Patient/" + newID}, "type": "replaced-by"}}
	ob, _ := json.Marshal(om)
	upd, err := s.fhir.Update(ctx, "Patient", oldID, ob, old.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.HandleFHIREvent(ctx, s.fhirEvent("Updated", "Patient", oldID, upd.VersionID)); err != nil {
		t.Fatalf("Patient merge event: %v", err)
	}
	if ref := s.one(t, study)["subject"].(map[string]any)["reference"]; ref != "Patient/"+newID {
		t.Errorf("subject after merge = %v, want Patient/%s", ref, newID)
	}
}

func TestParseFHIREvent_Rejects(t *testing.T) {
	ok := `{"resourceType":"Patient","resourceFhirAccount":"fhir.example","resourceFhirId":"p1","resourceVersionId":2}`
	tests := []struct {
		name, typ, data, want string
	}{
		{"foreign host", "Microsoft.HealthcareApis.FhirResourceCreated", strings.Replace(ok, "fhir.example", "evil.example", 1), "foreign-host"},
		{"dicom type", "Microsoft.HealthcareApis.DicomImageCreated", ok, "unknown-event-type"},
		{"bad id", "Microsoft.HealthcareApis.FhirResourceUpdated", strings.Replace(ok, `"p1"`, `"../x"`, 1), "malformed-event"},
		{"not json", "Microsoft.HealthcareApis.FhirResourceUpdated", `[`, "malformed-event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFHIREvent(event.Event{ID: "x", Type: tt.typ, Data: json.RawMessage(tt.data)}, "FHIR.example")
			var re *RejectError
			if !errors.As(err, &re) || re.Reason != tt.want || !event.IsPermanent(err) {
				t.Errorf("ParseFHIREvent = %v, want permanent %s", err, tt.want)
			}
		})
	}
	ev, err := ParseFHIREvent(event.Event{ID: "x", Type: "Microsoft.HealthcareApis.FhirResourceUpdated", Data: json.RawMessage(ok)}, "FHIR.example")
	if err != nil || ev.ResourceType != "Patient" || ev.ResourceID != "p1" || ev.Version != "2" {
		t.Errorf("ParseFHIREvent(ok) = %+v, %v", ev, err)
	}
}
