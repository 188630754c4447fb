package eventgrid

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSubscriptions(t *testing.T) {
	doc := `{
  "subscriptions": [
    {
      "name": "fhir-events",
      "function": "fhir-events",
      "includedEventTypes": ["Microsoft.HealthcareApis.FhirResourceCreated"],
      "filter": {"advancedFilters": [{"operatorType": "StringIn", "key": "data.resourceType", "values": ["Patient"]}]},
      "retryPolicy": {"maxDeliveryAttempts": 3, "eventTimeToLiveInMinutes": 60}
    },
    {"name": "ce", "function": "dicom-events", "eventDeliverySchema": "CloudEventSchemaV1_0", "deadLetterContainer": ""}
  ]
}`
	subs, err := ParseSubscriptions([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("got %d subscriptions", len(subs))
	}
	s := subs[0]
	if s.Line != 3 || s.Schema != SchemaEventGrid || s.MaxDeliveryAttempts != 3 || s.EventTTL != time.Hour || s.DeadLetterContainer != DefaultDeadLetterContainer || len(s.Filter.Advanced) != 1 {
		t.Errorf("subscription 1 = %+v", s)
	}
	if c := subs[1]; c.Line != 10 || c.Schema != SchemaCloudEvents || c.MaxDeliveryAttempts != 30 || c.DeadLetterContainer != "" {
		t.Errorf("subscription 2 = %+v", c)
	}
}

func TestParseSubscriptions_Errors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown event type names line", "{\"subscriptions\":[\n{\"name\":\"a\",\"function\":\"f\"},\n  {\"name\":\"b\",\"function\":\"f\",\"includedEventTypes\":[\"Microsoft.HealthcareApis.FhirResourceCreatd\"]}]}", `3: subscription 2: "b": unknown event type "Microsoft.HealthcareApis.FhirResourceCreatd"`},
		{"unknown operator", "{\"subscriptions\":[\n\n{\"name\":\"a\",\"function\":\"f\",\"filter\":{\"advancedFilters\":[{\"operatorType\":\"StringInn\",\"key\":\"data.x\",\"values\":[\"a\"]}]}}]}", `3: subscription 1: "a": advancedFilters[0]: unknown operatorType "StringInn"`},
		{"string values not strings", `{"subscriptions":[{"name":"a","function":"f","filter":{"advancedFilters":[{"operatorType":"StringIn","key":"data.x","values":[1]}]}}]}`, "want \"values\": [strings]"},
		{"number value missing", `{"subscriptions":[{"name":"a","function":"f","filter":{"advancedFilters":[{"operatorType":"NumberLessThan","key":"data.x"}]}}]}`, "want \"value\": number"},
		{"empty values", `{"subscriptions":[{"name":"a","function":"f","filter":{"advancedFilters":[{"operatorType":"StringBeginsWith","key":"subject","values":[]}]}}]}`, "empty values"},
		{"missing key", `{"subscriptions":[{"name":"a","function":"f","filter":{"advancedFilters":[{"operatorType":"IsNotNull"}]}}]}`, "missing key"},
		{"bad range", `{"subscriptions":[{"name":"a","function":"f","filter":{"advancedFilters":[{"operatorType":"NumberInRange","key":"data.n","values":[[5,1]]}]}}]}`, "low ≤ high"},
		{"unknown field", `{"subscriptions":[{"name":"a","function":"f","destination":"x"}]}`, `unknown field "destination"`},
		{"duplicate", "{\"subscriptions\":[{\"name\":\"a\",\"function\":\"f\"},\n{\"name\":\"a\",\"function\":\"g\"}]}", "2: subscription \"a\": duplicate name (first at line 1)"},
		{"bad schema", `{"subscriptions":[{"name":"a","function":"f","eventDeliverySchema":"CustomInputSchema"}]}`, "eventDeliverySchema"},
		{"attempts out of range", `{"subscriptions":[{"name":"a","function":"f","retryPolicy":{"maxDeliveryAttempts":31}}]}`, "1–30"},
		{"no function", `{"subscriptions":[{"name":"a"}]}`, "missing function"},
		{"no subscriptions", `{}`, "no \"subscriptions\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSubscriptions([]byte(tt.doc), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSubscriptions error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLoadSubscriptions_NamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "subs.json")
	if err := os.WriteFile(p, []byte("{\"subscriptions\":[\n{\"name\":\"a\",\"function\":\"f\",\"includedEventTypes\":[\"X\"]}]}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSubscriptions(p, nil)
	if err == nil || !strings.HasPrefix(err.Error(), p+":2: ") {
		t.Errorf("LoadSubscriptions error = %v, want prefix %s:2:", err, p)
	}
}

func TestDefaultSubscriptionsFile(t *testing.T) {
	subs, err := LoadSubscriptions(filepath.Join("..", "subscriptions.json"), map[string]string{"fhirAccount": "acct", "dicomHost": "dicomhost"})
	if err != nil {
		t.Fatal(err)
	}
	fhir := Event{Type: FhirResourceCreated, Data: json.RawMessage(`{"resourceType":"Patient","resourceFhirAccount":"acct"}`)}
	obs := Event{Type: FhirResourceCreated, Data: json.RawMessage(`{"resourceType":"Observation","resourceFhirAccount":"acct"}`)}
	other := Event{Type: FhirResourceCreated, Data: json.RawMessage(`{"resourceType":"Patient","resourceFhirAccount":"elsewhere"}`)}
	dicom := Event{Type: DicomImageCreated, Data: json.RawMessage(`{"imageStudyInstanceUid":"1.2","serviceHostName":"dicomhost"}`)}
	got := map[string][]string{}
	for _, e := range []Event{fhir, obs, other, dicom} {
		for i := range subs {
			if subs[i].Matches(e) {
				got[e.Type+"/"+string(e.Data)] = append(got[e.Type+"/"+string(e.Data)], subs[i].Function)
			}
		}
	}
	if f := got[FhirResourceCreated+"/"+string(fhir.Data)]; len(f) != 1 || f[0] != "fhir-events" {
		t.Errorf("Patient event → %v, want [fhir-events]", f)
	}
	if f := got[FhirResourceCreated+"/"+string(obs.Data)]; len(f) != 0 {
		t.Errorf("Observation event → %v, want none", f)
	}
	if f := got[FhirResourceCreated+"/"+string(other.Data)]; len(f) != 0 {
		t.Errorf("event of another FHIR account → %v, want none", f)
	}
	if f := got[DicomImageCreated+"/"+string(dicom.Data)]; len(f) != 1 || f[0] != "dicom-events" {
		t.Errorf("DICOM event → %v, want [dicom-events]", f)
	}
}

func TestParseSubscriptions_Placeholders(t *testing.T) {
	doc := "{\"subscriptions\":[\n{\"name\":\"a\",\"function\":\"f\",\"filter\":{\"advancedFilters\":[{\"operatorType\":\"StringIn\",\"key\":\"data.serviceHostName\",\"values\":[\"${dicomHost}\"]}]}}]}"
	subs, err := ParseSubscriptions([]byte(doc), map[string]string{"dicomHost": `h"1`})
	if err != nil {
		t.Fatal(err)
	}
	if !subs[0].Matches(Event{Data: json.RawMessage(`{"serviceHostName":"h\"1"}`)}) {
		t.Error("placeholder value not substituted")
	}
	_, err = ParseSubscriptions([]byte(doc), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "2: subscription 1: unknown placeholder(s) [dicomHost]") {
		t.Errorf("unknown placeholder error = %v", err)
	}
}

func FuzzParseSubscriptions(f *testing.F) {
	f.Add([]byte(`{"subscriptions":[{"name":"a","function":"f","filter":{"advancedFilters":[{"operatorType":"NumberInRange","key":"data.n","values":[[1,2]]}]}}]}`))
	f.Add([]byte(`{"subscriptions":[{"name":"a","function":"f","includedEventTypes":["x"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		subs, err := ParseSubscriptions(b, nil)
		if err != nil {
			return
		}
		for _, s := range subs {
			if s.Name == "" || s.Function == "" || s.Line < 1 {
				t.Fatalf("accepted subscription %+v", s)
			}
			s.Matches(Event{Type: DicomImageCreated, Data: json.RawMessage(`{"n":1}`)})
		}
	})
}
