package medtech

import (
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

func TestGroup_OrderAndDedupe(t *testing.T) {
	fm, err := template.ParseFHIR(readTestdata(t, "seed-fhir-mapping.json"))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { return mustTime(s) }
	m := func(dev, when, v string, ingest time.Time, src int) Measurement {
		return Measurement{Type: "heartRate", DeviceID: dev, PatientID: "p", OccurrenceTimeUtc: at(when), IngestionTimeUtc: ingest,
			Properties: []Property{{Name: "heartRate", Value: v}}, Source: src}
	}
	t0 := at("2024-01-01T00:00:00Z")
	ms := []Measurement{
		m("A", "2024-01-15T14:30:00Z", "1", t0, 0),
		m("B", "2024-01-15T14:30:00Z", "2", t0, 1),
		m("A", "2024-01-15T15:30:00Z", "3", t0, 2),
		m("A", "2024-01-15T14:30:00Z", "4", t0.Add(time.Second), 3), // later ingestion wins
		m("A", "2024-01-15T14:30:00Z", "5", t0.Add(time.Second), 4), // tie: earlier in batch wins
		{Type: "nosuch", DeviceID: "A", OccurrenceTimeUtc: t0, Source: 5},
	}
	groups, errs := Grouper{FHIR: fm, Mode: ModeFHIR}.Group(ms)
	if len(errs) != 1 || errs[0].Err.Name != ErrTemplateNotFound || errs[0].Sources[0] != 5 {
		t.Errorf("errs = %+v", errs)
	}
	var got []string
	for _, g := range groups {
		got = append(got, g.Key.DeviceID+"@"+g.Start.Format("15:04")+"="+g.Values["heartRate"][0].Value)
	}
	want := []string{"A@14:30=4", "B@14:30=2", "A@15:30=3"}
	if len(got) != len(want) {
		t.Fatalf("groups = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("groups = %v, want %v", got, want)
			break
		}
	}
}

func TestGroup_HourlyAndCorrelation(t *testing.T) {
	fm, err := template.ParseFHIR([]byte(`{"templateType":"CollectionFhir","template":[
 {"templateType":"CodeValueFhir","template":{"typeName":"hr","periodInterval":60,"codes":[],"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":1000}}},
 {"templateType":"CodeValueFhir","template":{"typeName":"c","periodInterval":-1,"codes":[],"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":60000}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(typ, when, corr string) Measurement {
		return Measurement{Type: typ, DeviceID: "d", PatientID: "p", CorrelationID: corr, OccurrenceTimeUtc: mustTime(when), Properties: []Property{{"hr", "1"}}}
	}
	groups, errs := Grouper{FHIR: fm, Mode: ModeAzureMedTech}.Group([]Measurement{
		mk("hr", "2024-01-15T14:30:00Z", ""), mk("hr", "2024-01-15T14:59:00Z", ""),
		mk("c", "2024-01-15T14:30:00Z", "s1"), mk("c", "2024-01-15T16:00:00Z", "s1"), mk("c", "2024-01-15T16:00:00Z", ""),
	})
	if len(errs) != 1 || errs[0].Err.Name != ErrCorrelationIDNotDefined {
		t.Errorf("errs = %+v", errs)
	}
	if len(groups) != 2 {
		t.Fatalf("groups = %d", len(groups))
	}
	if h := groups[0]; h.Start != mustTime("2024-01-15T14:00:00Z") || h.End != mustTime("2024-01-15T14:59:59.9999999Z") || len(h.Values["hr"]) != 2 {
		t.Errorf("hourly group = %v..%v %v", h.Start, h.End, h.Values)
	}
	c := groups[1]
	if c.Start != mustTime("2024-01-15T14:30:00Z") || c.End != mustTime("2024-01-15T16:00:00Z") {
		t.Errorf("correlation group = %v..%v", c.Start, c.End)
	}
	value, _ := ObservationIdentifier(c, Identity{PatientID: "p", DeviceID: "d"})
	if value != "p.d.c.s1" {
		t.Errorf("correlation identifier = %s", value)
	}
}
