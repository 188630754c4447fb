package medtech

import (
	"fmt"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
	"github.com/ahds-events/ahds/shared/medtech/template"
)

// Property is one named measurement value.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Measurement is one normalized reading (medtech.md §8).
type Measurement struct {
	Type              string
	OccurrenceTimeUtc time.Time
	// IngestionTimeUtc is the source event's enqueued time (zero if unknown).
	IngestionTimeUtc time.Time
	DeviceID         string
	PatientID        string
	EncounterID      string
	CorrelationID    string
	Properties       []Property
	// Source is the index of the source event in its batch.
	Source int
	// TemplateIndex is the device template that produced it.
	TemplateIndex int
}

// Normalizer turns envelopes into measurements with a device mapping. It is
// immutable and safe for concurrent use.
type Normalizer struct {
	mapping *template.DeviceMapping
	// OnFallback, when set, is called each time a legacy template uses the
	// seed-compatibility Body fallback (medtech.md D2c) for a field. It must
	// be safe for concurrent use.
	OnFallback func(templateIndex int, field string)
}

// NewNormalizer returns a Normalizer for a parsed device mapping.
func NewNormalizer(m *template.DeviceMapping) *Normalizer { return &Normalizer{mapping: m} }

// Normalize evaluates every template on the envelope in order. The first
// failure fails the whole message (no measurements are returned with it).
// Warnings are appended to warn, which may be nil.
func (n *Normalizer) Normalize(env *Envelope, warn *[]Warning) ([]Measurement, error) {
	var out []Measurement
	for _, t := range n.mapping.Templates {
		var err error
		if out, err = n.apply(t, env, out, warn); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ref(t *template.Device, e *template.Expression) *TemplateRef {
	r := &TemplateRef{Mapping: template.MappingDevice, Index: t.Index, TypeName: t.TypeName}
	if e != nil {
		r.Field, r.Expression = e.Field, e.Text
	}
	return r
}

func (n *Normalizer) apply(t *template.Device, env *Envelope, out []Measurement, warn *[]Warning) ([]Measurement, error) {
	matches, err := n.matches(t, env, warn)
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		ctx := m
		if !t.Kind.Legacy() {
			members := make([]jsontree.Member, 0, len(env.Root.Members)+1)
			members = append(members, env.Root.Members...)
			ctx = jsontree.NewObject(append(members, jsontree.Member{Key: "matchedToken", Value: m}))
		}
		ms, err := n.extract(t, ctx, env, warn)
		if err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	return out, nil
}

func (n *Normalizer) matches(t *template.Device, env *Envelope, warn *[]Warning) ([]*jsontree.Value, error) {
	e := t.TypeMatch
	if e.JMES != nil {
		r, err := e.JMES.Search(env.Root)
		if err != nil {
			return nil, exprError(t, e, err)
		}
		switch {
		case r.Kind == jsontree.Null:
			return nil, nil
		case e.JMES.IsProjection():
			return r.Items, nil
		}
		return []*jsontree.Value{r}, nil
	}
	ms, err := e.Path.Select(env.Root)
	if err != nil {
		return nil, exprError(t, e, err)
	}
	if len(ms) == 0 && t.Kind.Legacy() && env.Body.Kind != jsontree.Null {
		if ms, err = e.Path.Select(env.Body); err != nil {
			return nil, exprError(t, e, err)
		}
		if len(ms) > 0 {
			n.fallback(t, e, warn)
		}
	}
	return ms, nil
}

func (n *Normalizer) fallback(t *template.Device, e *template.Expression, warn *[]Warning) {
	if n.OnFallback != nil {
		n.OnFallback(t.Index, e.Field)
	}
	if warn != nil {
		*warn = append(*warn, fallbackWarning(t, e))
	}
}

func fallbackWarning(t *template.Device, e *template.Expression) Warning {
	return Warning{Code: WarnBodyFallback, Template: ref(t, e),
		Message: fmt.Sprintf("expression %s selected nothing on the %s; it was evaluated on Body instead", e.Text, map[bool]string{true: "envelope", false: "matched token"}[e.Field == "typeMatchExpression"])}
}

func exprError(t *template.Device, e *template.Expression, err error) error {
	return &Error{Name: ErrTemplateExpression, Stage: StageNormalization, Message: "expression evaluation failed", Template: ref(t, e), Err: err}
}

// selectOne evaluates a non-typeMatch expression: nil when it selects no
// token.
func (n *Normalizer) selectOne(t *template.Device, e *template.Expression, ctx *jsontree.Value, env *Envelope, warn *[]Warning) (*jsontree.Value, error) {
	if e.JMES != nil {
		r, err := e.JMES.Search(ctx)
		if err != nil {
			return nil, exprError(t, e, err)
		}
		if r.Kind == jsontree.Null {
			return nil, nil
		}
		if e.JMES.IsProjection() && len(r.Items) > 1 {
			return nil, &Error{Name: ErrTemplateExpression, Stage: StageNormalization, Template: ref(t, e),
				Message: fmt.Sprintf("Multiple tokens were returned using expression %s", e.Text)}
		}
		return r, nil
	}
	v, count, err := e.Path.SelectFirst(ctx)
	if err != nil {
		return nil, exprError(t, e, err)
	}
	if count == 0 && t.Kind.Legacy() && env.Body.Kind != jsontree.Null && ctx != env.Body {
		if v, count, err = e.Path.SelectFirst(env.Body); err != nil {
			return nil, exprError(t, e, err)
		}
		if count > 0 {
			n.fallback(t, e, warn)
		}
	}
	switch count {
	case 0:
		return nil, nil
	case 1:
		return v, nil
	}
	return nil, &Error{Name: ErrTemplateExpression, Stage: StageNormalization, Template: ref(t, e), Message: "Path returned multiple tokens."}
}

func incompatible(t *template.Device, e *template.Expression, valueName, format string, args ...any) error {
	r := ref(t, e)
	r.ValueName = valueName
	return &Error{Name: ErrIncompatibleData, Stage: StageNormalization, Template: r, Message: fmt.Sprintf(format, args...)}
}

// text evaluates e and converts it to a string. present is false when the
// field is absent (optional fields only; required ones fail).
func (n *Normalizer) text(t *template.Device, e *template.Expression, name string, required bool, ctx *jsontree.Value, env *Envelope, warn *[]Warning) (string, bool, error) {
	if e == nil {
		return "", false, nil
	}
	v, err := n.selectOne(t, e, ctx, env, warn)
	if err != nil {
		return "", false, err
	}
	if v == nil {
		if required {
			return "", false, incompatible(t, e, name, "Unable to extract required value for [%s] using %s", name, e.Text)
		}
		return "", false, nil
	}
	if v.Kind == jsontree.Null || (required && v.Kind == jsontree.String && strings.TrimSpace(v.Str) == "") {
		if required {
			return "", false, incompatible(t, e, name, "A null or empty value was supplied for the required field [%s]", name)
		}
		return "", false, nil
	}
	s, ok, date := valueString(v)
	if !ok {
		if required {
			return "", false, incompatible(t, e, name, "Encountered an error while extracting value for [%s] using %s: a %s cannot be converted to a string", name, e.Text, v.Kind)
		}
		return "", false, nil
	}
	if date && warn != nil {
		r := ref(t, e)
		r.ValueName = name
		*warn = append(*warn, Warning{Code: WarnDateValueStringified, Template: r,
			Message: fmt.Sprintf("the date value %q was converted to the string %q", v.Str, s)})
	}
	return s, true, nil
}

func (n *Normalizer) when(t *template.Device, e *template.Expression, ctx *jsontree.Value, env *Envelope, warn *[]Warning) (time.Time, error) {
	v, err := n.selectOne(t, e, ctx, env, warn)
	if err != nil {
		return time.Time{}, err
	}
	if v == nil {
		return time.Time{}, incompatible(t, e, "timestamp", "Unable to extract required value for [timestamp] using %s", e.Text)
	}
	if v.Kind == jsontree.Null || (v.Kind == jsontree.String && strings.TrimSpace(v.Str) == "") {
		return time.Time{}, incompatible(t, e, "timestamp", "A null or empty value was supplied for the required field [timestamp]")
	}
	ts, ok := timestamp(v)
	if !ok {
		return time.Time{}, incompatible(t, e, "timestamp", "Encountered an error while extracting value for [timestamp] using %s: the %s is not a timestamp", e.Text, v.Kind)
	}
	return ts.Truncate(100), nil
}

func (n *Normalizer) extract(t *template.Device, ctx *jsontree.Value, env *Envelope, warn *[]Warning) (Measurement, error) {
	m := Measurement{Type: t.TypeName, IngestionTimeUtc: env.IngestionTime, TemplateIndex: t.Index}
	var err error
	if m.DeviceID, _, err = n.text(t, t.DeviceID, "deviceId", true, ctx, env, warn); err != nil {
		return m, err
	}
	m.OccurrenceTimeUtc, err = n.when(t, t.Timestamp, ctx, env, warn)
	if err != nil && t.TimestampFallback != nil {
		if _, isExprErr := err.(*Error); isExprErr && err.(*Error).Name == ErrIncompatibleData {
			m.OccurrenceTimeUtc, err = n.when(t, t.TimestampFallback, ctx, env, warn)
		}
	}
	if err != nil {
		return m, err
	}
	if t.CorrelationID != nil {
		if m.CorrelationID, _, err = n.text(t, t.CorrelationID, "correlationId", true, ctx, env, warn); err != nil {
			return m, err
		}
	}
	if m.PatientID, _, err = n.text(t, t.PatientID, "patientId", false, ctx, env, warn); err != nil {
		return m, err
	}
	if m.EncounterID, _, err = n.text(t, t.EncounterID, "encounterId", false, ctx, env, warn); err != nil {
		return m, err
	}
	for _, v := range t.Values {
		s, ok, err := n.text(t, v.Expression, v.Name, v.Required, ctx, env, warn)
		if err != nil {
			return m, err
		}
		if ok {
			m.Properties = append(m.Properties, Property{Name: v.Name, Value: s})
		}
	}
	return m, nil
}
