package medtech

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
	"github.com/ahds-events/ahds/shared/medtech/template"
)

// validateR4 checks that a resource is valid FHIR R4.
func validateR4(t testing.TB, resource any) {
	t.Helper()
	b, err := json.Marshal(resource)
	if err != nil {
		t.Fatal(err)
	}
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Unmarshal(b); err != nil {
		t.Errorf("invalid R4 resource: %v\n%s", err, b)
	}
}

// jsonEqual compares two JSON documents structurally, numbers by value.
func jsonEqual(t testing.TB, got any, want string) {
	t.Helper()
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	g, err := jsontree.Parse(gb)
	if err != nil {
		t.Fatal(err)
	}
	w, err := jsontree.ParseString(want)
	if err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if !equalTree(g, w) {
		t.Errorf("got\n%s\nwant\n%s", gb, w.JSON())
	}
}

func runDebugger(t testing.TB, device, fhir []byte, mode Mode, envs []*Envelope, now time.Time) DebugResult {
	t.Helper()
	fm, err := template.ParseFHIR(fhir)
	if err != nil {
		t.Fatalf("ParseFHIR: %v", err)
	}
	d := Debugger{Normalizer: NewNormalizer(mustDevice(t, device)), FHIR: fm, Builder: Builder{Mode: mode}}
	return d.Run(envs, nil, now)
}

var seedNow = time.Date(2024, 1, 15, 14, 31, 2, 123456789, time.UTC)

func TestSeed_FHIRMode(t *testing.T) {
	r := runDebugger(t, readTestdata(t, "seed-device-mapping.json"), readTestdata(t, "seed-fhir-mapping.json"), ModeFHIR,
		[]*Envelope{bodyEnvelope(t, readTestdata(t, "seed-message.json"))}, seedNow)
	if len(r.Errors) != 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if len(r.Measurements) != 2 || len(r.Observations) != 2 {
		t.Fatalf("got %d measurements, %d observations, want 2, 2", len(r.Measurements), len(r.Observations))
	}
	fallbacks := 0
	for _, w := range r.Warnings {
		if w.Code == WarnBodyFallback {
			fallbacks++
		}
	}
	if fallbacks != 10 {
		t.Errorf("BodyFallback warnings = %d, want 10", fallbacks)
	}
	const cat = `"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}]}]`
	jsonEqual(t, r.Observations[0], `{"resourceType":"Observation","id":"89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e",
 "identifier":[{"system":"https://azure.microsoft.com/en-us/services/iomt-fhir-connector/",
                "value":"patient-12345.SpO2-Monitor-001.heartRate.20240115143000Z.20240115143000Z"}],
 "status":"final",`+cat+`,
 "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
 "subject":{"reference":"Patient/patient-12345"},
 "effectiveDateTime":"2024-01-15T14:30:00.000Z","issued":"2024-01-15T14:31:02.123Z",
 "valueQuantity":{"value":72,"unit":"beats/min","system":"http://unitsofmeasure.org","code":"/min"},
 "device":{"reference":"Device/SpO2-Monitor-001"}}`)
	jsonEqual(t, r.Observations[1], `{"resourceType":"Observation","id":"be979e8a0ae7b2184433195cd253a6ea3abc86cfa7c163e86f5f12090c39720d",
 "identifier":[{"system":"https://azure.microsoft.com/en-us/services/iomt-fhir-connector/",
                "value":"patient-12345.SpO2-Monitor-001.oxygenSaturation.20240115143000Z.20240115143000Z"}],
 "status":"final",`+cat+`,
 "code":{"coding":[{"system":"http://loinc.org","code":"2708-6","display":"Oxygen saturation in Arterial blood"}]},
 "subject":{"reference":"Patient/patient-12345"},
 "effectiveDateTime":"2024-01-15T14:30:00.000Z","issued":"2024-01-15T14:31:02.123Z",
 "valueQuantity":{"value":98,"unit":"%","system":"http://unitsofmeasure.org","code":"%"},
 "device":{"reference":"Device/SpO2-Monitor-001"}}`)
	for _, o := range r.Observations {
		validateR4(t, o)
	}
}

