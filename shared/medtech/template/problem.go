// Package template parses Azure MedTech device mappings (CollectionContent
// of CalculatedContent, JsonPathContent, IotJsonPathContent and
// IotCentralJsonPathContent templates) and FHIR destination mappings
// (CollectionFhir of CodeValueFhir templates), compiling every expression
// at load time.
//
// Parsing collects every problem of a mapping (template index, field path,
// line and column) instead of stopping at the first, so the mapping
// debugger can report them all; a mapping with any problem is invalid.
// Parsed mappings are immutable and safe for concurrent use.
package template

import (
	"fmt"
	"strings"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// Mapping kinds named in problems.
const (
	MappingDevice = "device"
	MappingFHIR   = "fhir"
)

// Problem is one defect of a mapping.
type Problem struct {
	// Mapping is MappingDevice or MappingFHIR.
	Mapping string `json:"mapping"`
	// TemplateIndex is the 0-based index of the template in the
	// collection, or -1 for the collection itself.
	TemplateIndex int `json:"templateIndex"`
	// Field is the path of the offending member inside the template,
	// e.g. "values[1].valueExpression".
	Field string `json:"field"`
	// Line and Column locate the offending value (1-based; 0 = unknown).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Message says what is wrong. Its prefix is the MedTech exception name
	// (InvalidTemplateException or TemplateExpressionException).
	Message string `json:"message"`
}

// String formats the problem for logs and errors.
func (p Problem) String() string {
	loc := ""
	if p.Line > 0 {
		loc = fmt.Sprintf(" (line %d, column %d)", p.Line, p.Column)
	}
	return fmt.Sprintf("%s mapping template %d field %q%s: %s", p.Mapping, p.TemplateIndex, p.Field, loc, p.Message)
}

// Error reports an invalid mapping: every problem found.
type Error struct {
	Problems []Problem
}

// Error implements error.
func (e *Error) Error() string {
	parts := make([]string, 0, 3)
	for i, p := range e.Problems {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Problems)-3))
			break
		}
		parts = append(parts, p.String())
	}
	return "invalid mapping: " + strings.Join(parts, "; ")
}

// collector gathers problems while parsing one mapping document.
type collector struct {
	src      string
	mapping  string
	index    int
	problems []Problem
}

const (
	invalidTemplate   = "InvalidTemplateException"
	invalidExpression = "TemplateExpressionException"
)

func (c *collector) add(at *jsontree.Value, field, kind, format string, args ...any) {
	p := Problem{Mapping: c.mapping, TemplateIndex: c.index, Field: field, Message: kind + ": " + fmt.Sprintf(format, args...)}
	if at != nil && at.Offset >= 0 {
		p.Line, p.Column = jsontree.LineColumn(c.src, at.Offset)
	}
	c.problems = append(c.problems, p)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// members returns obj's members keyed by lowercase name, reporting members
// not in allowed (lowercase) and duplicates.
func (c *collector) members(obj *jsontree.Value, path string, allowed ...string) map[string]jsontree.Member {
	out := make(map[string]jsontree.Member, len(obj.Members))
	for _, m := range obj.Members {
		k := strings.ToLower(m.Key)
		ok := false
		for _, a := range allowed {
			if a == k {
				ok = true
				break
			}
		}
		if !ok {
			c.add(m.Value, join(path, m.Key), invalidTemplate, "could not find member '%s' on the template", m.Key)
			continue
		}
		if _, dup := out[k]; dup {
			c.add(m.Value, join(path, m.Key), invalidTemplate, "member '%s' is defined more than once", m.Key)
			continue
		}
		out[k] = m
	}
	return out
}

// str reads an optional string member; a non-string is a problem.
func (c *collector) str(ms map[string]jsontree.Member, key, path string) (string, *jsontree.Value, bool) {
	m, ok := ms[key]
	if !ok || m.Value.Kind == jsontree.Null {
		return "", nil, false
	}
	if m.Value.Kind != jsontree.String {
		c.add(m.Value, join(path, m.Key), invalidTemplate, "expected a string, got %s", m.Value.Kind)
		return "", m.Value, false
	}
	return m.Value.Str, m.Value, true
}

// boolean reads a MedTech boolean: true/false, "true"/"false" or a number.
func (c *collector) boolean(ms map[string]jsontree.Member, key, path string) bool {
	m, ok := ms[key]
	if !ok {
		return false
	}
	switch v := m.Value; v.Kind {
	case jsontree.Bool:
		return v.Bool
	case jsontree.Null:
		return false
	case jsontree.String:
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true":
			return true
		case "false":
			return false
		}
	case jsontree.Int, jsontree.Float:
		return v.Float64() != 0
	}
	c.add(m.Value, join(path, m.Key), invalidTemplate, "expected a boolean, got %s", m.Value.JSON())
	return false
}

// container checks a {templateType, template} object and returns the type
// (lowercase, without a "template" suffix) and the template member.
func (c *collector) container(v *jsontree.Value, path string) (string, *jsontree.Value, bool) {
	if v.Kind != jsontree.Object {
		c.add(v, path, invalidTemplate, "expected an object with templateType and template, got %s", v.Kind)
		return "", nil, false
	}
	tt := v.GetFold("templateType")
	t := v.GetFold("template")
	if tt == nil || tt.Kind != jsontree.String {
		c.add(v, join(path, "templateType"), invalidTemplate, "templateType is missing or not a string")
		return "", nil, false
	}
	if t == nil {
		c.add(v, join(path, "template"), invalidTemplate, "template is missing for template type %s", tt.Str)
		return "", nil, false
	}
	name := strings.ToLower(tt.Str)
	name = strings.TrimSuffix(name, "template")
	return name, t, true
}
