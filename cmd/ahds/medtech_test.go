package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/ahds-events/ahds/tests/sharedcases"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const seedDir = "../../shared/medtech/testdata/"

func runMedtechCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runMedtech(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func stderrLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("stderr line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestMedtechMap_Seed(t *testing.T) {
	code, stdout, stderr := runMedtechCLI(t, "", "map", "--device-mapping", seedDir+"seed-device-mapping.json",
		"--fhir-mapping", seedDir+"seed-fhir-mapping.json", "--messages", seedDir+"seed-message.json", "--now", "2024-01-15T14:31:00Z")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var got struct {
		Measurements []map[string]any `json:"measurements"`
		Observations []map[string]any `json:"observations"`
		Errors       []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout: %v\n%s", err, stdout)
	}
	if len(got.Measurements) != 2 || len(got.Observations) != 2 || len(got.Errors) != 0 {
		t.Fatalf("got %d measurements, %d observations, %d errors", len(got.Measurements), len(got.Observations), len(got.Errors))
	}
	if got.Observations[0]["id"] != "89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e" ||
		got.Observations[0]["effectiveDateTime"] != "2024-01-15T14:30:00.000Z" || got.Observations[0]["issued"] != "2024-01-15T14:31:00.000Z" {
		t.Errorf("observation 1 = %v", got.Observations[0])
	}
	fallbacks := 0
	for _, l := range stderrLines(t, stderr) {
		if l["level"] == "warning" && l["code"] == "BodyFallback" {
			fallbacks++
		}
	}
	if fallbacks != 10 {
		t.Errorf("BodyFallback warnings = %d, want 10\n%s", fallbacks, stderr)
	}
}

func TestMedtechNormalize_JSONLinesAndErrors(t *testing.T) {
	msgs := `{"deviceId":"d1","patientId":"p1","measurementTime":"2024-01-15T14:30:00Z","readings":{"heartRate":{"value":72}}}
not json
{"deviceId":"d1","patientId":"p1","readings":{"heartRate":{"value":72}}}
{"other":1}
`
	code, stdout, stderr := runMedtechCLI(t, msgs, "normalize", "--device-mapping", seedDir+"seed-device-mapping.json", "--messages", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	var ms []map[string]any
	if err := json.Unmarshal([]byte(stdout), &ms); err != nil || len(ms) != 1 {
		t.Fatalf("stdout = %s (%v), want 1 measurement", stdout, err)
	}
	errs := map[float64]string{}
	noMeasurements := false
	for _, l := range stderrLines(t, stderr) {
		if l["level"] == "error" {
			errs[l["messageIndexes"].([]any)[0].(float64)] = l["error"].(string)
		}
		if l["code"] == "NoMeasurements" {
			noMeasurements = true
		}
	}
	if errs[1] != "InvalidDataFormatException" || errs[2] != "IncompatibleDataException" || len(errs) != 2 || !noMeasurements {
		t.Errorf("errors = %v, NoMeasurements %v\n%s", errs, noMeasurements, stderr)
	}
}

func TestMedtechMap_Events(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "dev.json")
	os.WriteFile(dev, []byte(`{"templateType":"CollectionContent","template":[{"templateType":"IotJsonPathContent","template":{"typeName":"heartrate","typeMatchExpression":"$..[?(@Body.heartrate)]","patientIdExpression":"$.Body.patient","values":[{"required":"true","valueExpression":"$.Body.heartrate","valueName":"hr"}]}}]}`), 0o600)
	fhir := filepath.Join(dir, "fhir.json")
	os.WriteFile(fhir, []byte(`{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":{"typeName":"heartrate","codes":[{"code":"8867-4","system":"http://loinc.org"}],"value":{"valueType":"Quantity","valueName":"hr","unit":"/min"}}}]}`), 0o600)
	events := `[{"Body":{"heartrate":"203","patient":"p1"},"SystemProperties":{"iothub-connection-device-id":"dev-1","iothub-enqueuedtime":"2019-02-01T22:46:01.875Z"}}]`
	code, stdout, stderr := runMedtechCLI(t, events, "map", "--device-mapping", dev, "--fhir-mapping", fhir, "--events", "-", "--mode", "azure-medtech", "--now", "2024-01-01T00:00:00Z")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"start": "2019-02-01T22:46:01.8750000Z"`) || !strings.Contains(stdout, `"value": 203`) || !strings.Contains(stdout, `"reference": "Device/dev-1"`) {
		t.Errorf("stdout = %s", stdout)
	}
}

func TestMedtech_Usage(t *testing.T) {
	for _, args := range [][]string{
		{}, {"bogus"}, {"map", "--device-mapping", seedDir + "seed-device-mapping.json", "--messages", seedDir + "seed-message.json"},
		{"normalize", "--device-mapping", seedDir + "seed-device-mapping.json"},
		{"normalize", "--device-mapping", "/nonexistent.json", "--messages", seedDir + "seed-message.json"},
		{"map", "--device-mapping", seedDir + "seed-device-mapping.json", "--fhir-mapping", seedDir + "seed-fhir-mapping.json", "--messages", seedDir + "seed-message.json", "--mode", "x"},
		{"normalize", "--bogus"},
	} {
		if code, _, _ := runMedtechCLI(t, "", args...); code != 2 {
			t.Errorf("runMedtech(%q) = %d, want 2", args, code)
		}
	}
}

func TestMedtechValidate_TemplateErrors(t *testing.T) {
	bad := `{"templateType":"CollectionContent","template":[
  {"templateType":"JsonPathContent","template":{"typeName":"a","typeMatchExpression":"$.[","deviceIdExpression":"$.d","timestampExpression":"$.t"}}]}`
	code, _, stderr := runMedtechCLI(t, bad, "validate", "--device-mapping", "-")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := stderrLines(t, stderr)
	if len(lines) != 1 || lines[0]["level"] != "error" || lines[0]["mapping"] != "device" || lines[0]["templateIndex"] != 0.0 ||
		lines[0]["field"] != "typeMatchExpression" || lines[0]["line"] != 2.0 {
		t.Errorf("stderr = %s", stderr)
	}
	code, _, stderr = runMedtechCLI(t, "", "validate", "--device-mapping", seedDir+"seed-device-mapping.json", "--fhir-mapping", seedDir+"seed-fhir-mapping.json")
	if code != 0 || stderr != "" {
		t.Errorf("validate seed = %d, %s", code, stderr)
	}
}

func TestMedtechMap_Case06(t *testing.T) {
	dir := sharedcases.Path(t, "cases", "medtech", "case06-ahds-jmespath-functions") + "/"
	a, _ := os.ReadFile(dir + "testMessageA.json")
	b, _ := os.ReadFile(dir + "testMessageB.json")
	msgs := "[" + string(a) + "," + string(b) + "]"
	code, stdout, stderr := runMedtechCLI(t, msgs, "map", "--device-mapping", dir+"deviceMapping.json", "--fhir-mapping", dir+"fhirDestinationMapping.json", "--messages", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	var got struct {
		Measurements []any            `json:"measurements"`
		Observations []map[string]any `json:"observations"`
		Errors       []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Measurements) != 4 || len(got.Observations) != 1 || len(got.Errors) != 3 || got.Errors[0]["error"] != "InvalidResourceIdException" {
		t.Errorf("got %d measurements, %d observations, errors %v", len(got.Measurements), len(got.Observations), got.Errors)
	}
}