func TestSeed_AzureMedTechMode(t *testing.T) {
	r := runDebugger(t, readTestdata(t, "seed-device-mapping.json"), readTestdata(t, "seed-fhir-mapping.json"), ModeAzureMedTech,
		[]*Envelope{bodyEnvelope(t, readTestdata(t, "seed-message.json"))}, seedNow)
	if len(r.Observations) != 2 {
		t.Fatalf("got %d observations, want 2", len(r.Observations))
	}
	jsonEqual(t, r.Observations[0], `{"resourceType":"Observation","id":"89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e",
 "identifier":[{"system":"https://azure.microsoft.com/en-us/services/iomt-fhir-connector/",
                "value":"patient-12345.SpO2-Monitor-001.heartRate.20240115143000Z.20240115143000Z"}],
 "status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"},
   {"system":"https://azure.microsoft.com/en-us/services/iomt-fhir-connector/","code":"heartRate","display":"heartRate"}],"text":"heartRate"},
 "subject":{"reference":"Patient/patient-12345"},
 "effectivePeriod":{"start":"2024-01-15T14:30:00.0000000Z","end":"2024-01-15T14:30:00.0000000Z"},
 "issued":"2024-01-15T14:31:02.1234567+00:00",
 "valueQuantity":{"value":72,"unit":"beats/min","system":"http://unitsofmeasure.org","code":"/min"},
 "device":{"reference":"Device/SpO2-Monitor-001"}}`)
	for _, o := range r.Observations {
		validateR4(t, o)
	}
}

func TestIdentifierVectors(t *testing.T) {
	for value, want := range map[string]string{
		"p1.d1.heartrate.20190101000000Z.20190101005959Z":                          "f47bb24a74fc77bfcf83b5d2898a52d4e0ebb1038e201c3873bf66550146a238",
		"patient-12345.SpO2-Monitor-001.heartRate.20240115143000Z.20240115143000Z": "89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e",
		"patient123.abc.bloodpressure.20231009190000Z.20231009195959Z":             "152a8a5bc52c0ca440d1312e6c493b844124c3c0631f427b8071909aa20e0917",
		"user123.device123.DeviceADataElements.20230513234544Z.20230513234544Z":    "83298bd77347344028596c9f6a5b12f1f7fb7074784575ff923d19f37ca63a02",
	} {
		if got := HashID(ServiceSystem, value); got != want {
			t.Errorf("HashID(%q) = %s, want %s", value, got, want)
		}
	}
	if got := HashID("", "device123"); got != "e06accbb3e1dc2ca4773724cfc492354e84ec2a5d8e31394675041c8a88d8717" {
		t.Errorf("HashID(device123) = %s", got)
	}
}

func case05(t *testing.T, mode Mode) *Observation {
	t.Helper()
	msg := `{"systolic":"60","diastolic":"80","device":"abc","date":"2023-10-09T19:18:23Z","session":"abcdefg","patient":"patient123"}`
	r := runDebugger(t, readCase(t, "case05-end-to-end-bloodpressure-sampleddata", "devicecontent.json"),
		readCase(t, "case05-end-to-end-bloodpressure-sampleddata", "fhirmapping.json"), mode,
		[]*Envelope{bodyEnvelope(t, []byte(msg))}, seedNow)
	if len(r.Errors) != 0 || len(r.Measurements) != 1 || len(r.Observations) != 1 {
		t.Fatalf("got %d measurements, %d observations, errors %+v; want 1, 1, none", len(r.Measurements), len(r.Observations), r.Errors)
	}
	if got := measurementsJSON(r.Measurements); got != `[{"type":"bloodpressure","occurrenceTimeUtc":"2023-10-09T19:18:23Z","deviceId":"abc","patientId":"patient123","properties":[{"name":"systolic","value":"60"},{"name":"diastolic","value":"80"}]}]` {
		t.Errorf("measurements = %s", got)
	}
	o := r.Observations[0]
	validateR4(t, o)
	if o.ID != "152a8a5bc52c0ca440d1312e6c493b844124c3c0631f427b8071909aa20e0917" {
		t.Errorf("id = %s", o.ID)
	}
	if len(o.Component) != 2 || o.Component[0].Code.Text != "diastolic" || o.Component[1].Code.Text != "systolic" {
		t.Fatalf("components = %+v", o.Component)
	}
	for i, want := range []string{"80", "60"} {
		sd := o.Component[i].SampledData
		tokens := strings.Split(sd.Data, " ")
		if len(tokens) != 3600 {
			t.Fatalf("component %d: %d tokens, want 3600", i, len(tokens))
		}
		for k, tok := range tokens {
			if (k == 1103 && tok != want) || (k != 1103 && tok != "E") {
				t.Fatalf("component %d token %d = %q", i, k, tok)
			}
		}
		if sd.Period != "1000" || sd.Dimensions != 1 || sd.Origin.Value != "0" || sd.Origin.Unit != "mmHg" {
			t.Errorf("component %d sampled data = %+v", i, sd)
		}
	}
	return o
}

