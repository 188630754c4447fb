package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	"github.com/ahds-events/ahds/tests/sharedcases"
)

var r4 struct {
	once sync.Once
	u    *jsonformat.Unmarshaller
	err  error
}

// validR4 fails the test unless resource is valid FHIR R4.
func validR4(t testing.TB, resource map[string]any) {
	t.Helper()
	r4.once.Do(func() { r4.u, r4.err = jsonformat.NewUnmarshaller("UTC", fhirversion.R4) })
	if r4.err != nil {
		t.Fatal(r4.err)
	}
	b, _ := json.Marshal(resource)
	if _, err := r4.u.Unmarshal(b); err != nil {
		t.Errorf("%s/%v is not valid R4: %v", resource["resourceType"], resource["id"], err)
	}
}

const (
	tinyStudyUID = "1.2.826.0.1.3680043.8.498.1001"
	tinyInst1SOP = tinyStudyUID + ".1.1"
	seedHRObsID  = "89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e"
)

// TestE2E_DoneWhen is the issues' acceptance, end to end through the
// workspace emulation and the handler started as the host does: a DICOM
// instance no test wrote, stored with STOW-RS, becomes an ImagingStudy within
// 20 s; the mission's seed message, sent with the Event Hubs REST send API,
// becomes its heart-rate Observation within 20 s; and no PHI reaches the
// console output.
func TestE2E_DoneWhen(t *testing.T) {
	w := startWorkspace(t, e2eOptions{})
	inst1, err := os.ReadFile(filepath.Join(sharedcases.Path(t, "cases", "dicom", "tiny-study"), "inst1.dcm"))
	if err != nil {
		t.Fatal(err)
	}

	// (a) DICOM → ImagingStudy. Other packages store tiny-study too: start
	// from no inst1 in Orthanc and no ImagingStudy (removed behind the
	// fronts' backs, so no events), then STOW through the Azure-shaped front.
	identifier := url.Values{"identifier": {"urn:dicom:uid|urn:oid:" + tinyStudyUID}}
	var stowed time.Time
	for attempt := 1; ; attempt++ {
		orthancDeleteInstance(t, w.st.Orthanc, tinyInst1SOP)
		ids, err := searchIDs(w.st.FHIR, "ImagingStudy", identifier)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			fhirDelete(t, w.st.FHIR, "ImagingStudy/"+id)
		}
		req, _ := http.NewRequest(http.MethodPost, w.DICOMweb+"/studies", bytes.NewReader(inst1))
		req.Header.Set("Content-Type", "application/dicom")
		req.Header.Set("Accept", "application/dicom+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := readAll(res)
		res.Body.Close()
		stowed = time.Now()
		if res.StatusCode == http.StatusOK {
			break
		}
		// 409: another package's test stored inst1 in between; try again.
		if res.StatusCode != http.StatusConflict || attempt == 3 {
			t.Fatalf("STOW-RS inst1 = %d %s", res.StatusCode, body)
		}
	}
	var study map[string]any
	ok := poll(20*time.Second, 200*time.Millisecond, func() bool {
		status, b, _ := fhirRead(w.st.FHIR + "/ImagingStudy?" + identifier.Encode())
		if status != http.StatusOK {
			return false
		}
		entries, _ := b["entry"].([]any)
		for _, e := range entries {
			r, _ := e.(map[string]any)["resource"].(map[string]any)
			if hasInstance(r, tinyInst1SOP) {
				study = r
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no ImagingStudy %s holding instance %s within 20 s of the STOW", identifier.Get("identifier"), tinyInst1SOP)
	}
	t.Logf("ImagingStudy/%v holds inst1 %v after the STOW", study["id"], time.Since(stowed).Round(time.Millisecond))
	validR4(t, study)
	if status, patient, _ := fhirRead(w.st.FHIR + "/" + ref(study, "subject")); status != http.StatusOK {
		t.Errorf("ImagingStudy subject %q = %d", ref(study, "subject"), status)
	} else if ids, _ := json.Marshal(patient["identifier"]); !strings.Contains(string(ids), `"PID-123"`) {
		t.Errorf("ImagingStudy subject %s has identifiers %s, want PatientID PID-123", ref(study, "subject"), ids)
	}

	// (b) the seed message → Observation (Direct identity mode).
	fhirDelete(t, w.st.FHIR, "Observation/"+seedHRObsID)
	w.send(t, hubEvent{Body: seedBody, PartitionKey: "SpO2-Monitor-001"})
	sent := time.Now()
	var obs map[string]any
	if !poll(20*time.Second, 200*time.Millisecond, func() bool {
		status, b, _ := fhirRead(w.st.FHIR + "/Observation/" + seedHRObsID)
		obs = b
		return status == http.StatusOK
	}) {
		t.Fatalf("no Observation/%s within 20 s of the send", seedHRObsID)
	}
	t.Logf("Observation/%s after %v", seedHRObsID, time.Since(sent).Round(time.Millisecond))
	validR4(t, obs)
	if obs["effectiveDateTime"] != "2024-01-15T14:30:00.000Z" || ref(obs, "subject") != "Patient/patient-12345" || ref(obs, "device") != "Device/SpO2-Monitor-001" {
		t.Errorf("seed heart-rate Observation = %v", obs)
	}
	if q, _ := obs["valueQuantity"].(map[string]any); q == nil || q["value"] != 72.0 {
		t.Errorf("seed heart rate valueQuantity = %v, want 72", obs["valueQuantity"])
	}

	// No PHI in the console output of the handler (or the emulation).
	out := w.out.String()
	if !strings.Contains(out, "handler ready") {
		t.Errorf("console output lacks the handler's start line: the capture is not the handler's")
	}
	for _, phi := range []string{"Doe^Jane", "Jane", "PID-123", "19800229", "patient-12345"} {
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, phi) {
				t.Errorf("console output carries PHI %q: %s", phi, line)
			}
		}
	}
}

// hasInstance reports whether an ImagingStudy lists the SOP instance.
func hasInstance(study map[string]any, sop string) bool {
	series, _ := study["series"].([]any)
	for _, s := range series {
		insts, _ := s.(map[string]any)["instance"].([]any)
		for _, i := range insts {
			if i.(map[string]any)["uid"] == sop {
				return true
			}
		}
	}
	return false
}

func ref(r map[string]any, field string) string {
	m, _ := r[field].(map[string]any)
	s, _ := m["reference"].(string)
	return s
}

// orthancDeleteInstance deletes a SOP instance straight in Orthanc (no
// events), if stored.
func orthancDeleteInstance(t testing.TB, orthanc, sop string) {
	t.Helper()
	res, err := http.Post(orthanc+"/tools/lookup", "text/plain", strings.NewReader(sop))
	if err != nil {
		t.Fatal(err)
	}
	var found []struct{ ID, Type string }
	err = json.NewDecoder(res.Body).Decode(&found)
	res.Body.Close()
	if err != nil {
		t.Fatalf("orthanc lookup %s: %v", sop, err)
	}
	for _, f := range found {
		if f.Type != "Instance" {
			continue
		}
		req, _ := http.NewRequest(http.MethodDelete, orthanc+"/instances/"+f.ID, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound {
			t.Fatalf("orthanc DELETE instance = %d", res.StatusCode)
		}
	}
}
