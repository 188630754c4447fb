package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/ahds-events/ahds/tests/sharedcases"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging/synth"
	"github.com/ahds-events/ahds/tests/stack"
)

// tinyStudy returns the path of the worked example's metadata, failing in CI
// when ../shared is missing.
func tinyStudy(t *testing.T) string {
	t.Helper()
	return filepath.Join(sharedcases.Path(t, "cases", "dicom", "tiny-study"), "wado-study-metadata.json")
}

func dicomCLI(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runDicom(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

type previewBundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func TestDicomImagingStudy_WorkedExample(t *testing.T) {
	path := tinyStudy(t)
	code, out, errs := dicomCLI(t, nil, "", "imagingstudy", "--metadata", path)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var b previewBundle
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if b.ResourceType != "Bundle" || b.Type != "collection" || len(b.Entry) != 3 {
		t.Fatalf("bundle %s/%s with %d entries", b.ResourceType, b.Type, len(b.Entry))
	}
	wantURLs := []string{"urn:uuid:c9804899-a48c-5cf3-8f9c-952870099d94", "urn:uuid:968e0b41-6a39-5609-b9a3-954c94c3bc3f", "urn:uuid:69f95309-c691-5cfa-ab72-05dfec176886"}
	wantTypes := []string{"ImagingStudy", "Patient", "Endpoint"}
	for i, e := range b.Entry {
		if e.FullURL != wantURLs[i] || e.Resource["resourceType"] != wantTypes[i] {
			t.Errorf("entry %d = %s %v, want %s %s", i, e.FullURL, e.Resource["resourceType"], wantURLs[i], wantTypes[i])
		}
		if _, ok := e.Resource["id"]; ok {
			t.Errorf("entry %d has an id", i)
		}
	}
	if got := b.Entry[2].Resource["address"]; got != "http://127.0.0.1:8042/dicom-web" {
		t.Errorf("Endpoint.address = %v", got)
	}
	if !strings.HasPrefix(out, "{\n  \"resourceType\": \"Bundle\",\n") || !strings.HasSuffix(out, "}\n") {
		t.Errorf("output is not 2-space indented with a trailing newline")
	}
	// stdin gives identical bytes.
	meta, _ := os.ReadFile(path)
	code, out2, _ := dicomCLI(t, nil, string(meta), "imagingstudy", "--metadata", "-")
	if code != 0 || out2 != out {
		t.Errorf("stdin run: exit %d, identical %v", code, out2 == out)
	}
}

func TestDicomImagingStudy_EndpointAndPatientSettings(t *testing.T) {
	path := tinyStudy(t)
	env := map[string]string{"DICOM_SERVICE_URL": "https://ws-dicom.dicom.azurehealthcareapis.com", "DICOM_PATIENT_USE_ISSUER": "true"}
	code, out, errs := dicomCLI(t, env, "", "imagingstudy", "--metadata", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"address": "https://ws-dicom.dicom.azurehealthcareapis.com/v2"`) || !strings.Contains(out, `"system": "HOSP-A"`) {
		t.Errorf("address or patient system not from the environment:\n%s", out)
	}
	code, out, _ = dicomCLI(t, env, "", "imagingstudy", "--metadata", path, "--endpoint-url", "https://pacs.example/wado/")
	if code != 0 || !strings.Contains(out, `"source": "https://pacs.example/wado"`) {
		t.Errorf("--endpoint-url not used (exit %d)", code)
	}
}

func TestDicomImagingStudy_Errors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	twoStudies := `[{"0020000D":{"Value":["1.2"]},"0020000E":{"Value":["1.2.1"]},"00080018":{"Value":["1.2.1.1"]},"00080016":{"Value":["1.2.3"]},"00100020":{"Value":["P"]}},` +
		`{"0020000D":{"Value":["1.3"]},"0020000E":{"Value":["1.3.1"]},"00080018":{"Value":["1.3.1.1"]},"00080016":{"Value":["1.2.3"]},"00100020":{"Value":["P"]}}]`
	noPID := `[{"0020000D":{"Value":["1.2"]},"0020000E":{"Value":["1.2.1"]},"00080018":{"Value":["1.2.1.1"]},"00080016":{"Value":["1.2.3"]}}]`
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no subcommand", nil, nil, 2, "usage"},
		{"unknown subcommand", nil, []string{"nope"}, 2, `unknown subcommand "nope"`},
		{"no metadata flag", nil, []string{"imagingstudy"}, 2, "--metadata FILE is required"},
		{"unknown flag", nil, []string{"imagingstudy", "--metadata", "x", "--bogus"}, 2, "bogus"},
		{"extra argument", nil, []string{"imagingstudy", "--metadata", "x", "y"}, 2, "unexpected argument"},
		{"bad endpoint url", nil, []string{"imagingstudy", "--metadata", "x", "--endpoint-url", "ftp:/x"}, 2, "--endpoint-url"},
		{"bad setting", map[string]string{"DICOM_SERVICE_URL": "http://h", "DICOM_PATIENT_USE_ISSUER": "perhaps"}, []string{"imagingstudy", "--metadata", "x"}, 2, "DICOM_PATIENT_USE_ISSUER"},
		{"missing file", nil, []string{"imagingstudy", "--metadata", filepath.Join(dir, "none.json")}, 1, "error: " + filepath.Join(dir, "none.json") + ": "},
		{"not json", nil, []string{"imagingstudy", "--metadata", write("a.json", "nope")}, 1, "not an array"},
		{"not an array", nil, []string{"imagingstudy", "--metadata", write("b.json", `{"a":1}`)}, 1, "not an array"},
		{"empty array", nil, []string{"imagingstudy", "--metadata", write("c.json", `[]`)}, 1, "no-valid-instance"},
		{"no valid instance", nil, []string{"imagingstudy", "--metadata", write("d.json", `[{}]`)}, 1, "no-valid-instance"},
		{"two studies", nil, []string{"imagingstudy", "--metadata", write("e.json", twoStudies)}, 1, "multiple-studies"},
		{"missing patient id", nil, []string{"imagingstudy", "--metadata", write("f.json", noPID)}, 1, "missing-patient-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := dicomCLI(t, tt.env, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
				t.Errorf("runDicom(%q) = %d, stderr %q; want %d containing %q", tt.args, code, errs, tt.wantCode, tt.wantErr)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if tt.wantCode == 1 && !strings.HasPrefix(errs, "error: ") {
				t.Errorf("stderr %q does not start with error:", errs)
			}
		})
	}
}

func TestDicomCatchup_Usage(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"bad from", nil, []string{"catchup", "--from", "x"}, 2, "--from"},
		{"negative to", nil, []string{"catchup", "--to", "-1"}, 2, "--to"},
		{"extra argument", nil, []string{"catchup", "now"}, 2, "unexpected argument"},
		{"no service", nil, []string{"catchup"}, 1, "DICOM_SERVICE_URL: required"},
		{"no fhir", map[string]string{"DICOM_SERVICE_URL": "http://127.0.0.1:1"}, []string{"catchup"}, 1, "FHIR_BASE_URL is not set"},
		{"no storage", map[string]string{"DICOM_SERVICE_URL": "http://127.0.0.1:1", "FHIR_BASE_URL": "http://127.0.0.1:2"}, []string{"catchup"}, 1, "AzureWebJobsStorage is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := dicomCLI(t, tt.env, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) || out != "" {
				t.Errorf("runDicom(%q) = %d, stdout %q, stderr %q; want %d with %q", tt.args, code, out, errs, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestDicomCatchup_Stack(t *testing.T) {
	ep := stack.Require(t)
	ctx := t.Context()
	dc, err := dicomweb.New(ep.Orthanc, dicomweb.Options{Kind: dicomweb.KindOrthanc})
	if err != nil {
		t.Fatal(err)
	}
	before, err := dc.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	study := fmt.Sprintf("1.2.826.0.1.3680043.8.498.9401.%d", time.Now().UnixNano()%1e12)
	files, err := synth.Files(synth.CTStudy(study, "CLI-"+study[len(study)-6:], 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := dc.Store(ctx, "", "", files...); err != nil || res.Status != 200 {
		t.Fatalf("store: %+v, %v", res, err)
	}
	t.Cleanup(func() { _ = dc.DeleteStudy(context.Background(), "", study) })
	env := map[string]string{
		"DICOM_SERVICE_URL": ep.Orthanc, "DICOM_SERVICE_KIND": "orthanc", "FHIR_BASE_URL": ep.FHIR,
		"AzureWebJobsStorage":        ep.Storage,
		"DICOM_CHECKPOINT_CONTAINER": fmt.Sprintf("clicp%d", time.Now().UnixNano()%1e9),
	}
	from := fmt.Sprint(before)

	code, out, errs := dicomCLI(t, env, "", "catchup", "--dry-run", "--from", from)
	if code != 0 && code != 3 || !strings.Contains(out, "Microsoft.Default\t"+study+"\n") || !strings.Contains(errs, "(dry run)") {
		t.Fatalf("dry run: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	fc, err := fhir.New(ep.FHIR, fhir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		_ = fc.Search(ctx, "ImagingStudy", url.Values{"identifier": {"urn:dicom:uid|urn:oid:" + study}}, func(json.RawMessage) error { n++; return nil })
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("dry run wrote %d ImagingStudy", n)
	}
	// The checkpoint starts at 0: set it with a first run limited by --to.
	code, _, errs = dicomCLI(t, env, "", "catchup", "--from", "0", "--to", from, "--concurrency", "4")
	if code != 0 && code != 3 {
		t.Fatalf("seed run: exit %d: %s", code, errs)
	}
	code, _, errs = dicomCLI(t, env, "", "catchup")
	if code != 0 && code != 3 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	if n := count(); n != 1 {
		t.Errorf("after catch-up %d ImagingStudy for the study, want 1", n)
	}
	// Other packages' tests share the Orthanc change feed and move it
	// meanwhile, so only the summary's shape is fixed.
	if !regexp.MustCompile(`catch-up: checkpoint \d+ → \d+, \d+ page\(s\)`).MatchString(errs) {
		t.Errorf("summary missing: %s", errs)
	}
	// Nothing left: the next run starts at the stored checkpoint and ends at once.
	code, _, errs = dicomCLI(t, env, "", "catchup")
	if code != 0 || !strings.Contains(errs, " 0 stud(ies)") {
		t.Errorf("third run: exit %d: %s", code, errs)
	}
}
