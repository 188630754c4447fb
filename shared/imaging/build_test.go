package imaging

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/google/go-cmp/cmp"
)

const tinySource = "http://127.0.0.1:8042/dicom-web"

func TestPreview_WorkedExample(t *testing.T) {
	meta := readCase(t, "tiny-study", "wado-study-metadata.json")
	out, warns, err := Preview(meta, PreviewOptions{Address: tinySource})
	if err != nil {
		t.Fatalf("Preview(tiny-study) error: %v", err)
	}
	if len(warns) != 0 {
		t.Errorf("Preview(tiny-study) warnings = %v, want none", warns)
	}
	golden(t, "preview-tiny-study.json", out)

	var b struct {
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	wantURLs := []string{
		"urn:uuid:c9804899-a48c-5cf3-8f9c-952870099d94",
		"urn:uuid:968e0b41-6a39-5609-b9a3-954c94c3bc3f",
		"urn:uuid:69f95309-c691-5cfa-ab72-05dfec176886",
	}
	if len(b.Entry) != 3 {
		t.Fatalf("entries = %d, want 3", len(b.Entry))
	}
	for i, e := range b.Entry {
		if e.FullURL != wantURLs[i] {
			t.Errorf("entry %d fullUrl = %s, want %s", i, e.FullURL, wantURLs[i])
		}
		validateR4(t, e.Resource)
	}
	// Spot checks straight from the spec's worked example.
	is := string(compact(t, b.Entry[0].Resource))
	for _, want := range []string{
		`"started":"2024-01-15T10:15:30+01:00"`,
		`"referrer":{"display":"Rita Referrer"}`,
		`"numberOfSeries":2,"numberOfInstances":3,"description":"Tiny test study"`,
		`"laterality":{"system":"http://snomed.info/sct","code":"7771000","display":"Left"},"started":"2024-01-15T10:20:00.123+01:00"`,
		`{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"value":"ACC-0001"}`,
	} {
		if !strings.Contains(is, want) {
			t.Errorf("ImagingStudy lacks %s", want)
		}
	}
	wantPatient := `{"resourceType":"Patient","identifier":[{"value":"PID-123"}],"name":[{"family":"Doe","given":["Jane","Q"],"prefix":["Dr."],"suffix":["PhD"]}],"gender":"female","birthDate":"1980-02-29"}`
	if got := string(compact(t, b.Entry[1].Resource)); got != wantPatient {
		t.Errorf("Patient = %s, want %s", got, wantPatient)
	}
}

func TestPreview_UseIssuer(t *testing.T) {
	meta := readCase(t, "tiny-study", "wado-study-metadata.json")
	out, _, err := Preview(meta, PreviewOptions{Address: tinySource, Patient: PatientOptions{UseIssuer: true, System: "urn:x"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"system": "HOSP-A",`) {
		t.Errorf("patient identifier system HOSP-A missing:\n%s", out)
	}
	if !strings.Contains(string(out), "urn:uuid:"+UUIDv5("Patient?identifier=HOSP-A|PID-123")) {
		t.Error("patient fullUrl not derived from HOSP-A|PID-123")
	}
}

func TestPreview_Deterministic(t *testing.T) {
	meta := readCase(t, "tiny-study", "wado-study-metadata.json")
	ds, err := DecodeMetadata(meta)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := Preview(meta, PreviewOptions{Address: tinySource})
	// Any instance order gives the same bytes.
	var raw []json.RawMessage
	if err := json.Unmarshal(meta, &raw); err != nil {
		t.Fatal(err)
	}
	for _, perm := range [][]int{{2, 1, 0}, {1, 2, 0}, {0, 2, 1}} {
		var shuffled []json.RawMessage
		for _, i := range perm {
			shuffled = append(shuffled, raw[i])
		}
		got, _, err := Preview(mustJSON(t, shuffled), PreviewOptions{Address: tinySource})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("order %v gives different output", perm)
		}
	}
	if len(ds) != 3 {
		t.Errorf("decoded %d instances, want 3", len(ds))
	}
}

func TestPreview_Errors(t *testing.T) {
	inst := func(study, series, sop, pid string) map[string]any {
		m := map[string]any{
			"0020000D": map[string]any{"vr": "UI", "Value": []any{study}},
			"0020000E": map[string]any{"vr": "UI", "Value": []any{series}},
			"00080018": map[string]any{"vr": "UI", "Value": []any{sop}},
			"00080016": map[string]any{"vr": "UI", "Value": []any{"1.2.840.10008.5.1.4.1.1.7"}},
		}
		if pid != "" {
			m["00100020"] = map[string]any{"vr": "LO", "Value": []any{pid}}
		}
		return m
	}
	tests := []struct {
		name     string
		give     string
		wantCode string
		wantText string
	}{
		{"not json", `{{`, "", "not an array"},
		{"object", `{"00100020":{}}`, "", "not an array"},
		{"truncated", `[{"0020000D":{"vr":"UI","Value":["1.2"]}`, "", "instance 0"},
		{"empty array", `[]`, "no-valid-instance", ""},
		{"no uids", `[{"00100020":{"vr":"LO","Value":["P"]}}]`, "no-valid-instance", "instance 0: (0020,000D) StudyInstanceUID missing or invalid"},
		{"no sop uid", `[{"0020000D":{"Value":["1.2"]},"0020000E":{"Value":["1.2.1"]},"00080018":{"Value":["1.2.x"]}}]`, "no-valid-instance", "instance 0: (0008,0018) SOPInstanceUID missing or invalid"},
		{"two studies", string(mustJSON(t, []any{inst("1.2", "1.2.1", "1.2.1.1", "P"), inst("1.3", "1.3.1", "1.3.1.1", "P")})), "multiple-studies", "instance 1"},
		{"missing patient id", string(mustJSON(t, []any{inst("1.2", "1.2.1", "1.2.1.1", "")})), "missing-patient-id", "(0010,0020) PatientID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := Preview([]byte(tt.give), PreviewOptions{Address: tinySource})
			if err == nil {
				t.Fatalf("Preview(%s) = %s, want error", tt.give, out)
			}
			if !event.IsPermanent(err) {
				t.Errorf("error %v is not permanent", err)
			}
			var me *MappingError
			if tt.wantCode != "" && (!errors.As(err, &me) || me.Code != tt.wantCode) {
				t.Errorf("error = %v, want code %s", err, tt.wantCode)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantText)
			}
		})
	}
}

func compact(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildOne builds from a JSON array literal and returns the ImagingStudy as
// compact JSON with the warnings.
func buildOne(t *testing.T, meta string) (*Study, []string) {
	t.Helper()
	ds, err := DecodeMetadata([]byte(meta))
	if err != nil {
		t.Fatalf("DecodeMetadata: %v", err)
	}
	st, err := Build(ds, BuildOptions{Source: tinySource})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var w []string
	for _, x := range st.Warnings {
		w = append(w, x.String())
	}
	st.ImagingStudy.Subject = Reference{Reference: "Patient/p"}
	st.ImagingStudy.Endpoint = []Reference{{Reference: "Endpoint/e"}}
	validateR4(t, mustJSON(t, st.ImagingStudy))
	return st, w
}

func TestBuild_Mapping(t *testing.T) {
	base := `"0020000D":{"vr":"UI","Value":["1.2.3"]},"00100020":{"vr":"LO","Value":["P1"]},"00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.88.22"]}`
	meta := `[
 {` + base + `,"0020000E":{"vr":"UI","Value":["1.2.3.10"]},"00080018":{"vr":"UI","Value":["1.2.3.10.2"]},"00200013":{"vr":"IS","Value":["2"]},
  "00080060":{"vr":"CS","Value":["SR"]},"00200011":{"vr":"IS","Value":[0]},
  "00080051":{"vr":"SQ","Value":[{"00400031":{"vr":"UT","Value":["urn:acc:sys"]}}]},"00080050":{"vr":"SH","Value":["A1"]},
  "00081032":{"vr":"SQ","Value":[{"00080100":{"vr":"SH","Value":["P1"]},"00080102":{"vr":"SH","Value":["99LOCAL"]},"00080104":{"vr":"LO","Value":["Proc one"]}},
    {"00080119":{"vr":"UC","Value":["LONG"]},"00080102":{"vr":"SH","Value":["LOCALX"]}},
    {"00080100":{"vr":"SH","Value":["1.3"]},"00080102":{"vr":"SH","Value":["1.2.3.4"]}}]},
  "00080110":{"vr":"SQ","Value":[{"00080102":{"vr":"SH","Value":["LOCALX"]},"0008010C":{"vr":"UI","Value":["2.25.7"]}}]},
  "0040A043":{"vr":"SQ","Value":[{"00080104":{"vr":"LO","Value":["Report title"]}}]},
  "00082218":{"vr":"SQ","Value":[{"00080100":{"vr":"SH","Value":["T-D3000"]},"00080102":{"vr":"SH","Value":["SRT"]},"00080104":{"vr":"LO","Value":["Chest"]}}]},
  "00200062":{"vr":"CS","Value":["R"]},"00080020":{"vr":"DA","Value":["20240101"]},"00080201":{"vr":"SH","Value":["0100"]}},
 {` + base + `,"0020000E":{"vr":"UI","Value":["1.2.3.10"]},"00080018":{"vr":"UI","Value":["1.2.3.10.10"]},"00200013":{"vr":"IS","Value":[10]},
  "00420010":{"vr":"SQ","Value":[]},"00200062":{"vr":"CS","Value":["L"]}},
 {` + base + `,"0020000E":{"vr":"UI","Value":["1.2.3.9"]},"00080018":{"vr":"UI","Value":["1.2.3.9.1"]},"00200011":{"vr":"IS","Value":["x"]},
  "00180015":{"vr":"CS","Value":["foo part"]},"00080021":{"vr":"DA","Value":["20240101"]},"00080031":{"vr":"TM","Value":["12:30"]}},
 {` + base + `,"0020000E":{"vr":"UI","Value":["1.2.3.2"]},"00080018":{"vr":"UI","Value":["1.2.3.2.1"]},"00080060":{"vr":"CS","Value":["CT"]},
  "00200011":{"vr":"IS","Value":[1]},"00180015":{"vr":"CS","Value":["thorax"]},"00200060":{"vr":"CS","Value":["B"]},
  "00100020":{"vr":"LO","Value":["P1"]}},
 {"0020000D":{"vr":"UI","Value":["9.9"]},"0020000E":{"vr":"UI","Value":["9.9.1"]},"00080018":{"vr":"UI","Value":["9.9.1.1"]}},
 {` + base + `,"00080018":{"vr":"UI","Value":["1.2.3.99.1"]}}
]`
	st, warns := buildOne(t, meta)
	got := string(mustJSON(t, st.ImagingStudy))
	want := `{"resourceType":"ImagingStudy","meta":{"source":"http://127.0.0.1:8042/dicom-web"},` +
		`"identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2.3"},{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"system":"urn:acc:sys","value":"A1"}],` +
		`"status":"available","modality":[{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"},{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"OT"},{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"SR"}],` +
		`"subject":{"reference":"Patient/p"},"started":"2024-01-01","endpoint":[{"reference":"Endpoint/e"}],"numberOfSeries":3,"numberOfInstances":4,` +
		`"procedureCode":[{"coding":[{"system":"99LOCAL","code":"P1","display":"Proc one"}]},{"coding":[{"system":"urn:oid:2.25.7","code":"LONG"}]},{"coding":[{"system":"urn:oid:1.2.3.4","code":"1.3"}]}],` +
		`"series":[` +
		`{"uid":"1.2.3.10","number":0,"modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"SR"},"numberOfInstances":2,` +
		`"bodySite":{"system":"SRT","code":"T-D3000","display":"Chest"},"laterality":{"system":"http://snomed.info/sct","code":"24028007","display":"Right"},` +
		`"instance":[{"uid":"1.2.3.10.2","sopClass":{"system":"urn:ietf:rfc:3986","code":"urn:oid:1.2.840.10008.5.1.4.1.1.88.22"},"number":2,"title":"Report title"},` +
		`{"uid":"1.2.3.10.10","sopClass":{"system":"urn:ietf:rfc:3986","code":"urn:oid:1.2.840.10008.5.1.4.1.1.88.22"},"number":10}]},` +
		`{"uid":"1.2.3.2","number":1,"modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"},"numberOfInstances":1,` +
		`"bodySite":{"system":"http://snomed.info/sct","code":"816094009","display":"Chest"},"laterality":{"system":"http://snomed.info/sct","code":"51440002","display":"Bilateral"},` +
		`"instance":[{"uid":"1.2.3.2.1","sopClass":{"system":"urn:ietf:rfc:3986","code":"urn:oid:1.2.840.10008.5.1.4.1.1.88.22"}}]},` +
		`{"uid":"1.2.3.9","modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"OT"},"numberOfInstances":1,"bodySite":{"display":"foo part"},"started":"2024-01-01T12:30:00Z",` +
		`"instance":[{"uid":"1.2.3.9.1","sopClass":{"system":"urn:ietf:rfc:3986","code":"urn:oid:1.2.840.10008.5.1.4.1.1.88.22"}}]}]}`
	if got != want {
		t.Errorf("Build mismatch (-want +got):\n%s", cmp.Diff(want, got))
	}
	if want := (Accession{System: "urn:acc:sys", Value: "A1"}); st.Accession != want {
		t.Errorf("Accession = %+v, want %+v", st.Accession, want)
	}
	wantWarns := []string{
		"other-study: (0020,000D) StudyInstanceUID: instance 4: instance of another study skipped",
		"invalid-uid: (0020,000E) SeriesInstanceUID: instance 5: missing or invalid, instance skipped",
	}
	for _, w := range wantWarns {
		if !contains(warns, w) {
			t.Errorf("warnings %q lack %q", warns, w)
		}
	}
	for _, w := range []string{"invalid-number: (0020,0011) SeriesNumber: instance 2", "missing-modality: (0008,0060) Modality: instance 2",
		"inconsistent-attribute: (0008,0020) StudyDate: instance 1", "inconsistent-attribute: (0008,0050) AccessionNumber: instance 1",
		"invalid-timezone-offset: (0008,0021) SeriesDate: instance 2"} {
		if !containsPrefix(warns, w) {
			t.Errorf("warnings %q lack %q", warns, w)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsPrefix(list []string, p string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}

func TestBuild_OddValuesStayValidR4(t *testing.T) {
	meta := `[{"0020000D":{"Value":["1.2.3"]},"0020000E":{"Value":["1.2.3.1"]},"00080018":{"Value":["1.2.3.1.1"]},
	  "00080016":{"Value":["1.2.840.10008.5.1.4.1.1.7"]},"00100020":{"Value":["P"]},"00080060":{"Value":["C  T"]},
	  "00080050":{"Value":["A 1"]},"00080051":{"Value":[{"00400031":{"Value":["not a uri"]}}]},
	  "00081032":{"Value":[{"00080100":{"Value":["X  Y"]},"00080102":{"Value":["LOCAL SCHEME"]}}]},
	  "00200011":{"Value":[-1]},"00200013":{"Value":["1.5"]},"00080201":{"Value":["+2500"]},
	  "00080020":{"Value":["20240101"]},"00080030":{"Value":["1200"]},"00100010":{"Value":[{"Ideographic":"x"}]}}]`
	st, warns := buildOne(t, meta)
	is := st.ImagingStudy
	if is.Series[0].Modality.Code != "C T" || is.ProcedureCode[0].Coding[0].Code != "X Y" || is.ProcedureCode[0].Coding[0].System != "LOCALSCHEME" {
		t.Errorf("codes not normalised: %+v %+v", is.Series[0].Modality, is.ProcedureCode)
	}
	if st.Accession != (Accession{Value: "A 1"}) || is.Started != "2024-01-01T12:00:00Z" || is.Series[0].Number != nil {
		t.Errorf("accession %+v started %q number %v", st.Accession, is.Started, is.Series[0].Number)
	}
	for _, w := range []string{"invalid-issuer", "invalid-number: (0020,0011)", "invalid-number: (0020,0013)", "invalid-timezone-offset"} {
		if !containsPrefix(warns, w) {
			t.Errorf("warnings %q lack %s", warns, w)
		}
	}
	pt, _ := NewPatient(st.Patient, PatientOptions{UseIssuer: true})
	validateR4(t, mustJSON(t, pt))
}
