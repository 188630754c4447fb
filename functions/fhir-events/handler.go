// Package fhirevents is the `fhir-events` function (Event Grid trigger):
// on FhirResourceCreated, Updated or Deleted it completes imaging links — a
// ServiceRequest's accession links ImagingStudy.basedOn, a DiagnosticReport
// gets DiagnosticReport.imagingStudy, a Patient merge re-points
// ImagingStudy.subject (shared/imaging). It reads the resource at the
// event's version and ignores the app's own writes, so it never loops.
package fhirevents

import (
	"context"
	"fmt"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/imaging"
)

// New returns the function's handler; with no service every event fails as
// transient so that Event Grid redelivers it later.
func New(svc *imaging.Service, problem error) event.Handler {
	if svc == nil {
		return func(context.Context, event.Event) error {
			return fmt.Errorf("fhir-events is not configured: %w", problem)
		}
	}
	return svc.HandleFHIREvent
}
