package template

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDevice_Spellings(t *testing.T) {
	src := `{"TemplateType":"CollectionContentTemplate","Template":[
 {"templateType":"calculatedcontent","template":{"typeName":"a","typeMatchExpression":{"value":"Body","language":"JmesPath","extra":1},
   "deviceIdExpression":"$.Body.d","timestampExpression":"$.Body.t","defaultExpressionLanguage":"JsonPath",
   "values":[{"valueName":"v","valueExpression":"$.Body.v","required":"TRUE"},{"valueName":"w","valueExpression":"$.Body.w","required":0}]}},
 {"templateType":"JsonPathContentTemplate","template":{"TYPENAME":"b","typeMatchExpression":"$..[?(@x)]","deviceIdExpression":"$.d","timestampExpression":"$.t"}},
 {"templateType":"IotJsonPathContentTemplate","template":{"typeName":"c","typeMatchExpression":"$..[?(@Body.x)]","deviceIdExpression":"ignored"}},
 {"templateType":"IotCentralJsonPathContent","template":{"typeName":"d","typeMatchExpression":"$..[?(@telemetry.x)]"}}]}`
	m, err := ParseDevice([]byte(src))
	if err != nil {
		t.Fatalf("ParseDevice = %v", err)
	}
	if len(m.Templates) != 4 {
		t.Fatalf("got %d templates, want 4", len(m.Templates))
	}
	c := m.Templates[0]
	if c.Kind != CalculatedContent || c.TypeMatch.JMES == nil || !c.Values[0].Required || c.Values[1].Required {
		t.Errorf("calculated template = %+v", c)
	}
	if m.Templates[2].DeviceID.Text != "$.SystemProperties.iothub-connection-device-id" || m.Templates[2].TimestampFallback == nil {
		t.Errorf("iot template fixed expressions = %+v", m.Templates[2])
	}
	if m.Templates[3].Timestamp.Text != "$.enqueuedTime" {
		t.Errorf("iot central timestamp = %s", m.Templates[3].Timestamp.Text)
	}
}

