// Package dicomevents is the `dicom-events` function (Event Grid trigger,
// Event Grid or CloudEvents schema): on DicomImageCreated, Updated or
// Deleted it rebuilds the study's ImagingStudy, Patient and Endpoint from the
// DICOM service's current metadata (shared/imaging). Events naming another
// DICOM service, and malformed events, are dead-lettered without any fetch;
// FHIR or DICOM outages fail the invocation so Event Grid redelivers.
package dicomevents

import (
	"context"
	"fmt"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/imaging"
)

// New returns the function's handler. With no service (its settings are
// missing or invalid) every event fails as transient, so Event Grid keeps
// it and redelivers once the settings are fixed.
func New(svc *imaging.Service, problem error) event.Handler {
	if svc == nil {
		return func(context.Context, event.Event) error {
			return fmt.Errorf("dicom-events is not configured: %w", problem)
		}
	}
	return svc.HandleEvent
}