func TestCase05_FHIRMode(t *testing.T) {
	o := case05(t, ModeFHIR)
	if o.EffectivePeriod == nil || o.EffectivePeriod.Start != "2023-10-09T19:00:00.000Z" || o.EffectivePeriod.End != "2023-10-09T19:59:59.999Z" {
		t.Errorf("effectivePeriod = %+v", o.EffectivePeriod)
	}
	if len(o.Code.Coding) != 1 || o.Code.Text != "" {
		t.Errorf("code = %+v", o.Code)
	}
}

func TestCase05_AzureMedTechMode(t *testing.T) {
	o := case05(t, ModeAzureMedTech)
	if o.EffectivePeriod == nil || o.EffectivePeriod.Start != "2023-10-09T19:00:00.0000000Z" || o.EffectivePeriod.End != "2023-10-09T19:59:59.9999999Z" {
		t.Errorf("effectivePeriod = %+v", o.EffectivePeriod)
	}
	last := o.Code.Coding[len(o.Code.Coding)-1]
	if last != (Coding{System: ServiceSystem, Code: "bloodpressure", Display: "bloodpressure"}) || o.Code.Text != "bloodpressure" {
		t.Errorf("code = %+v", o.Code)
	}
	for _, c := range o.Component {
		l := c.Code.Coding[len(c.Code.Coding)-1]
		if l.System != ServiceSystem || l.Code != c.Code.Text {
			t.Errorf("component code = %+v", c.Code)
		}
	}
}

func TestCase06_FHIR(t *testing.T) {
	dev := readCase(t, "case06-ahds-jmespath-functions", "deviceMapping.json")
	fhir := readCase(t, "case06-ahds-jmespath-functions", "fhirDestinationMapping.json")
	envs := []*Envelope{
		bodyEnvelope(t, readCase(t, "case06-ahds-jmespath-functions", "testMessageA.json")),
		bodyEnvelope(t, readCase(t, "case06-ahds-jmespath-functions", "testMessageB.json")),
	}
	r := runDebugger(t, dev, fhir, ModeFHIR, envs, seedNow)
	if len(r.Observations) != 1 {
		t.Fatalf("got %d observations, want 1", len(r.Observations))
	}
	o := r.Observations[0]
	validateR4(t, o)
	if o.ID != "83298bd77347344028596c9f6a5b12f1f7fb7074784575ff923d19f37ca63a02" || o.EffectiveDateTime != "2023-05-13T23:45:44.000Z" {
		t.Errorf("id, effectiveDateTime = %s, %s", o.ID, o.EffectiveDateTime)
	}
	if len(o.Component) != 2 || o.Component[0].Code.Text != "heightInMeters" || o.Component[1].Code.Text != "distanceInMeters" {
		t.Fatalf("components = %+v", o.Component)
	}
	if o.Component[0].Quantity.Value != "1.8288" || o.Component[1].Quantity.Value != "1000.0463616" {
		t.Errorf("values = %s, %s", o.Component[0].Quantity.Value, o.Component[1].Quantity.Value)
	}
	invalid := 0
	for _, e := range r.Errors {
		if e.Error == ErrInvalidResourceID && len(e.MessageIndexes) == 1 && e.MessageIndexes[0] == 1 {
			invalid++
		}
	}
	if invalid != 3 || len(r.Errors) != 3 {
		t.Errorf("errors = %+v, want 3 × InvalidResourceIdException for message 1", r.Errors)
	}
}
