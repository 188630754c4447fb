package eventgrid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Event Grid's advanced-filter limits.
const (
	MaxAdvancedFilters = 25
	MaxFilterValues    = 25
	maxKeyDepth        = 10
	maxStringValue     = 512
)

// Filter is a subscription's filter.
type Filter struct {
	SubjectBeginsWith, SubjectEndsWith string
	CaseSensitive                      bool
	Advanced                           []AdvancedFilter
}

// Match reports whether e passes the subject filters and every advanced
// filter (they are ANDed).
func (f Filter) Match(e Event) bool {
	subj, begins, ends := e.Subject, f.SubjectBeginsWith, f.SubjectEndsWith
	if !f.CaseSensitive {
		subj, begins, ends = strings.ToLower(subj), strings.ToLower(begins), strings.ToLower(ends)
	}
	if !strings.HasPrefix(subj, begins) || !strings.HasSuffix(subj, ends) {
		return false
	}
	if len(f.Advanced) == 0 {
		return true
	}
	doc := filterDocument(e)
	for _, af := range f.Advanced {
		if !af.Match(doc) {
			return false
		}
	}
	return true
}

// AdvancedFilter is one advanced filter.
type AdvancedFilter struct {
	Operator string
	// Key is the event member, e.g. "data.resourceType" or "subject".
	Key     string
	strings []string
	numbers []float64
	ranges  [][2]float64
	boolean bool
}

type operatorKind int

const (
	kindString operatorKind = iota
	kindNumberList
	kindNumberValue
	kindRange
	kindBool
	kindNull
)

var operators = map[string]operatorKind{
	"StringIn": kindString, "StringNotIn": kindString, "StringBeginsWith": kindString, "StringNotBeginsWith": kindString,
	"StringEndsWith": kindString, "StringNotEndsWith": kindString, "StringContains": kindString, "StringNotContains": kindString,
	"NumberIn": kindNumberList, "NumberNotIn": kindNumberList,
	"NumberLessThan": kindNumberValue, "NumberGreaterThan": kindNumberValue, "NumberLessThanOrEquals": kindNumberValue, "NumberGreaterThanOrEquals": kindNumberValue,
	"NumberInRange": kindRange, "NumberNotInRange": kindRange,
	"BoolEquals":        kindBool,
	"IsNullOrUndefined": kindNull, "IsNotNull": kindNull,
}

