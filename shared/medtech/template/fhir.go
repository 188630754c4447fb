package template

import (
	"strconv"
	"strings"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// Grouping periods of CodeValueFhir periodInterval, in minutes.
const (
	PeriodSingle        = 0
	PeriodHourly        = 60
	PeriodDaily         = 1440
	PeriodCorrelationID = -1
)

// Coding is a FHIR Coding from a template.
type Coding struct {
	Code, System, Display string
}

// Category is one Observation.category entry.
type Category struct {
	Text  string
	Codes []Coding
}

// ValueKind is a FHIR value type.
type ValueKind uint8

// The FHIR value types.
const (
	SampledData ValueKind = iota
	Quantity
	String
	CodeableConcept
)

var valueKinds = map[string]ValueKind{"sampleddata": SampledData, "quantity": Quantity, "string": String, "codeableconcept": CodeableConcept}

// FHIRValue is a value or component value template.
type FHIRValue struct {
	Kind      ValueKind
	ValueName string
	// DefaultPeriod is the SampledData period as written; PeriodMs its value.
	DefaultPeriod string
	PeriodMs      float64
	Unit          string
	System, Code  string
	Text          string
	Codes         []Coding
}

// Component is one Observation component template.
type Component struct {
	Codes []Coding
	Value *FHIRValue
}

// CodeValue is one CodeValueFhir template.
type CodeValue struct {
	Index          int
	TypeName       string
	PeriodInterval int
	Codes          []Coding
	Category       []Category
	Value          *FHIRValue
	Components     []Component
}

// HasSampledData reports whether the value or a component is SampledData,
// which makes the template group by its periodInterval (medtech.md D3).
func (t *CodeValue) HasSampledData() bool {
	if t.Value != nil && t.Value.Kind == SampledData {
		return true
	}
	for _, c := range t.Components {
		if c.Value.Kind == SampledData {
			return true
		}
	}
	return false
}

// GroupingPeriod returns the effective grouping mode: periodInterval for
// templates with SampledData, else PeriodSingle.
func (t *CodeValue) GroupingPeriod() int {
	if t.HasSampledData() {
		return t.PeriodInterval
	}
	return PeriodSingle
}

// FHIRMapping is a parsed FHIR destination mapping.
type FHIRMapping struct {
	Templates []*CodeValue
	byType    map[string]*CodeValue
}

// Lookup returns the template for a measurement type (case-insensitive).
func (m *FHIRMapping) Lookup(typeName string) *CodeValue {
	return m.byType[strings.ToLower(typeName)]
}

// ParseFHIR parses a FHIR destination mapping. A mapping with problems
// returns a *Error listing all of them.
func ParseFHIR(src []byte) (*FHIRMapping, error) {
	c := &collector{src: string(src), mapping: MappingFHIR, index: -1}
	root, err := jsontree.ParseString(c.src)
	if err != nil {
		p := Problem{Mapping: MappingFHIR, TemplateIndex: -1, Message: invalidTemplate + ": " + err.Error()}
		if se, ok := err.(*jsontree.SyntaxError); ok {
			p.Line, p.Column = jsontree.LineColumn(c.src, se.Offset)
		}
		return nil, &Error{Problems: []Problem{p}}
	}
	m := &FHIRMapping{byType: map[string]*CodeValue{}}
	typ, body, ok := c.container(root, "")
	if ok {
		if typ != "collectionfhir" {
			c.add(root, "templateType", invalidTemplate, "expected template type CollectionFhir, got %s", root.GetFold("templateType").Str)
		} else if body.Kind != jsontree.Array {
			c.add(body, "template", invalidTemplate, "Expected an array for the template property value for template type CollectionFhir.")
		} else {
			for i, item := range body.Items {
				c.index = i
				t := c.codeValue(item, i)
				if t == nil {
					continue
				}
				key := strings.ToLower(t.TypeName)
				if _, dup := m.byType[key]; dup {
					c.add(item, "typeName", invalidTemplate, "Duplicate template defined for type name: '%s'", t.TypeName)
					continue
				}
				m.byType[key] = t
				m.Templates = append(m.Templates, t)
			}
		}
	}
	if len(c.problems) > 0 {
		return nil, &Error{Problems: c.problems}
	}
	return m, nil
}

func (c *collector) codeValue(item *jsontree.Value, index int) *CodeValue {
	typ, body, ok := c.container(item, "")
	if !ok {
		return nil
	}
	if typ != "codevaluefhir" {
		c.add(item.GetFold("templateType"), "templateType", invalidTemplate, "No match found for template type %s.", item.GetFold("templateType").Str)
		return nil
	}
	if body.Kind != jsontree.Object {
		c.add(body, "template", invalidTemplate, "expected an object for template type CodeValueFhir, got %s", body.Kind)
		return nil
	}
	ms := c.members(body, "", "typename", "periodinterval", "codes", "category", "value", "components")
	t := &CodeValue{Index: index}
	name, nv, _ := c.str(ms, "typename", "")
	if strings.TrimSpace(name) == "" {
		c.add(orValue(nv, body), "typeName", invalidTemplate, "typeName is required")
		return nil
	}
	t.TypeName = name
	if m, ok := ms["periodinterval"]; ok {
		t.PeriodInterval = c.period(m.Value)
	}
	if m, ok := ms["codes"]; ok {
		t.Codes = c.codings(m.Value, "codes")
	} else {
		c.add(body, "codes", invalidTemplate, "codes is required")
	}
	if m, ok := ms["category"]; ok && m.Value.Kind != jsontree.Null {
		if m.Value.Kind != jsontree.Array {
			c.add(m.Value, "category", invalidTemplate, "expected an array, got %s", m.Value.Kind)
		} else {
			for i, it := range m.Value.Items {
				t.Category = append(t.Category, c.category(it, "category["+itoa(i)+"]"))
			}
		}
	}
	if m, ok := ms["value"]; ok && m.Value.Kind != jsontree.Null {
		t.Value = c.fhirValue(m.Value, "value", false)
	}
	if m, ok := ms["components"]; ok && m.Value.Kind != jsontree.Null {
		if m.Value.Kind != jsontree.Array {
			c.add(m.Value, "components", invalidTemplate, "expected an array, got %s", m.Value.Kind)
		}
		for i, it := range m.Value.Items {
			path := "components[" + itoa(i) + "]"
			if it.Kind != jsontree.Object {
				c.add(it, path, invalidTemplate, "expected an object, got %s", it.Kind)
				continue
			}
			cms := c.members(it, path, "codes", "value")
			var comp Component
			if m, ok := cms["codes"]; ok {
				comp.Codes = c.codings(m.Value, path+".codes")
			} else {
				c.add(it, path+".codes", invalidTemplate, "codes is required")
			}
			if m, ok := cms["value"]; ok && m.Value.Kind != jsontree.Null {
				comp.Value = c.fhirValue(m.Value, path+".value", true)
			} else {
				c.add(it, path+".value", invalidTemplate, "component value is required")
			}
			if comp.Value != nil {
				t.Components = append(t.Components, comp)
			}
		}
	}
	return t
}

func (c *collector) period(v *jsontree.Value) int {
	var n int
	switch v.Kind {
	case jsontree.Int:
		n, _ = strconv.Atoi(v.Str)
	case jsontree.String:
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "single":
			return PeriodSingle
		case "hourly":
			return PeriodHourly
		case "daily":
			return PeriodDaily
		case "correlationid":
			return PeriodCorrelationID
		}
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(v.Str)); err != nil {
			n = -2
		}
	default:
		n = -2
	}
	switch n {
	case PeriodSingle, PeriodHourly, PeriodDaily, PeriodCorrelationID:
		return n
	}
	c.add(v, "periodInterval", invalidTemplate, "periodInterval %s is not one of 0, 60, 1440, -1 (Single, Hourly, Daily, CorrelationId)", v.JSON())
	return PeriodSingle
}

