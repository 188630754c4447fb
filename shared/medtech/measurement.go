package medtech

import (
	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// MarshalJSON writes the mapping debugger's form (medtech.md §8): fixed key
// order, absent optional fields omitted, ingestion time not printed.
func (m Measurement) MarshalJSON() ([]byte, error) {
	return m.AppendJSON(nil), nil
}

// AppendJSON appends the debugger form of m to b.
func (m Measurement) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = jsontree.AppendQuoted(b, m.Type)
	b = append(b, `,"occurrenceTimeUtc":`...)
	b = jsontree.AppendQuoted(b, FormatTime(m.OccurrenceTimeUtc))
	b = append(b, `,"deviceId":`...)
	b = jsontree.AppendQuoted(b, m.DeviceID)
	for _, f := range [...]struct{ k, v string }{{"patientId", m.PatientID}, {"encounterId", m.EncounterID}, {"correlationId", m.CorrelationID}} {
		if f.v != "" {
			b = append(b, `,"`...)
			b = append(b, f.k...)
			b = append(b, `":`...)
			b = jsontree.AppendQuoted(b, f.v)
		}
	}
	b = append(b, `,"properties":[`...)
	for i, p := range m.Properties {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = jsontree.AppendQuoted(b, p.Name)
		b = append(b, `,"value":`...)
		b = jsontree.AppendQuoted(b, p.Value)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