// ParseAdvancedFilter parses {"operatorType":…,"key":…,"values":[…]} (or
// "value" for the single-value operators) and checks it as Event Grid does
// at subscription time.
func ParseAdvancedFilter(raw json.RawMessage) (AdvancedFilter, error) {
	var j struct {
		OperatorType string          `json:"operatorType"`
		Key          string          `json:"key"`
		Values       json.RawMessage `json:"values"`
		Value        json.RawMessage `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return AdvancedFilter{}, err
	}
	kind, ok := operators[j.OperatorType]
	if !ok {
		names := make([]string, 0, len(operators))
		for k := range operators {
			names = append(names, k)
		}
		slices.Sort(names)
		return AdvancedFilter{}, fmt.Errorf("unknown operatorType %q (known: %s)", j.OperatorType, strings.Join(names, ", "))
	}
	if j.Key == "" {
		return AdvancedFilter{}, fmt.Errorf("%s: missing key", j.OperatorType)
	}
	if strings.Count(j.Key, ".") >= maxKeyDepth {
		return AdvancedFilter{}, fmt.Errorf("%s: key %q nests deeper than %d levels", j.OperatorType, j.Key, maxKeyDepth)
	}
	af := AdvancedFilter{Operator: j.OperatorType, Key: j.Key}
	bad := func(want string, err error) (AdvancedFilter, error) {
		return AdvancedFilter{}, fmt.Errorf("%s on %q: want %s: %w", j.OperatorType, j.Key, want, err)
	}
	needList := func() error {
		if len(j.Values) == 0 || string(j.Values) == "null" {
			return errors.New("missing values")
		}
		return nil
	}
	switch kind {
	case kindString:
		if err := needList(); err != nil {
			return bad("\"values\": [strings]", err)
		}
		if err := json.Unmarshal(j.Values, &af.strings); err != nil {
			return bad("\"values\": [strings]", err)
		}
		if len(af.strings) == 0 {
			return bad("\"values\": [strings]", errors.New("empty values"))
		}
		for _, s := range af.strings {
			if len(s) > maxStringValue {
				return bad("values of at most 512 characters", fmt.Errorf("value of %d characters", len(s)))
			}
		}
	case kindNumberList:
		if err := needList(); err != nil {
			return bad("\"values\": [numbers]", err)
		}
		if err := json.Unmarshal(j.Values, &af.numbers); err != nil || len(af.numbers) == 0 {
			return bad("\"values\": [numbers]", errors.Join(err, errors.New("no numbers")))
		}
	case kindNumberValue:
		var n float64
		if err := json.Unmarshal(j.Value, &n); err != nil {
			return bad("\"value\": number", err)
		}
		af.numbers = []float64{n}
	case kindRange:
		if err := needList(); err != nil {
			return bad("\"values\": [[low, high], …]", err)
		}
		if err := json.Unmarshal(j.Values, &af.ranges); err != nil || len(af.ranges) == 0 {
			return bad("\"values\": [[low, high], …]", errors.Join(err, errors.New("no ranges")))
		}
		for _, r := range af.ranges {
			if r[0] > r[1] {
				return bad("low ≤ high", fmt.Errorf("range [%v, %v]", r[0], r[1]))
			}
		}
	case kindBool:
		if err := json.Unmarshal(j.Value, &af.boolean); err != nil {
			return bad("\"value\": true or false", err)
		}
	case kindNull:
		if len(j.Values) > 0 || len(j.Value) > 0 {
			return bad("no values", errors.New("values given"))
		}
	}
	return af, nil
}

func (af AdvancedFilter) valueCount() int {
	return len(af.strings) + len(af.numbers) + len(af.ranges)
}

// filterDocument is the event as filter keys see it: the Event Grid schema
// members plus the CloudEvents attribute names as aliases.
func filterDocument(e Event) map[string]any {
	var data any
	if len(e.Data) > 0 {
		d := json.NewDecoder(bytes.NewReader(e.Data))
		d.UseNumber()
		_ = d.Decode(&data)
	}
	return map[string]any{
		"id": e.ID, "topic": e.Source, "source": e.Source, "subject": e.Subject,
		"eventType": e.Type, "type": e.Type, "dataVersion": e.DataVersion, "data": data,
	}
}

// lookup resolves a dotted key; ok is false when a segment is missing.
// Member names match case-insensitively.
func lookup(doc map[string]any, key string) (any, bool) {
	var cur any = doc
	for _, seg := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[seg]
		if !ok {
			found := false
			for k, mv := range m {
				if strings.EqualFold(k, seg) {
					v, found = mv, true
					break
				}
			}
			if !found {
				return nil, false
			}
		}
		cur = v
	}
	return cur, true
}

// Match evaluates the filter against a filter document. An array value
// matches when any element does. A missing key fails every operator except
// the negated ones (Not…) and IsNullOrUndefined.
func (af AdvancedFilter) Match(doc map[string]any) bool {
	v, ok := lookup(doc, af.Key)
	negated := strings.Contains(af.Operator, "Not") && af.Operator != "IsNotNull"
	switch af.Operator {
	case "IsNullOrUndefined":
		return !ok || v == nil
	case "IsNotNull":
		return ok && v != nil
	}
	if !ok || v == nil {
		return negated
	}
	vals, isArray := v.([]any)
	if !isArray {
		vals = []any{v}
	}
	if negated {
		for _, el := range vals {
			if !af.positive(el) {
				return false
			}
		}
		return true
	}
	return slices.ContainsFunc(vals, af.positive)
}

// positive evaluates the operator (for Not… operators: the negation of the
// base test, so "element passes").
func (af AdvancedFilter) positive(v any) bool {
	switch operators[af.Operator] {
	case kindString:
		s, ok := v.(string)
		if !ok {
			if n, isNum := v.(json.Number); isNum {
				s = n.String()
			} else if b, isBool := v.(bool); isBool {
				s = fmt.Sprint(b)
			} else {
				return strings.Contains(af.Operator, "Not")
			}
		}
		s = strings.ToLower(s)
		var test func(string, string) bool
		switch strings.Replace(af.Operator, "Not", "", 1) {
		case "StringIn":
			test = func(a, b string) bool { return a == b }
		case "StringBeginsWith":
			test = strings.HasPrefix
		case "StringEndsWith":
			test = strings.HasSuffix
		default:
			test = strings.Contains
		}
		hit := slices.ContainsFunc(af.strings, func(w string) bool { return test(s, strings.ToLower(w)) })
		return hit != strings.Contains(af.Operator, "Not")
	case kindBool:
		b, ok := v.(bool)
		return ok && b == af.boolean
	}
	n, ok := v.(json.Number)
	if !ok {
		return strings.Contains(af.Operator, "Not")
	}
	f, err := n.Float64()
	if err != nil {
		return strings.Contains(af.Operator, "Not")
	}
	switch af.Operator {
	case "NumberIn":
		return slices.Contains(af.numbers, f)
	case "NumberNotIn":
		return !slices.Contains(af.numbers, f)
	case "NumberLessThan":
		return f < af.numbers[0]
	case "NumberGreaterThan":
		return f > af.numbers[0]
	case "NumberLessThanOrEquals":
		return f <= af.numbers[0]
	case "NumberGreaterThanOrEquals":
		return f >= af.numbers[0]
	}
	in := slices.ContainsFunc(af.ranges, func(r [2]float64) bool { return f >= r[0] && f <= r[1] })
	return in != (af.Operator == "NumberNotInRange")
}
