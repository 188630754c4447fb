package imaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging/synth"
	"github.com/ahds-events/ahds/tests/stack"
)

// stackEnv is a Service wired to the local Orthanc and FHIR dev server.
type stackEnv struct {
	svc     *Service
	dicom   *dicomweb.Client
	fhir    *fhir.Client
	cfg     Config
	metrics *dicomweb.Metrics
}

func newStackEnv(t *testing.T, settings map[string]string) *stackEnv {
	t.Helper()
	ep := stack.Require(t)
	m := map[string]string{"DICOM_SERVICE_URL": ep.Orthanc, "DICOM_SERVICE_KIND": "orthanc", "DICOM_SETTLE_WINDOW": "0s"}
	for k, v := range settings {
		m[k] = v
	}
	cfg, err := LoadConfig(env(m))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	metrics := &dicomweb.Metrics{}
	dc, err := NewDICOMClient(cfg, dicomweb.Options{Logger: log, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := fhir.New(ep.FHIR, fhir.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return &stackEnv{svc: NewService(cfg, dc, fc, log), dicom: dc, fhir: fc, cfg: cfg, metrics: metrics}
}

// dicomEvent builds an AHDS DICOM event for an instance of the stack's host.
func (s *stackEnv) dicomEvent(id, typ string, in synth.Instance) event.Event {
	data, _ := json.Marshal(map[string]any{
		"imageStudyInstanceUid": in.StudyUID, "imageSeriesInstanceUid": in.SeriesUID, "imageSopInstanceUid": in.SOPUID,
		"serviceHostName": s.cfg.Host, "sequenceNumber": 1,
	})
	return event.Event{ID: id, Type: "Microsoft.HealthcareApis.DicomImage" + typ, Data: data,
		Subject: fmt.Sprintf("%s/v1/studies/%s/series/%s/instances/%s", s.cfg.Host, in.StudyUID, in.SeriesUID, in.SOPUID)}
}

func (s *stackEnv) store(t *testing.T, ins ...synth.Instance) {
	t.Helper()
	files, err := synth.Files(ins)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.dicom.Store(t.Context(), "", "", files...)
	if err != nil || res.Status != 200 {
		t.Fatalf("store: %+v, %v", res, err)
	}
}

// studies returns the ImagingStudy resources with the study's identifier.
func (s *stackEnv) studies(t *testing.T, uid string) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := s.fhir.Search(t.Context(), "ImagingStudy", url.Values{"identifier": {StudyIdentifier(uid).TokenQuery()}}, func(r json.RawMessage) error {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			return err
		}
		if m["resourceType"] == "ImagingStudy" {
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (s *stackEnv) one(t *testing.T, uid string) map[string]any {
	t.Helper()
	all := s.studies(t, uid)
	if len(all) != 1 {
		t.Fatalf("%d ImagingStudy resources for %s, want 1", len(all), uid)
	}
	return all[0]
}

// uniq makes UIDs and identifiers unique per run, so tests can rerun
// against a long-lived stack.
func uniq(prefix string) string { return fmt.Sprintf("%s.%d", prefix, time.Now().UnixNano()%1e12) }

func version(m map[string]any) string { return m["meta"].(map[string]any)["versionId"].(string) }

func TestService_Lifecycle(t *testing.T) {
	s := newStackEnv(t, nil)
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9101")
	pid := "LIFE-" + study[len(study)-6:]
	ins := synth.Study(study, pid,
		synth.SeriesSpec{Modality: "CT", Description: "Axial", BodyPart: "CHEST", Instances: 2},
		synth.SeriesSpec{Modality: "MR", Description: "T1", Instances: 1})
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)

	// A ServiceRequest with the accession makes basedOn.
	sr := `{"resourceType":"ServiceRequest","status":"active","intent":"order","subject":{"reference":"Patient/x"},` +
		`"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"value":"SYN-` + pid + `"}]}`
	srResp, err := s.fhir.Create(ctx, "ServiceRequest", []byte(sr), "")
	if err != nil {
		t.Fatal(err)
	}
	srID := idOf(srResp)

	if err := s.svc.HandleEvent(ctx, s.dicomEvent("e1", "Created", ins[0])); err != nil {
		t.Fatalf("HandleEvent(created): %v", err)
	}
	is := s.one(t, study)
	b, _ := json.Marshal(is)
	validateR4(t, b)
	if is["numberOfInstances"] != float64(3) || is["numberOfSeries"] != float64(2) || version(is) != "1" {
		t.Errorf("created ImagingStudy = %s", b)
	}
	if got := is["basedOn"]; fmt.Sprint(got) != fmt.Sprintf("[map[reference:ServiceRequest/%s]]", srID) {
		t.Errorf("basedOn = %v, want ServiceRequest/%s", got, srID)
	}
	if src := is["meta"].(map[string]any)["source"]; src != s.dicom.Base("") {
		t.Errorf("meta.source = %v", src)
	}
	// The Patient and Endpoint exist and are referenced.
	subj := is["subject"].(map[string]any)["reference"].(string)
	pt, err := s.fhir.Read(ctx, "Patient", strings.TrimPrefix(subj, "Patient/"))
	if err != nil || !strings.Contains(string(pt.Body), `"`+pid+`"`) {
		t.Errorf("subject %s: %v", subj, err)
	}
	validateR4(t, pt.Body)
	epRef := is["endpoint"].([]any)[0].(map[string]any)["reference"].(string)
	epResp, err := s.fhir.Read(ctx, "Endpoint", strings.TrimPrefix(epRef, "Endpoint/"))
	if err != nil || !strings.Contains(string(epResp.Body), s.dicom.Base("")) {
		t.Errorf("endpoint %s: %v", epRef, err)
	}

	// Redelivery changes nothing.
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("e1", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	if v := version(s.one(t, study)); v != "1" {
		t.Errorf("after redelivery version = %s, want 1 (unchanged)", v)
	}

	// Someone adds a note and an identifier; a new instance arrives; the
	// rebuild keeps them.
	is = s.one(t, study)
	is["note"] = []any{map[string]any{"text": "keep me"}}
	is["identifier"] = append(is["identifier"].([]any), map[string]any{"system": "urn:other", "value": "x"})
	body, _ := json.Marshal(is)
	if _, err := s.fhir.Update(ctx, "ImagingStudy", is["id"].(string), body, ""); err != nil {
		t.Fatal(err)
	}
	extra := synth.Study(study, pid, synth.SeriesSpec{}, synth.SeriesSpec{}, synth.SeriesSpec{Modality: "US", Instances: 1})
	s.store(t, extra...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("e2", "Created", extra[0])); err != nil {
		t.Fatal(err)
	}
	is = s.one(t, study)
	b, _ = json.Marshal(is)
	if is["numberOfInstances"] != float64(4) || !strings.Contains(string(b), "keep me") || !strings.Contains(string(b), "urn:other") ||
		!strings.Contains(string(b), `"code":"US"`) {
		t.Errorf("after new series: %s", b)
	}
	validateR4(t, b)

	// Deleting the extra instance drops it again.
	if err := s.dicom.Delete(ctx, "", study, extra[0].SeriesUID, extra[0].SOPUID); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("e3", "Deleted", extra[0])); err != nil {
		t.Fatal(err)
	}
	if is = s.one(t, study); is["numberOfInstances"] != float64(3) {
		t.Errorf("after delete numberOfInstances = %v, want 3", is["numberOfInstances"])
	}

	// Deleting the study deletes the ImagingStudy (P7 delete).
	if err := s.dicom.DeleteStudy(ctx, "", study); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("e4", "Deleted", ins[0])); err != nil {
		t.Fatal(err)
	}
	if n := len(s.studies(t, study)); n != 0 {
		t.Errorf("%d ImagingStudy left after study delete", n)
	}
	// And again: nothing to do.
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("e5", "Deleted", ins[0])); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func TestService_CancelOnEmptyAndRestore(t *testing.T) {
	s := newStackEnv(t, map[string]string{"DICOM_ON_EMPTY_STUDY": "cancel"})
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9102")
	ins := synth.CTStudy(study, "CANCEL-1", 1, 1)
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("c1", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	if err := s.dicom.DeleteStudy(ctx, "", study); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("c2", "Deleted", ins[0])); err != nil {
		t.Fatal(err)
	}
	is := s.one(t, study)
	if is["status"] != "cancelled" || is["series"] != nil || is["numberOfInstances"] != float64(0) {
		t.Errorf("cancelled study = %v", is)
	}
	s.store(t, ins...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("c3", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	if is = s.one(t, study); is["status"] != "available" || is["numberOfInstances"] != float64(1) {
		t.Errorf("restored study = %v", is)
	}
}

func TestService_RejectsWithoutRequests(t *testing.T) {
	s := newStackEnv(t, nil)
	ins := synth.CTStudy("1.2.826.0.1.3680043.8.498.9103", "REJ", 1, 1)
	e := s.dicomEvent("r1", "Created", ins[0])
	e.Subject = "evil.example.com/" + strings.SplitN(e.Subject, "/", 2)[1]
	err := s.svc.HandleEvent(t.Context(), e)
	var re *RejectError
	if !errors.As(err, &re) || re.Reason != "foreign-host" || !event.IsPermanent(err) {
		t.Errorf("HandleEvent(foreign subject) = %v, want permanent foreign-host", err)
	}
	if n := s.metrics.Requests.Load(); n != 0 {
		t.Errorf("%d DICOM requests made for a rejected event", n)
	}
}

func TestService_PermanentFailures(t *testing.T) {
	s := newStackEnv(t, nil)
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9104")
	ins := synth.CTStudy(study, "", 1, 1) // no PatientID
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)
	err := s.svc.HandleEvent(ctx, s.dicomEvent("p1", "Created", ins[0]))
	var me *MappingError
	if !errors.As(err, &me) || me.Code != "missing-patient-id" || !event.IsPermanent(err) {
		t.Errorf("HandleEvent(no PatientID) = %v, want permanent missing-patient-id", err)
	}
	if n := len(s.studies(t, study)); n != 0 {
		t.Errorf("%d ImagingStudy written", n)
	}
}

func TestService_PatientUpdateAndIssuer(t *testing.T) {
	s := newStackEnv(t, map[string]string{"DICOM_PATIENT_UPDATE": "true", "DICOM_PATIENT_ID_SYSTEM": "urn:test:pid"})
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9105")
	pid := "UPD-" + study[len(study)-6:]
	// An existing Patient with another name and a telecom the handler must keep.
	body := `{"resourceType":"Patient","identifier":[{"system":"urn:test:pid","value":"` + pid + `"}],` +
		`"name":[{"family":"Old"},{"family":"Alias"}],"telecom":[{"system":"phone","value":"1"}],"gender":"male"}`
	resp, err := s.fhir.Create(ctx, "Patient", []byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	ptID := idOf(resp)
	ins := synth.CTStudy(study, pid, 1, 1)
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("u1", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	if ref := s.one(t, study)["subject"].(map[string]any)["reference"]; ref != "Patient/"+ptID {
		t.Errorf("subject = %v, want the existing Patient/%s", ref, ptID)
	}
	got, err := s.fhir.Read(ctx, "Patient", ptID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"family":"Synthetic"`, `"family":"Alias"`, `"telecom"`, `"gender":"other"`, `"birthDate":"1970-01-01"`} {
		if !strings.Contains(strings.ReplaceAll(string(got.Body), " ", ""), want) {
			t.Errorf("updated Patient lacks %s: %s", want, got.Body)
		}
	}
	v := got.VersionID
	// A second rebuild changes nothing.
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("u2", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.fhir.Read(ctx, "Patient", ptID); again.VersionID != v {
		t.Errorf("Patient rewritten without change: version %s → %s", v, again.VersionID)
	}
}

// The handler writes what the preview shows (references aside).
func TestService_WritesWhatPreviewShows(t *testing.T) {
	s := newStackEnv(t, map[string]string{"DICOM_BASEDON_LOOKUP": "false"})
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9106")
	ins := synth.Study(study, "PV-"+study[len(study)-6:],
		synth.SeriesSpec{Modality: "CT", Description: "Axial", BodyPart: "HEAD", Instances: 3},
		synth.SeriesSpec{Modality: "SR", Description: "Report", Instances: 1},
		synth.SeriesSpec{Modality: "CT", Description: "Scout", BodyPart: "unknown part", Instances: 2})
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("pv", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	meta, err := s.dicom.StudyMetadata(ctx, "", study)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := Preview(meta, PreviewOptions{Address: s.dicom.Base("")})
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource map[string]json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	want := b.Entry[0].Resource
	stored := s.one(t, study)
	raw, _ := json.Marshal(stored)
	var got map[string]json.RawMessage
	_ = json.Unmarshal(raw, &got)
	want["subject"], want["endpoint"] = got["subject"], got["endpoint"]
	wb, _ := canonical(want)
	gb, _ := canonical(got)
	if string(wb) != string(gb) || metaSource(got) != metaSource(want) {
		t.Errorf("stored ImagingStudy differs from the preview:\nstored  %s\npreview %s", gb, wb)
	}
}
