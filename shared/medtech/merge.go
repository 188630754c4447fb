package medtech

import (
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
	"github.com/ahds-events/ahds/shared/medtech/template"
)

// bounds returns an Observation's effective interval.
func (o *Observation) bounds() (start, end time.Time, ok bool) {
	if o.EffectiveDateTime != "" {
		t, ok := ParseTime(o.EffectiveDateTime)
		return t, t, ok
	}
	if o.EffectivePeriod != nil {
		s, ok1 := ParseTime(o.EffectivePeriod.Start)
		e, ok2 := ParseTime(o.EffectivePeriod.End)
		if ok1 && !ok2 {
			e, ok2 = s, true
		}
		return s, e, ok1 && ok2
	}
	return time.Time{}, time.Time{}, false
}

func clone(o *Observation) (*Observation, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var c Observation
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Merge applies a group to an existing Observation x (medtech.md §14). It
// returns the merged resource and whether it differs from x; x is not
// modified.
func (b Builder) Merge(x *Observation, g *Group) (*Observation, bool, error) {
	o, err := clone(x)
	if err != nil {
		return nil, false, fmt.Errorf("copy existing observation: %w", err)
	}
	t := g.Template
	xs, xe, ok := x.bounds()
	if !ok {
		xs, xe = g.Start, g.End
	}
	start, end := minTime(xs, g.Start), maxTime(xe, g.End)
	if b.Mode == ModeFHIR && singleMode(t) {
		if g.Start.Before(xe) {
			return x, false, nil
		}
		start, end = g.Start, g.End
	}
	o.Category = categories(t)
	if t.Value != nil {
		v, has, err := b.mergeValue(t.Value, g, o.ObservationValue, o.extra, xs, start, end)
		if err != nil {
			return nil, false, err
		}
		if has {
			o.ObservationValue = v
		}
	}
	for _, c := range t.Components {
		i := findComponent(o.Component, c.Value.ValueName)
		var cur ObservationValue
		var extra map[string]json.RawMessage
		if i >= 0 {
			cur, extra = o.Component[i].ObservationValue, o.Component[i].extra
		}
		v, has, err := b.mergeValue(c.Value, g, cur, extra, xs, start, end)
		if err != nil {
			return nil, false, err
		}
		if !has {
			continue
		}
		if i < 0 {
			o.Component = append(o.Component, ObservationComponent{Code: b.componentCode(c.Codes, c.Value.ValueName), ObservationValue: v})
		} else {
			o.Component[i].ObservationValue = v
		}
	}
	b.effective(o, t, start, end)
	same, err := sameJSON(o, x)
	if err != nil {
		return nil, false, err
	}
	if same {
		return x, false, nil
	}
	o.Status = "amended"
	return o, true, nil
}

func findComponent(cs []ObservationComponent, name string) int {
	for i, c := range cs {
		if c.Code.Text == name {
			return i
		}
		for _, cd := range c.Code.Coding {
			if cd.System == ServiceSystem && cd.Code == name {
				return i
			}
		}
	}
	return -1
}

// mergeValue computes a value for the group given the current one.
func (b Builder) mergeValue(vt *template.FHIRValue, g *Group, cur ObservationValue, extra map[string]json.RawMessage, curStart, start, end time.Time) (ObservationValue, bool, error) {
	if other := otherValueType(extra); other != "" && len(g.Values[vt.ValueName]) > 0 {
		return cur, false, mappingError(g, ErrNotSupported, vt.ValueName, "existing value %s is not of the expected type %s", other, kindName(vt.Kind))
	}
	if !cur.empty() && !sameKind(cur, vt.Kind) && len(g.Values[vt.ValueName]) > 0 {
		return cur, false, mappingError(g, ErrNotSupported, vt.ValueName, "existing value is expected to be of type %s", kindName(vt.Kind))
	}
	var existing []TimedValue
	if vt.Kind == template.SampledData && cur.SampledData != nil {
		if cur.SampledData.Dimensions > 1 {
			return cur, false, mappingError(g, ErrNotSupported, vt.ValueName, "SampledData with %d dimensions is not supported", cur.SampledData.Dimensions)
		}
		existing = decodeSampled(cur.SampledData.Data, curStart, periodTicks(vt.PeriodMs))
	}
	return b.value(vt, g, start, end, existing)
}

func kindName(k template.ValueKind) string {
	return [...]string{"SampledData", "Quantity", "String", "CodeableConcept"}[k]
}

func sameKind(v ObservationValue, k template.ValueKind) bool {
	switch k {
	case template.SampledData:
		return v.SampledData != nil
	case template.Quantity:
		return v.Quantity != nil
	case template.String:
		return v.String != nil
	}
	return v.CodeableConcept != nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sameJSON compares two resources structurally, numbers by decimal value.
func sameJSON(a, b *Observation) (bool, error) {
	ab, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	bb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	av, err := jsontree.Parse(ab)
	if err != nil {
		return false, err
	}
	bv, err := jsontree.Parse(bb)
	if err != nil {
		return false, err
	}
	return equalTree(av, bv), nil
}

func equalTree(a, b *jsontree.Value) bool {
	if a.IsNumber() && b.IsNumber() {
		x, ok1 := new(big.Rat).SetString(a.Str)
		y, ok2 := new(big.Rat).SetString(b.Str)
		return ok1 && ok2 && x.Cmp(y) == 0
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case jsontree.Array:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !equalTree(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	case jsontree.Object:
		if len(a.Members) != len(b.Members) {
			return false
		}
		for _, m := range a.Members {
			o := b.Get(m.Key)
			if o == nil || !equalTree(m.Value, o) {
				return false
			}
		}
		return true
	case jsontree.Bool:
		return a.Bool == b.Bool
	}
	return a.Str == b.Str
}
