package eventgrid

import (
	"encoding/json"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// Schema is a subscription's eventDeliverySchema.
type Schema string

// The delivery schemas.
const (
	SchemaEventGrid   Schema = "EventGridSchema"
	SchemaCloudEvents Schema = "CloudEventSchemaV1_0"
)

// The Azure Health Data Services event types (contract §8).
const (
	FhirResourceCreated = "Microsoft.HealthcareApis.FhirResourceCreated"
	FhirResourceUpdated = "Microsoft.HealthcareApis.FhirResourceUpdated"
	FhirResourceDeleted = "Microsoft.HealthcareApis.FhirResourceDeleted"
	DicomImageCreated   = "Microsoft.HealthcareApis.DicomImageCreated"
	DicomImageUpdated   = "Microsoft.HealthcareApis.DicomImageUpdated"
	DicomImageDeleted   = "Microsoft.HealthcareApis.DicomImageDeleted"
)

// KnownEventTypes are the event types a subscription may include.
var KnownEventTypes = []string{FhirResourceCreated, FhirResourceUpdated, FhirResourceDeleted, DicomImageCreated, DicomImageUpdated, DicomImageDeleted}

// Event is one event as published by the topic, schema-neutral.
type Event struct {
	ID string
	// Type is eventType (Event Grid schema) / type (CloudEvents).
	Type string
	// Source is topic / source.
	Source  string
	Subject string
	Time    time.Time
	// Data is the data member, a JSON object.
	Data json.RawMessage
	// DataVersion is the Event Grid schema dataVersion ("1" when empty).
	DataVersion string
	// DataSchema is the CloudEvents dataschema, omitted when empty.
	DataSchema string
}

// Render returns the event in the delivery schema with the member order of
// the AHDS samples (shared/cases/dicom/azure-events; contract §14.1).
func (e Event) Render(s Schema) json.RawMessage {
	q := func(v string) json.RawMessage { return hostwire.AppendString(nil, v) }
	t := q(e.Time.UTC().Format("2006-01-02T15:04:05.0000000Z"))
	var o hostwire.Object
	if s == SchemaCloudEvents {
		// Member order of the AHDS CloudEvents samples (cases/dicom/azure-events).
		o = hostwire.Object{
			{Name: "source", Value: q(e.Source)}, {Name: "subject", Value: q(e.Subject)}, {Name: "type", Value: q(e.Type)},
			{Name: "time", Value: t}, {Name: "id", Value: q(e.ID)}, {Name: "data", Value: e.Data}, {Name: "specversion", Value: q("1.0")},
		}
		if e.DataSchema != "" {
			o = append(o, hostwire.Field{Name: "dataschema", Value: q(e.DataSchema)})
		}
	} else {
		dv := e.DataVersion
		if dv == "" {
			dv = "1"
		}
		o = hostwire.Object{
			{Name: "id", Value: q(e.ID)}, {Name: "topic", Value: q(e.Source)}, {Name: "subject", Value: q(e.Subject)},
			{Name: "data", Value: e.Data}, {Name: "eventType", Value: q(e.Type)}, {Name: "dataVersion", Value: q(dv)},
			{Name: "metadataVersion", Value: q("1")}, {Name: "eventTime", Value: t},
		}
	}
	b, _ := o.MarshalJSON()
	return b
}
