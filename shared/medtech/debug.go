package medtech

import (
	"fmt"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

// DebugError is one error entry of the mapping debugger (medtech.md §19).
type DebugError struct {
	MessageIndexes []int  `json:"messageIndexes"`
	Stage          string `json:"stage"`
	Error          string `json:"error"`
	Message        string `json:"message"`
	TemplateIndex  *int   `json:"templateIndex,omitempty"`
	TypeName       string `json:"typeName,omitempty"`
	Field          string `json:"field,omitempty"`
	Expression     string `json:"expression,omitempty"`
}

// DebugWarning is one warning of the mapping debugger.
type DebugWarning struct {
	Code           string `json:"code"`
	Message        string `json:"message"`
	MessageIndexes []int  `json:"messageIndexes,omitempty"`
	Mapping        string `json:"mapping,omitempty"`
	TemplateIndex  *int   `json:"templateIndex,omitempty"`
	TypeName       string `json:"typeName,omitempty"`
	Field          string `json:"field,omitempty"`
	Expression     string `json:"expression,omitempty"`
}

// DebugResult is the output of an offline run.
type DebugResult struct {
	Measurements []Measurement
	Observations []*Observation
	Errors       []DebugError
	Warnings     []DebugWarning
}

// Debugger runs mappings offline: Direct identity, no FHIR reads, groups
// with the same Observation id merged in memory.
type Debugger struct {
	Normalizer *Normalizer
	// FHIR is nil for normalization only.
	FHIR    *template.FHIRMapping
	Builder Builder
}

func debugError(sources []int, e *Error) DebugError {
	d := DebugError{MessageIndexes: sources, Stage: e.Stage, Error: e.Name, Message: e.Message}
	if e.Err != nil {
		d.Message += ": " + e.Err.Error()
	}
	if t := e.Template; t != nil {
		if t.Index >= 0 {
			i := t.Index
			d.TemplateIndex = &i
		}
		d.TypeName, d.Field, d.Expression = t.TypeName, t.Field, t.Expression
	}
	return d
}

func debugWarning(sources []int, w Warning) DebugWarning {
	d := DebugWarning{Code: w.Code, Message: w.Message, MessageIndexes: sources}
	if t := w.Template; t != nil {
		d.Mapping = t.Mapping
		if t.Index >= 0 {
			i := t.Index
			d.TemplateIndex = &i
		}
		d.TypeName, d.Field, d.Expression = t.TypeName, t.Field, t.Expression
	}
	return d
}

// Run normalizes the envelopes (nil entries are messages that failed to
// parse, reported through parseErrs) and, with a FHIR mapping, maps them.
func (d Debugger) Run(envs []*Envelope, parseErrs map[int]error, now time.Time) DebugResult {
	var r DebugResult
	if d.FHIR != nil {
		for _, w := range CrossCheck(d.Normalizer.mapping, d.FHIR) {
			r.Warnings = append(r.Warnings, debugWarning(nil, w))
		}
	}
	for i, env := range envs {
		if err, bad := parseErrs[i]; bad {
			r.Errors = append(r.Errors, debugError([]int{i}, asError(err)))
			continue
		}
		var warns []Warning
		ms, err := d.Normalizer.Normalize(env, &warns)
		for _, w := range warns {
			r.Warnings = append(r.Warnings, debugWarning([]int{i}, w))
		}
		if err != nil {
			r.Errors = append(r.Errors, debugError([]int{i}, asError(err)))
			continue
		}
		if len(ms) == 0 {
			r.Warnings = append(r.Warnings, DebugWarning{Code: WarnNoMeasurements, MessageIndexes: []int{i},
				Message: "the message produced no measurements"})
		}
		for j := range ms {
			ms[j].Source = i
		}
		r.Measurements = append(r.Measurements, ms...)
	}
	if d.FHIR == nil {
		return r
	}
	groups, gerrs := Grouper{FHIR: d.FHIR, Mode: d.Builder.Mode}.Group(r.Measurements)
	var resolved []Resolved
	for _, g := range groups {
		id, err := DirectIdentity(g.Key)
		if err != nil {
			err.Template = &TemplateRef{Mapping: template.MappingFHIR, Index: g.Template.Index, TypeName: g.Template.TypeName}
			gerrs = append(gerrs, GroupError{Sources: g.Sources, Err: err})
			continue
		}
		resolved = append(resolved, Resolved{Group: g, Identity: id})
	}
	targets, aerrs := d.Builder.Apply(resolved, nil, now)
	for _, ge := range append(gerrs, aerrs...) {
		r.Errors = append(r.Errors, debugError(ge.Sources, ge.Err))
	}
	for _, t := range targets {
		if t.Result != nil {
			r.Observations = append(r.Observations, t.Result)
		}
	}
	return r
}

// CrossCheck reports the mapping warnings of a device and FHIR mapping
// pair: device types without a FHIR template, FHIR valueNames no device
// template produces, and values that can never be produced.
func CrossCheck(dev *template.DeviceMapping, fhir *template.FHIRMapping) []Warning {
	var out []Warning
	produced := map[string]map[string]bool{}
	seen := map[string]bool{}
	for _, t := range dev.Templates {
		k := strings.ToLower(t.TypeName)
		if produced[k] == nil {
			produced[k] = map[string]bool{}
		}
		for _, v := range t.Values {
			produced[k][v.Name] = true
		}
		if fhir.Lookup(t.TypeName) == nil && !seen[k] {
			seen[k] = true
			out = append(out, Warning{Code: WarnNoFhirTemplate, Message: fmt.Sprintf("no CodeValueFhir template for device type %q", t.TypeName),
				Template: &TemplateRef{Mapping: template.MappingDevice, Index: t.Index, TypeName: t.TypeName}})
		}
	}
	for _, t := range fhir.Templates {
		vals := []*template.FHIRValue{t.Value}
		fields := []string{"value"}
		for i, c := range t.Components {
			vals = append(vals, c.Value)
			fields = append(fields, fmt.Sprintf("components[%d].value", i))
		}
		for i, v := range vals {
			if v == nil {
				continue
			}
			ref := &TemplateRef{Mapping: template.MappingFHIR, Index: t.Index, TypeName: t.TypeName, Field: fields[i], ValueName: v.ValueName}
			switch {
			case v.ValueName == "" && v.Kind != template.CodeableConcept:
				out = append(out, Warning{Code: WarnMissingValueName, Template: ref, Message: "the value has no valueName and never produces a value"})
			case v.ValueName != "" && !produced[strings.ToLower(t.TypeName)][v.ValueName]:
				out = append(out, Warning{Code: WarnUnusedValueName, Template: ref,
					Message: fmt.Sprintf("no device template of type %q produces valueName %q", t.TypeName, v.ValueName)})
			}
		}
	}
	return out
}
