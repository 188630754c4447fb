package medtech

import (
	"fmt"
	"sort"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

// Mode is the Observation output mode (medtech.md D1).
type Mode string

// The output modes.
const (
	// ModeFHIR is the default: effectiveDateTime for single readings,
	// millisecond instants, template codes only.
	ModeFHIR Mode = "fhir"
	// ModeAzureMedTech reproduces the Azure MedTech service's output.
	ModeAzureMedTech Mode = "azure-medtech"
)

// epsilon is the gap between a period's end and the next period's start.
func (m Mode) epsilon() time.Duration {
	if m == ModeAzureMedTech {
		return 100 * time.Nanosecond
	}
	return time.Millisecond
}

// GroupKey identifies a measurement group (medtech.md §10.1).
type GroupKey struct {
	DeviceID, Type, PatientID, EncounterID, CorrelationID string
}

// TimedValue is one property value at an instant.
type TimedValue struct {
	Time  time.Time
	Value string
}

// Group is an Observation group: the measurements of one device, type,
// patient, encounter and correlation id that land in one Observation.
type Group struct {
	Key      GroupKey
	Template *template.CodeValue
	// Start and End bound the group (medtech.md §10.4).
	Start, End time.Time
	// Values holds each property's values sorted by time.
	Values map[string][]TimedValue
	// Sources are the batch indexes of the events that contributed.
	Sources []int
	// Ingestion is the earliest ingestion time of the measurements.
	Ingestion time.Time
	order     int
}

// GroupError is a mapping failure of the measurements of some events.
type GroupError struct {
	Sources []int
	Err     *Error
}

// Grouper groups measurements with a FHIR mapping.
type Grouper struct {
	FHIR *template.FHIRMapping
	Mode Mode
}

type measurementGroup struct {
	key   GroupKey
	tmpl  *template.CodeValue
	items []Measurement
	// index holds each item's position in the batch's measurement list.
	index []int
}

// Group groups a batch's measurements (in batch order) into Observation
// groups, in order of first creation. Measurements whose type has no
// CodeValueFhir template, or CorrelationId groups without an id, are
// returned as errors naming their source events.
func (g Grouper) Group(ms []Measurement) ([]*Group, []GroupError) {
	var errs []GroupError
	byKey := map[GroupKey]*measurementGroup{}
	var mgs []*measurementGroup
	missing := map[string]*GroupError{}
	for i, m := range ms {
		t := g.FHIR.Lookup(m.Type)
		if t == nil {
			ge := missing[m.Type]
			if ge == nil {
				ge = &GroupError{Err: &Error{Name: ErrTemplateNotFound, Stage: StageMapping,
					Message:  fmt.Sprintf("no CodeValueFhir template for type name '%s'", m.Type),
					Template: &TemplateRef{Mapping: template.MappingFHIR, Index: -1, TypeName: m.Type},
					Group:    &GroupKey{m.DeviceID, m.Type, m.PatientID, m.EncounterID, m.CorrelationID}}}
				missing[m.Type] = ge
			}
			ge.Sources = appendSource(ge.Sources, m.Source)
			continue
		}
		k := GroupKey{m.DeviceID, m.Type, m.PatientID, m.EncounterID, m.CorrelationID}
		mg := byKey[k]
		if mg == nil {
			mg = &measurementGroup{key: k, tmpl: t}
			byKey[k] = mg
			mgs = append(mgs, mg)
		}
		mg.items = append(mg.items, m)
		mg.index = append(mg.index, i)
	}
	for _, ge := range missing {
		errs = append(errs, *ge)
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Sources[0] < errs[j].Sources[0] })
	var out []*Group
	for _, mg := range mgs {
		groups, err := g.split(mg)
		if err != nil {
			errs = append(errs, *err)
			continue
		}
		out = append(out, groups...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out, errs
}

func appendSource(s []int, i int) []int {
	if len(s) > 0 && s[len(s)-1] == i {
		return s
	}
	for _, x := range s {
		if x == i {
			return s
		}
	}
	return append(s, i)
}

// dedupe keeps, per occurrence time, the measurement with the latest
// ingestion time (ties: the earliest in the batch). The returned index is
// the batch position of the first measurement at that time.
func dedupe(items []Measurement, index []int) ([]Measurement, []int) {
	type pick struct {
		first int
		m     Measurement
	}
	best := map[time.Time]*pick{}
	var order []time.Time
	for i, m := range items {
		t := m.OccurrenceTimeUtc
		p := best[t]
		if p == nil {
			best[t] = &pick{index[i], m}
			order = append(order, t)
			continue
		}
		if m.IngestionTimeUtc.After(p.m.IngestionTimeUtc) {
			p.m = m
		}
	}
	out := make([]Measurement, 0, len(order))
	idx := make([]int, 0, len(order))
	for _, t := range order {
		out = append(out, best[t].m)
		idx = append(idx, best[t].first)
	}
	return out, idx
}

func (g Grouper) split(mg *measurementGroup) ([]*Group, *GroupError) {
	items, index := dedupe(mg.items, mg.index)
	period := mg.tmpl.GroupingPeriod()
	eps := g.Mode.epsilon()
	if period == template.PeriodCorrelationID && mg.key.CorrelationID == "" {
		ge := &GroupError{Err: &Error{Name: ErrCorrelationIDNotDefined, Stage: StageMapping,
			Message:  "correlation id grouping requires a correlationId on every measurement",
			Template: &TemplateRef{Mapping: template.MappingFHIR, Index: mg.tmpl.Index, TypeName: mg.tmpl.TypeName, Field: "periodInterval"},
			Group:    &mg.key}}
		for _, m := range items {
			ge.Sources = appendSource(ge.Sources, m.Source)
		}
		return nil, ge
	}
	byStart := map[time.Time]*Group{}
	var out []*Group
	for n, m := range items {
		t := m.OccurrenceTimeUtc
		var start, end time.Time
		switch period {
		case template.PeriodHourly:
			start = t.Truncate(time.Hour)
			end = start.Add(time.Hour - eps)
		case template.PeriodDaily:
			start = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			end = start.Add(24*time.Hour - eps)
		case template.PeriodCorrelationID:
			// one group: bounds widened below
		default:
			start, end = t, t
		}
		grp := byStart[start]
		if grp == nil {
			grp = &Group{Key: mg.key, Template: mg.tmpl, Start: start, End: end, Values: map[string][]TimedValue{},
				Ingestion: m.IngestionTimeUtc, order: index[n]}
			if period == template.PeriodCorrelationID {
				grp.Start, grp.End = t, t
			}
			byStart[start] = grp
			out = append(out, grp)
		}
		if period == template.PeriodCorrelationID {
			if t.Before(grp.Start) {
				grp.Start = t
			}
			if t.After(grp.End) {
				grp.End = t
			}
		}
		if !m.IngestionTimeUtc.IsZero() && (grp.Ingestion.IsZero() || m.IngestionTimeUtc.Before(grp.Ingestion)) {
			grp.Ingestion = m.IngestionTimeUtc
		}
		grp.Sources = appendSource(grp.Sources, m.Source)
		for _, p := range m.Properties {
			grp.Values[p.Name] = append(grp.Values[p.Name], TimedValue{Time: t, Value: p.Value})
		}
	}
	for _, grp := range out {
		for name, vs := range grp.Values {
			sort.SliceStable(vs, func(i, j int) bool { return vs[i].Time.Before(vs[j].Time) })
			kept := vs[:0]
			for i, v := range vs {
				if i > 0 && v.Time.Equal(kept[len(kept)-1].Time) {
					continue
				}
				kept = append(kept, v)
			}
			grp.Values[name] = kept
		}
		sort.Ints(grp.Sources)
	}
	return out, nil
}
