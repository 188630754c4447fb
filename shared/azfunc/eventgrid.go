package azfunc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	cloudevent "github.com/cloudevents/sdk-go/v2/event"

	"github.com/ahds-events/ahds/shared/event"
)

// eventGridSchemaEvent is an event in the Event Grid schema.
type eventGridSchemaEvent struct {
	ID              string          `json:"id"`
	Topic           string          `json:"topic"`
	Subject         string          `json:"subject"`
	EventType       string          `json:"eventType"`
	EventTime       string          `json:"eventTime"`
	Data            json.RawMessage `json:"data"`
	DataVersion     string          `json:"dataVersion"`
	MetadataVersion string          `json:"metadataVersion"`
}

// DecodeEventGridEvent decodes one Event Grid event in either schema, telling
// them apart by specversion (CloudEvents 1.0) versus eventType (Event Grid
// schema). The value may arrive as an object or as a (double-)encoded string.
// Every failure is permanent: redelivering the same bytes cannot help.
func DecodeEventGridEvent(raw []byte) (event.Event, error) {
	v := unwrapValue(raw)
	if len(v) == 0 || v[0] != '{' {
		return event.Event{}, event.Permanent(errors.New("event grid event is not a JSON object"))
	}
	var probe struct {
		SpecVersion *string `json:"specversion"`
		EventType   *string `json:"eventType"`
	}
	if err := json.Unmarshal(v, &probe); err != nil {
		return event.Event{}, event.Permanent(fmt.Errorf("event grid event: %w", err))
	}
	switch {
	case probe.SpecVersion != nil:
		return decodeCloudEvent(v)
	case probe.EventType != nil:
		return decodeEventGridSchema(v)
	default:
		return event.Event{}, event.Permanent(errors.New("event grid event has neither specversion (CloudEvents) nor eventType (Event Grid schema)"))
	}
}

func decodeEventGridSchema(v []byte) (event.Event, error) {
	var g eventGridSchemaEvent
	if err := json.Unmarshal(v, &g); err != nil {
		return event.Event{}, event.Permanent(fmt.Errorf("event grid schema event: %w", err))
	}
	var missing []string
	for _, f := range []struct{ name, val string }{{"id", g.ID}, {"eventType", g.EventType}, {"subject", g.Subject}, {"eventTime", g.EventTime}} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return event.Event{}, event.Permanentf("event grid schema event %q: missing %v", g.ID, missing)
	}
	t, err := parseTime(g.EventTime)
	if err != nil {
		return event.Event{}, event.Permanent(fmt.Errorf("event grid schema event %q: eventTime: %w", g.ID, err))
	}
	return event.Event{
		ID: g.ID, Source: g.Topic, Type: g.EventType, Subject: g.Subject, Time: t,
		DataVersion: g.DataVersion, Schema: event.SchemaEventGrid,
		Data: bytes.Clone(g.Data), Raw: bytes.Clone(v),
	}, nil
}

func decodeCloudEvent(v []byte) (event.Event, error) {
	ce := cloudevent.New()
	if err := json.Unmarshal(v, &ce); err != nil {
		return event.Event{}, event.Permanent(fmt.Errorf("cloudevent: %w", err))
	}
	// Not ce.Validate(): AHDS sends dataschema "#<version>", a relative URI
	// that the SDK's strict check rejects. Check the required attributes.
	var missing []string
	for _, f := range []struct{ name, val string }{{"id", ce.ID()}, {"source", ce.Source()}, {"type", ce.Type()}} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return event.Event{}, event.Permanentf("cloudevent %q: missing %v", ce.ID(), missing)
	}
	return event.Event{
		ID: ce.ID(), Source: ce.Source(), Type: ce.Type(), Subject: ce.Subject(), Time: ce.Time().UTC(),
		DataVersion: ce.DataSchema(), Schema: event.SchemaCloudEvents,
		Data: bytes.Clone(ce.Data()), Raw: bytes.Clone(v),
	}, nil
}