func (c *collector) codings(v *jsontree.Value, path string) []Coding {
	if v.Kind != jsontree.Array {
		c.add(v, path, invalidTemplate, "expected an array of codes, got %s", v.Kind)
		return nil
	}
	out := []Coding{}
	for i, it := range v.Items {
		p := path + "[" + itoa(i) + "]"
		if it.Kind != jsontree.Object {
			c.add(it, p, invalidTemplate, "expected a code object, got %s", it.Kind)
			continue
		}
		ms := c.members(it, p, "code", "system", "display")
		var cd Coding
		cd.Code, _, _ = c.str(ms, "code", p)
		cd.System, _, _ = c.str(ms, "system", p)
		cd.Display, _, _ = c.str(ms, "display", p)
		out = append(out, cd)
	}
	return out
}

func (c *collector) category(v *jsontree.Value, path string) Category {
	if v.Kind != jsontree.Object {
		c.add(v, path, invalidTemplate, "expected a category object, got %s", v.Kind)
		return Category{}
	}
	if v.GetFold("codes") == nil && v.GetFold("text") == nil {
		// Flat Coding form of the seed example (medtech.md D2d).
		ms := c.members(v, path, "code", "system", "display")
		var cd Coding
		cd.Code, _, _ = c.str(ms, "code", path)
		cd.System, _, _ = c.str(ms, "system", path)
		cd.Display, _, _ = c.str(ms, "display", path)
		return Category{Codes: []Coding{cd}}
	}
	ms := c.members(v, path, "text", "codes")
	var cat Category
	cat.Text, _, _ = c.str(ms, "text", path)
	if m, ok := ms["codes"]; ok && m.Value.Kind != jsontree.Null {
		cat.Codes = c.codings(m.Value, path+".codes")
	}
	return cat
}

