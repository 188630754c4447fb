package template

import (
	"strings"

	"github.com/ahds-events/ahds/shared/medtech/jmespath"
	"github.com/ahds-events/ahds/shared/medtech/jsonpath"
	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// Kind is a device template type.
type Kind uint8

// The device template types.
const (
	CalculatedContent Kind = iota
	JSONPathContent
	IotJSONPathContent
	IotCentralJSONPathContent
)

var kindNames = [...]string{"CalculatedContent", "JsonPathContent", "IotJsonPathContent", "IotCentralJsonPathContent"}

// String returns the MedTech spelling of the type.
func (k Kind) String() string { return kindNames[k] }

// Legacy reports whether the type is one of the JSONPath-only types that
// evaluate expressions on the matched token (and get the seed fallback).
func (k Kind) Legacy() bool { return k != CalculatedContent }

// Language is an expression language.
type Language uint8

// The expression languages.
const (
	JSONPath Language = iota
	JMESPath
)

// Expression is one compiled template expression.
type Expression struct {
	// Text is the expression as written.
	Text string
	// Language is the expression's language.
	Language Language
	// Field is the template field it came from (e.g. "deviceIdExpression").
	Field string
	// Path is set for JSONPath, JMES for JMESPath.
	Path *jsonpath.Path
	JMES *jmespath.Expr
}

// Value is one entry of a template's values array.
type Value struct {
	Name       string
	Expression *Expression
	Required   bool
}

// Device is one device template.
type Device struct {
	// Index is the template's position in the collection.
	Index    int
	Kind     Kind
	TypeName string
	// TypeMatch selects the matches; DeviceID and Timestamp are always
	// set; the others are nil when absent.
	TypeMatch, DeviceID, Timestamp        *Expression
	TimestampFallback                     *Expression
	PatientID, EncounterID, CorrelationID *Expression
	Values                                []Value
}

// DeviceMapping is a parsed device mapping.
type DeviceMapping struct {
	Templates []*Device
}

// Fixed expressions of the IoT template types (medtech.md §5.3).
var (
	iotDeviceID          = mustPath("$.SystemProperties.iothub-connection-device-id", "deviceIdExpression")
	iotTimestamp         = mustPath("$.Properties.iothub-creation-time-utc", "timestampExpression")
	iotTimestampFallback = mustPath("$.SystemProperties.iothub-enqueuedtime", "timestampExpression")
	centralDeviceID      = mustPath("$.deviceId", "deviceIdExpression")
	centralTimestamp     = mustPath("$.enqueuedTime", "timestampExpression")
)

func mustPath(s, field string) *Expression {
	p, err := jsonpath.Compile(s)
	if err != nil {
		panic(err)
	}
	return &Expression{Text: s, Field: field, Path: p}
}

// ParseDevice parses a device mapping. A mapping with problems returns a
// *Error listing all of them.
func ParseDevice(src []byte) (*DeviceMapping, error) {
	c := &collector{src: string(src), mapping: MappingDevice, index: -1}
	root, err := jsontree.ParseString(c.src)
	if err != nil {
		se, _ := err.(*jsontree.SyntaxError)
		p := Problem{Mapping: MappingDevice, TemplateIndex: -1, Message: invalidTemplate + ": " + err.Error()}
		if se != nil {
			p.Line, p.Column = jsontree.LineColumn(c.src, se.Offset)
		}
		return nil, &Error{Problems: []Problem{p}}
	}
	m := &DeviceMapping{}
	typ, body, ok := c.container(root, "")
	if ok {
		if typ != "collectioncontent" {
			c.add(root, "templateType", invalidTemplate, "expected template type CollectionContent, got %s", root.GetFold("templateType").Str)
		} else if body.Kind != jsontree.Array {
			c.add(body, "template", invalidTemplate, "Expected an array for the template property value for template type CollectionContent.")
		} else {
			for i, item := range body.Items {
				c.index = i
				if d := c.device(item, i); d != nil {
					m.Templates = append(m.Templates, d)
				}
			}
		}
	}
	if len(c.problems) > 0 {
		return nil, &Error{Problems: c.problems}
	}
	return m, nil
}

var deviceKinds = map[string]Kind{
	"calculatedcontent": CalculatedContent, "jsonpathcontent": JSONPathContent,
	"iotjsonpathcontent": IotJSONPathContent, "iotcentraljsonpathcontent": IotCentralJSONPathContent,
}

func (c *collector) device(item *jsontree.Value, index int) *Device {
	typ, body, ok := c.container(item, "")
	if !ok {
		return nil
	}
	kind, known := deviceKinds[typ]
	if !known {
		c.add(item.GetFold("templateType"), "templateType", invalidTemplate, "No match found for template type %s.", item.GetFold("templateType").Str)
		return nil
	}
	if body.Kind != jsontree.Object {
		c.add(body, "template", invalidTemplate, "expected an object for template type %s, got %s", kind, body.Kind)
		return nil
	}
	allowed := []string{"typename", "typematchexpression", "deviceidexpression", "timestampexpression", "patientidexpression",
		"encounteridexpression", "correlationidexpression", "values"}
	if kind == CalculatedContent {
		allowed = append(allowed, "defaultexpressionlanguage")
	}
	ms := c.members(body, "", allowed...)
	d := &Device{Index: index, Kind: kind}
	name, nv, _ := c.str(ms, "typename", "")
	if strings.TrimSpace(name) == "" {
		c.add(orValue(nv, body), "typeName", invalidTemplate, "typeName is required")
	}
	d.TypeName = name
	lang := JSONPath
	if kind == CalculatedContent {
		if s, v, ok := c.str(ms, "defaultexpressionlanguage", ""); ok {
			switch strings.ToLower(s) {
			case "jsonpath":
			case "jmespath":
				lang = JMESPath
			default:
				c.add(v, "defaultExpressionLanguage", invalidTemplate, "unknown expression language %q", s)
			}
		}
	}
	expr := func(key, field string, required bool) *Expression {
		return c.expression(ms, key, field, required, kind, lang, body)
	}
	d.TypeMatch = expr("typematchexpression", "typeMatchExpression", true)
	switch kind {
	case IotJSONPathContent:
		d.DeviceID, d.Timestamp, d.TimestampFallback = iotDeviceID, iotTimestamp, iotTimestampFallback
	case IotCentralJSONPathContent:
		d.DeviceID, d.Timestamp = centralDeviceID, centralTimestamp
	default:
		d.DeviceID = expr("deviceidexpression", "deviceIdExpression", true)
		d.Timestamp = expr("timestampexpression", "timestampExpression", true)
	}
	d.PatientID = expr("patientidexpression", "patientIdExpression", false)
	d.EncounterID = expr("encounteridexpression", "encounterIdExpression", false)
	d.CorrelationID = expr("correlationidexpression", "correlationIdExpression", false)
	if m, ok := ms["values"]; ok && m.Value.Kind != jsontree.Null {
		if m.Value.Kind != jsontree.Array {
			c.add(m.Value, "values", invalidTemplate, "expected an array, got %s", m.Value.Kind)
		} else {
			for i, v := range m.Value.Items {
				if val, ok := c.value(v, i, kind, lang); ok {
					d.Values = append(d.Values, val)
				}
			}
		}
	}
	return d
}

func orValue(v, fallback *jsontree.Value) *jsontree.Value {
	if v != nil {
		return v
	}
	return fallback
}

func (c *collector) value(v *jsontree.Value, i int, kind Kind, lang Language) (Value, bool) {
	path := "values[" + itoa(i) + "]"
	if v.Kind != jsontree.Object {
		c.add(v, path, invalidTemplate, "expected an object, got %s", v.Kind)
		return Value{}, false
	}
	ms := c.members(v, path, "valuename", "valueexpression", "required")
	name, nv, _ := c.str(ms, "valuename", path)
	if strings.TrimSpace(name) == "" {
		c.add(orValue(nv, v), path+".valueName", invalidTemplate, "valueName is required")
	}
	e := c.expression(ms, "valueexpression", path+".valueExpression", true, kind, lang, v)
	return Value{Name: name, Expression: e, Required: c.boolean(ms, "required", path)}, e != nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// expression reads and compiles an expression member.
func (c *collector) expression(ms map[string]jsontree.Member, key, field string, required bool, kind Kind, lang Language, owner *jsontree.Value) *Expression {
	m, ok := ms[key]
	if !ok || m.Value.Kind == jsontree.Null {
		if required {
			c.add(owner, field, invalidTemplate, "%s is required", field)
		}
		return nil
	}
	v := m.Value
	text := ""
	switch v.Kind {
	case jsontree.String:
		text = v.Str
	case jsontree.Object:
		val := v.GetFold("value")
		if val == nil || val.Kind != jsontree.String {
			c.add(v, field+".value", invalidTemplate, "expression value is required")
			return nil
		}
		text = val.Str
		if l := v.GetFold("language"); l != nil && l.Kind != jsontree.Null {
			switch strings.ToLower(l.Str) {
			case "jsonpath":
				lang = JSONPath
			case "jmespath":
				lang = JMESPath
			default:
				c.add(l, field+".language", invalidTemplate, "unknown expression language %s", l.JSON())
				return nil
			}
		}
	default:
		c.add(v, field, invalidTemplate, "expected an expression string or object, got %s", v.Kind)
		return nil
	}
	if kind.Legacy() && lang == JMESPath {
		c.add(v, field, invalidExpression, "Only JsonPath is supported for template type %s", kind)
		return nil
	}
	if strings.TrimSpace(text) == "" {
		if required {
			c.add(v, field, invalidTemplate, "%s is required and must not be blank", field)
		}
		return nil
	}
	e := &Expression{Text: text, Language: lang, Field: field}
	var err error
	if lang == JMESPath {
		e.JMES, err = jmespath.Compile(text)
	} else {
		e.Path, err = jsonpath.Compile(text)
	}
	if err != nil {
		c.add(v, field, invalidExpression, "%v", err)
		return nil
	}
	return e
}
