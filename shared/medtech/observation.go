package medtech

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

// Identity is the resolved FHIR logical ids of a group (medtech.md §15).
type Identity struct {
	PatientID, DeviceID, EncounterID string
}

// ObservationIdentifier returns the identifier value and the Observation id
// of a group (medtech.md §12).
func ObservationIdentifier(g *Group, id Identity) (value, obsID string) {
	var segment string
	if g.Template.GroupingPeriod() == template.PeriodCorrelationID {
		segment = g.Key.CorrelationID
	} else {
		segment = idTime(g.Start) + "." + idTime(g.End)
	}
	value = id.PatientID + "." + id.DeviceID + "." + g.Key.Type + "." + segment
	return value, HashID(ServiceSystem, value)
}

// HashID is the lowercase hex SHA-256 of system + "_" + value, the id
// MedTech gives the resources it creates.
func HashID(system, value string) string {
	sum := sha256.Sum256([]byte(system + "_" + value))
	return hex.EncodeToString(sum[:])
}

func idTime(t time.Time) string { return t.UTC().Format("20060102150405") + "Z" }

// Builder builds and merges Observations for one output mode.
type Builder struct {
	Mode Mode
}

func (b Builder) instant(t time.Time) string {
	if b.Mode == ModeAzureMedTech {
		return formatFixed(t, 7) + "Z"
	}
	return formatFixed(t, 3) + "Z"
}

func (b Builder) issued(t time.Time) string {
	if b.Mode == ModeAzureMedTech {
		return formatFixed(t, 7) + "+00:00"
	}
	return formatFixed(t, 3) + "Z"
}

func codings(cs []template.Coding) []Coding {
	out := make([]Coding, 0, len(cs))
	for _, c := range cs {
		out = append(out, Coding{System: blank(c.System), Code: blank(c.Code), Display: blank(c.Display)})
	}
	return out
}

// blank drops whitespace-only template strings (medtech.md §11).
func blank(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return s
}

func (b Builder) code(cs []template.Coding, name string) CodeableConcept {
	cc := CodeableConcept{Coding: codings(cs)}
	if b.Mode == ModeAzureMedTech {
		cc.Coding = append(cc.Coding, Coding{System: ServiceSystem, Code: name, Display: name})
		cc.Text = name
	} else if len(cc.Coding) == 0 {
		cc.Text = name
	}
	if len(cc.Coding) == 0 {
		cc.Coding = nil
	}
	return cc
}

func (b Builder) componentCode(cs []template.Coding, name string) CodeableConcept {
	cc := CodeableConcept{Coding: codings(cs), Text: name}
	if b.Mode == ModeAzureMedTech {
		cc.Coding = append(cc.Coding, Coding{System: ServiceSystem, Code: name, Display: name})
	}
	if len(cc.Coding) == 0 {
		cc.Coding = nil
	}
	return cc
}

func categories(t *template.CodeValue) []CodeableConcept {
	var out []CodeableConcept
	for _, c := range t.Category {
		cc := CodeableConcept{Text: blank(c.Text), Coding: codings(c.Codes)}
		if len(cc.Coding) == 0 {
			cc.Coding = nil
		}
		out = append(out, cc)
	}
	return out
}

// singleMode reports whether the template groups per reading (no SampledData).
func singleMode(t *template.CodeValue) bool { return !t.HasSampledData() }

func (b Builder) effective(o *Observation, t *template.CodeValue, start, end time.Time) {
	o.EffectiveDateTime, o.EffectivePeriod = "", nil
	if b.Mode == ModeFHIR && t.GroupingPeriod() == template.PeriodSingle && start.Equal(end) {
		o.EffectiveDateTime = b.instant(start)
		return
	}
	o.EffectivePeriod = &Period{Start: b.instant(start), End: b.instant(end)}
}

