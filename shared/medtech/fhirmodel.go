package medtech

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// ServiceSystem is the identifier system of MedTech Observations.
const ServiceSystem = "https://azure.microsoft.com/en-us/services/iomt-fhir-connector/"

// Coding is a FHIR Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a FHIR Identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Reference is a FHIR Reference.
type Reference struct {
	Reference string `json:"reference"`
}

// Period is a FHIR Period.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Quantity is a FHIR Quantity; Value is the decimal's canonical text.
type Quantity struct {
	Value  json.Number `json:"value"`
	Unit   string      `json:"unit,omitempty"`
	System string      `json:"system,omitempty"`
	Code   string      `json:"code,omitempty"`
}

// SampledData is a FHIR SampledData.
type SampledData struct {
	Origin     Quantity    `json:"origin"`
	Period     json.Number `json:"period"`
	Dimensions int         `json:"dimensions"`
	Data       string      `json:"data,omitempty"`
}

// ObservationValue holds an Observation's or component's value[x]; at most
// one member is set.
type ObservationValue struct {
	Quantity        *Quantity        `json:"valueQuantity,omitempty"`
	String          *string          `json:"valueString,omitempty"`
	SampledData     *SampledData     `json:"valueSampledData,omitempty"`
	CodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
}

func (v ObservationValue) empty() bool {
	return v.Quantity == nil && v.String == nil && v.SampledData == nil && v.CodeableConcept == nil
}

// ObservationComponent is one Observation.component.
type ObservationComponent struct {
	Code CodeableConcept `json:"code"`
	ObservationValue
	extra map[string]json.RawMessage
}

// Observation is the subset of FHIR R4 Observation the engine writes;
// members of an existing resource it does not model are kept verbatim.
type Observation struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id,omitempty"`
	Meta              json.RawMessage   `json:"meta,omitempty"`
	Identifier        []Identifier      `json:"identifier,omitempty"`
	Status            string            `json:"status"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	ObservationValue
	Device    *Reference             `json:"device,omitempty"`
	Component []ObservationComponent `json:"component,omitempty"`
	extra     map[string]json.RawMessage
}

// VersionID returns meta.versionId of a resource read from the server.
func (o *Observation) VersionID() string {
	var m struct {
		VersionID string `json:"versionId"`
	}
	_ = json.Unmarshal(o.Meta, &m)
	return m.VersionID
}

type observationAlias Observation
type componentAlias ObservationComponent

// MarshalJSON writes the modelled members in FHIR element order, then the
// unmodelled members of an existing resource.
func (o Observation) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(observationAlias(o))
	if err != nil {
		return nil, err
	}
	return appendExtra(b, o.extra)
}

// MarshalJSON writes the component, keeping unmodelled members.
func (c ObservationComponent) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(componentAlias(c))
	if err != nil {
		return nil, err
	}
	return appendExtra(b, c.extra)
}

func appendExtra(b []byte, extra map[string]json.RawMessage) ([]byte, error) {
	if len(extra) == 0 {
		return b, nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = b[:len(b)-1]
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		b = append(b, ',')
		b = append(b, kb...)
		b = append(b, ':')
		b = append(b, extra[k]...)
	}
	return append(b, '}'), nil
}

var observationKeys = map[string]bool{"resourceType": true, "id": true, "meta": true, "identifier": true, "status": true,
	"category": true, "code": true, "subject": true, "encounter": true, "effectiveDateTime": true, "effectivePeriod": true,
	"issued": true, "valueQuantity": true, "valueString": true, "valueSampledData": true, "valueCodeableConcept": true,
	"device": true, "component": true}

var componentKeys = map[string]bool{"code": true, "valueQuantity": true, "valueString": true, "valueSampledData": true, "valueCodeableConcept": true}

// UnmarshalJSON reads a stored Observation, keeping unmodelled members.
func (o *Observation) UnmarshalJSON(b []byte) error {
	var a observationAlias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	extra, err := extraMembers(b, observationKeys)
	if err != nil {
		return err
	}
	*o = Observation(a)
	o.extra = extra
	return nil
}

// UnmarshalJSON reads a stored component, keeping unmodelled members.
func (c *ObservationComponent) UnmarshalJSON(b []byte) error {
	var a componentAlias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	extra, err := extraMembers(b, componentKeys)
	if err != nil {
		return err
	}
	*c = ObservationComponent(a)
	c.extra = extra
	return nil
}

func extraMembers(b []byte, known map[string]bool) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&all); err != nil {
		return nil, fmt.Errorf("decode observation: %w", err)
	}
	var extra map[string]json.RawMessage
	for k, v := range all {
		if !known[k] {
			if extra == nil {
				extra = map[string]json.RawMessage{}
			}
			extra[k] = v
		}
	}
	return extra, nil
}

// otherValueType returns the name of a value[x] member the engine does not
// write (valueInteger, valueBoolean, …), or "".
func otherValueType(extra map[string]json.RawMessage) string {
	for k := range extra {
		if len(k) > 5 && k[:5] == "value" {
			return k
		}
	}
	return ""
}
