// Package devicetelemetry is the `device-telemetry` function (Event Hubs
// trigger, cardinality many, dataType string, with a retry policy): device
// messages in, FHIR Observations out, through the MedTech-compatible
// mappings. Bad messages are dead-lettered one by one and the batch goes on;
// only transient failures (FHIR 429/5xx, network, auth) fail the invocation
// so the retry policy re-runs the batch — safe, because every write is an
// idempotent PUT of a deterministic Observation id.
//
// The seed mappings ship in mappings/ (devicecontent.json, fhirmapping.json);
// MEDTECH_DEVICE_MAPPING and MEDTECH_FHIR_MAPPING point at them or at blobs.
package devicetelemetry

import (
	"context"
	"fmt"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/medtech"
)

// New returns the function's handler. A nil processor (its settings are
// missing or invalid) fails every invocation as transient, so batches are
// retried and, on the retry policy's last attempt, dead-lettered, not lost.
func New(p *medtech.Processor, problem error) event.BatchHandler {
	if p == nil {
		return func(context.Context, []event.Message) error {
			return fmt.Errorf("device-telemetry is not configured: %w", problem)
		}
	}
	return p.Process
}