// Build creates the Observation of a group (medtech.md §11).
func (b Builder) Build(g *Group, id Identity, issued time.Time) (*Observation, error) {
	value, obsID := ObservationIdentifier(g, id)
	t := g.Template
	o := &Observation{
		ResourceType: "Observation",
		ID:           obsID,
		Identifier:   []Identifier{{System: ServiceSystem, Value: value}},
		Status:       "final",
		Category:     categories(t),
		Code:         b.code(t.Codes, g.Key.Type),
		Subject:      &Reference{Reference: "Patient/" + id.PatientID},
		Issued:       b.issued(issued),
		Device:       &Reference{Reference: "Device/" + id.DeviceID},
	}
	if id.EncounterID != "" {
		o.Encounter = &Reference{Reference: "Encounter/" + id.EncounterID}
	}
	b.effective(o, t, g.Start, g.End)
	if t.Value != nil {
		v, ok, err := b.value(t.Value, g, g.Start, g.End, nil)
		if err != nil {
			return nil, err
		}
		if ok {
			o.ObservationValue = v
		}
	}
	for _, c := range t.Components {
		v, ok, err := b.value(c.Value, g, g.Start, g.End, nil)
		if err != nil {
			return nil, err
		}
		if ok {
			o.Component = append(o.Component, ObservationComponent{Code: b.componentCode(c.Codes, c.Value.ValueName), ObservationValue: v})
		}
	}
	return o, nil
}

func mappingError(g *Group, name, field, format string, args ...any) *Error {
	return &Error{Name: name, Stage: StageMapping, Message: fmt.Sprintf(format, args...),
		Template: &TemplateRef{Mapping: template.MappingFHIR, Index: g.Template.Index, TypeName: g.Template.TypeName, Field: field}}
}

// value renders a value template for a group; ok is false when the group
// has no data for it. existing (SampledData only) is merged.
func (b Builder) value(vt *template.FHIRValue, g *Group, start, end time.Time, existing []TimedValue) (ObservationValue, bool, error) {
	var out ObservationValue
	vals := g.Values[vt.ValueName]
	if vt.Kind == template.CodeableConcept {
		if vt.ValueName != "" && len(vals) == 0 {
			return out, false, nil
		}
		cc := CodeableConcept{Text: blank(vt.Text), Coding: codings(vt.Codes)}
		if len(cc.Coding) == 0 {
			cc.Coding = nil
		}
		out.CodeableConcept = &cc
		return out, true, nil
	}
	if vt.ValueName == "" || len(vals) == 0 {
		return out, false, nil
	}
	switch vt.Kind {
	case template.Quantity:
		if len(vals) != 1 {
			return out, false, mappingError(g, ErrInvalidQuantityFhirValue, vt.ValueName, "Expected 1 value. Received %d.", len(vals))
		}
		d, ok := parseDecimal(vals[0].Value)
		if !ok {
			return out, false, mappingError(g, ErrInvalidQuantityFhirValue, vt.ValueName, "Error encountered processing value: %s.", vals[0].Value)
		}
		out.Quantity = &Quantity{Value: jsonNumber(d), Unit: blank(vt.Unit), System: blank(vt.System), Code: blank(vt.Code)}
	case template.String:
		if len(vals) != 1 {
			return out, false, mappingError(g, ErrNotSupported, vt.ValueName, "Expected 1 value for a String value. Received %d.", len(vals))
		}
		s := vals[0].Value
		out.String = &s
	case template.SampledData:
		merged := mergeValues(existing, vals)
		data, err := encodeSampled(merged, start, end, periodTicks(vt.PeriodMs))
		if err != nil {
			e := err.(*Error)
			e.Template = mappingError(g, "", vt.ValueName, "").Template
			return out, false, e
		}
		out.SampledData = &SampledData{Origin: Quantity{Value: "0", Unit: blank(vt.Unit)}, Period: jsonNumber(vt.DefaultPeriod), Dimensions: 1, Data: data}
	}
	return out, true, nil
}