func (c *collector) fhirValue(v *jsontree.Value, path string, component bool) *FHIRValue {
	if v.Kind != jsontree.Object {
		c.add(v, path, invalidTemplate, "expected a value object, got %s", v.Kind)
		return nil
	}
	vt := v.Get("valueType")
	if vt == nil {
		vt = v.Get("ValueType")
	}
	if vt == nil || vt.Kind != jsontree.String {
		c.add(v, path+".valueType", invalidTemplate, "valueType is required")
		return nil
	}
	kind, ok := valueKinds[strings.ToLower(vt.Str)]
	if !ok {
		c.add(vt, path+".valueType", invalidTemplate, "unknown valueType %q", vt.Str)
		return nil
	}
	s := func(key string) string {
		if x := v.GetFold(key); x != nil && x.Kind == jsontree.String {
			return x.Str
		}
		return ""
	}
	fv := &FHIRValue{Kind: kind, ValueName: s("valueName"), Unit: s("unit"), System: s("system"), Code: s("code"), Text: s("text")}
	if component && strings.TrimSpace(fv.ValueName) == "" {
		c.add(v, path+".valueName", invalidTemplate, "every component value needs a valueName")
	}
	switch kind {
	case SampledData:
		p := v.GetFold("defaultPeriod")
		var f float64
		if p != nil && (p.IsNumber() || p.Kind == jsontree.String) {
			var err error
			f, err = strconv.ParseFloat(strings.TrimSpace(p.Str), 64)
			if err != nil {
				f = 0
			}
		}
		if f <= 0 {
			c.add(orValue(p, v), path+".defaultPeriod", invalidTemplate, "SampledData needs a defaultPeriod in milliseconds greater than 0")
			return nil
		}
		fv.DefaultPeriod, fv.PeriodMs = strings.TrimSpace(p.Str), f
	case CodeableConcept:
		if cs := v.GetFold("codes"); cs != nil && cs.Kind != jsontree.Null {
			fv.Codes = c.codings(cs, path+".codes")
		}
	}
	return fv
}