func TestParseDevice_Problems(t *testing.T) {
	src := `{"templateType":"CollectionContent","template":[
 {"templateType":"JsonPathContent","template":{"typeName":"a","typeMatchExpression":"$.x",
   "deviceIdExpression":"$.[","timestampExpression":"$.t","bogus":1}},
 {"templateType":"CalculatedContent","template":{"typeName":"","typeMatchExpression":{"value":"nosuch(a)","language":"JmesPath"},
   "deviceIdExpression":"$.d","timestampExpression":"  ","values":[{"valueName":"v","required":"maybe"}]}},
 {"templateType":"JsonPathContent","template":{"typeName":"c","typeMatchExpression":{"value":"a","language":"JmesPath"},
   "deviceIdExpression":"$.d","timestampExpression":"$.t"}},
 {"templateType":"Unknown","template":{}}]}`
	_, err := ParseDevice([]byte(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ParseDevice error = %v, want *Error", err)
	}
	want := []struct {
		index int
		field string
		line  int
		msg   string
	}{
		{0, "bogus", 3, "could not find member"},
		{0, "deviceIdExpression", 3, "TemplateExpressionException"},
		{1, "typeName", 4, "typeName is required"},
		{1, "typeMatchExpression", 4, "unknown function"},
		{1, "timestampExpression", 5, "must not be blank"},
		{1, "values[0].valueExpression", 5, "required"},
		{1, "values[0].required", 5, "expected a boolean"},
		{2, "typeMatchExpression", 6, "Only JsonPath is supported"},
		{3, "templateType", 8, "No match found for template type Unknown."},
	}
	for _, w := range want {
		found := false
		for _, p := range e.Problems {
			if p.TemplateIndex == w.index && p.Field == w.field && p.Line == w.line && strings.Contains(p.Message, w.msg) && p.Mapping == MappingDevice {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem %+v in\n%v", w, e.Problems)
		}
	}
	if len(e.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(e.Problems), len(want), e.Problems)
	}
}

func TestParseDevice_Root(t *testing.T) {
	for _, give := range []string{`{`, `[]`, `{"templateType":"CollectionContent","template":{}}`, `{"templateType":"JsonPathContent","template":{}}`} {
		if _, err := ParseDevice([]byte(give)); err == nil {
			t.Errorf("ParseDevice(%s) = nil error", give)
		}
	}
}

func TestParseFHIR(t *testing.T) {
	src := `{"templateType":"CollectionFhir","template":[
 {"templateType":"CodeValueFhir","template":{"typeName":"hr","periodInterval":"Hourly","codes":[],
   "category":[{"text":"t","codes":[{"code":"c","system":"s"}]},{"system":"s2","code":"c2","display":"d2"}],
   "value":{"ValueType":"SampledData","valueName":"hr","defaultPeriod":1000,"unit":"count/min","other":1}}},
 {"templateType":"CodeValueFhirTemplate","template":{"typeName":"bp","codes":[{"code":"x"}],
   "components":[{"codes":[],"value":{"valueType":"quantity","valueName":"sys"}}]}}]}`
	m, err := ParseFHIR([]byte(src))
	if err != nil {
		t.Fatalf("ParseFHIR = %v", err)
	}
	hr := m.Lookup("HR")
	if hr == nil || hr.PeriodInterval != PeriodHourly || hr.GroupingPeriod() != PeriodHourly || hr.Value.PeriodMs != 1000 || len(hr.Category) != 2 {
		t.Fatalf("hr = %+v", hr)
	}
	if c := hr.Category[1]; c.Text != "" || len(c.Codes) != 1 || c.Codes[0].Display != "d2" {
		t.Errorf("flat category = %+v", c)
	}
	if bp := m.Lookup("bp"); bp.GroupingPeriod() != PeriodSingle || bp.Components[0].Value.Kind != Quantity {
		t.Errorf("bp = %+v", bp)
	}
}

func TestParseFHIR_Problems(t *testing.T) {
	src := `{"templateType":"CollectionFhir","template":[
 {"templateType":"CodeValueFhir","template":{"typeName":"a","periodInterval":30,"codes":[]}},
 {"templateType":"CodeValueFhir","template":{"typeName":"A","codes":[]}},
 {"templateType":"CodeValueFhir","template":{"typeName":"b","value":{"valueType":"SampledData","valueName":"x"}}},
 {"templateType":"CodeValueFhir","template":{"typeName":"c","codes":[],"components":[{"codes":[],"value":{"valueType":"Nope"}}]}}]}`
	_, err := ParseFHIR([]byte(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ParseFHIR error = %v", err)
	}
	fields := map[string]bool{}
	for _, p := range e.Problems {
		fields[itoa(p.TemplateIndex)+":"+p.Field] = true
	}
	for _, w := range []string{"0:periodInterval", "1:typeName", "2:codes", "2:value.defaultPeriod", "3:components[0].value.valueType"} {
		if !fields[w] {
			t.Errorf("missing problem %s in %v", w, e.Problems)
		}
	}
}

func FuzzParseDevice(f *testing.F) {
	f.Add(`{"templateType":"CollectionContent","template":[{"templateType":"JsonPathContent","template":{"typeName":"a","typeMatchExpression":"$..[?(@a)]","deviceIdExpression":"$.d","timestampExpression":"$.t","values":[{"valueName":"v","valueExpression":"$.v","required":"true"}]}}]}`)
	f.Add(`{"templateType":"CollectionContent","template":[{"templateType":"CalculatedContent","template":{"typeName":"a","typeMatchExpression":{"value":"Body[?x]","language":"JmesPath"}}}]}`)
	f.Add(`{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":{"typeName":"a","codes":[],"value":{"valueType":"Quantity","valueName":"v"}}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseDevice([]byte(s)); err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("ParseDevice error %v is not a *Error with problems", err)
			}
		}
		_, _ = ParseFHIR([]byte(s))
	})
}
