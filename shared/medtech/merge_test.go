package medtech

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

func seedGroups(t *testing.T, mode Mode, msg string) []Resolved {
	t.Helper()
	fm, err := template.ParseFHIR(readTestdata(t, "seed-fhir-mapping.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := NewNormalizer(mustDevice(t, readTestdata(t, "seed-device-mapping.json")))
	ms, err := n.Normalize(bodyEnvelope(t, []byte(msg)), nil)
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := Grouper{FHIR: fm, Mode: mode}.Group(ms)
	if len(errs) > 0 {
		t.Fatal(errs[0].Err)
	}
	var out []Resolved
	for _, g := range groups {
		id, e := DirectIdentity(g.Key)
		if e != nil {
			t.Fatal(e)
		}
		out = append(out, Resolved{Group: g, Identity: id})
	}
	return out
}

func seedMsg(when string, hr int) string {
	return `{"deviceId":"d1","patientId":"p1","measurementTime":"` + when + `","readings":{"heartRate":{"value":` + itoa(hr) + `}}}`
}

// stored simulates the server's copy: meta added, round-tripped through JSON.
func stored(t *testing.T, o *Observation) *Observation {
	t.Helper()
	b, _ := json.Marshal(o)
	b = []byte(strings.Replace(string(b), `{"resourceType":"Observation",`, `{"resourceType":"Observation","meta":{"versionId":"3"},"note":[{"text":"kept"}],`, 1))
	var x Observation
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	return &x
}

func TestApply_FHIRModeLatestReadingWins(t *testing.T) {
	b := Builder{Mode: ModeFHIR}
	first, _ := b.Apply(seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.200Z", 72)), nil, seedNow)
	x := stored(t, first[0].Result)

	newer, _ := b.Apply(seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.700Z", 75)), map[string]*Observation{x.ID: x}, seedNow.Add(time.Hour))
	r := newer[0]
	if r.ID != x.ID || !r.Changed || r.Result.Status != "amended" || r.Result.Quantity.Value != "75" || r.Result.EffectiveDateTime != "2024-01-15T14:30:00.700Z" {
		t.Errorf("newer reading: changed %v, result %+v", r.Changed, r.Result)
	}
	if r.Result.Issued != x.Issued || r.Result.VersionID() != "3" {
		t.Errorf("issued/meta not kept: %s %s", r.Result.Issued, r.Result.VersionID())
	}
	b2, _ := json.Marshal(r.Result)
	if !strings.Contains(string(b2), `"note":[{"text":"kept"}]`) {
		t.Errorf("unmodelled member lost: %s", b2)
	}
	validateR4(t, r.Result)

	older, _ := b.Apply(seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.100Z", 70)), map[string]*Observation{x.ID: x}, seedNow)
	if older[0].Changed {
		t.Errorf("older reading changed the observation: %+v", older[0].Result)
	}
	same, _ := b.Apply(seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.200Z", 72)), map[string]*Observation{x.ID: x}, seedNow.Add(time.Hour))
	if same[0].Changed {
		t.Errorf("re-processing changed the observation: %+v", same[0].Result)
	}
}

func TestApply_AzureMedTechWidensPeriod(t *testing.T) {
	b := Builder{Mode: ModeAzureMedTech}
	first, _ := b.Apply(seedGroups(t, ModeAzureMedTech, seedMsg("2024-01-15T14:30:00.700Z", 72)), nil, seedNow)
	x := stored(t, first[0].Result)
	next, _ := b.Apply(seedGroups(t, ModeAzureMedTech, seedMsg("2024-01-15T14:30:00.200Z", 70)), map[string]*Observation{x.ID: x}, seedNow)
	p := next[0].Result.EffectivePeriod
	if !next[0].Changed || p.Start != "2024-01-15T14:30:00.2000000Z" || p.End != "2024-01-15T14:30:00.7000000Z" || next[0].Result.Quantity.Value != "70" {
		t.Errorf("merge = %+v %+v", next[0].Result, p)
	}
}

func TestApply_SameIDGroupsMergeInMemory(t *testing.T) {
	b := Builder{Mode: ModeFHIR}
	gs := seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.700Z", 75))
	gs = append(gs, seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.200Z", 72))...)
	targets, errs := b.Apply(gs, nil, seedNow)
	if len(errs) != 0 || len(targets) != 1 {
		t.Fatalf("targets %d, errs %v", len(targets), errs)
	}
	if r := targets[0].Result; r.Status != "final" || r.Quantity.Value != "75" || r.EffectiveDateTime != "2024-01-15T14:30:00.700Z" {
		t.Errorf("result = %+v", r)
	}
}

func TestApply_ExistingValueOfAnotherType(t *testing.T) {
	b := Builder{Mode: ModeFHIR}
	first, _ := b.Apply(seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00Z", 72)), nil, seedNow)
	raw, _ := json.Marshal(first[0].Result)
	s := strings.Replace(string(raw), `"valueQuantity":{"value":72,"unit":"beats/min","system":"http://unitsofmeasure.org","code":"/min"}`, `"valueInteger":72`, 1)
	var x Observation
	if err := json.Unmarshal([]byte(s), &x); err != nil {
		t.Fatal(err)
	}
	_, errs := b.Apply(seedGroups(t, ModeFHIR, seedMsg("2024-01-15T14:30:00.500Z", 73)), map[string]*Observation{x.ID: &x}, seedNow)
	var e *Error
	if len(errs) != 1 || !errors.As(errs[0].Err, &e) || e.Name != ErrNotSupported {
		t.Errorf("errs = %+v, want NotSupportedException", errs)
	}
}

func TestApply_SampledDataMerge(t *testing.T) {
	dev := readCase(t, "case05-end-to-end-bloodpressure-sampleddata", "devicecontent.json")
	fm, err := template.ParseFHIR(readCase(t, "case05-end-to-end-bloodpressure-sampleddata", "fhirmapping.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := NewNormalizer(mustDevice(t, dev))
	run := func(date, sys string, existing map[string]*Observation) *Target {
		ms, err := n.Normalize(bodyEnvelope(t, []byte(`{"systolic":"`+sys+`","diastolic":"80","device":"abc","date":"`+date+`","patient":"patient123"}`)), nil)
		if err != nil {
			t.Fatal(err)
		}
		gs, _ := Grouper{FHIR: fm, Mode: ModeFHIR}.Group(ms)
		id, _ := DirectIdentity(gs[0].Key)
		ts, errs := Builder{Mode: ModeFHIR}.Apply([]Resolved{{gs[0], id}}, existing, seedNow)
		if len(errs) > 0 {
			t.Fatal(errs[0].Err)
		}
		return ts[0]
	}
	first := run("2023-10-09T19:18:23Z", "60", nil)
	x := stored(t, first.Result)
	second := run("2023-10-09T19:20:00Z", "61", map[string]*Observation{x.ID: x})
	tokens := strings.Split(second.Result.Component[1].SampledData.Data, " ")
	if !second.Changed || len(tokens) != 3600 || tokens[1103] != "60" || tokens[1200] != "61" {
		t.Errorf("merged tokens: changed %v, len %d, [1103]=%s [1200]=%s", second.Changed, len(tokens), tokens[1103], tokens[1200])
	}
	validateR4(t, second.Result)
}
