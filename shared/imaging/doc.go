// Package imaging keeps FHIR R4 ImagingStudy resources (with their Patient
// and Endpoint) in step with an AHDS DICOM service, as dicom.md specifies:
// a tolerant, fast DICOM JSON decoder (DecodeMetadata), the P4–P6 mapping
// (Build, NewPatient, NewEndpoint, Preview), P3 event validation
// (ParseDicomEvent), and the rebuild Service behind the dicom-events,
// fhir-events and dicom-catchup functions and the ahds CLI.
//
// # Delivery
//
// Events arrive at least once, duplicated, late and in any order. The
// Service never applies an event's delta: every event triggers a rebuild of
// the whole study from the DICOM service's current metadata (P1), so
// redeliveries converge on the same resource and cost at most a read.
// Events for one study are coalesced in-process (P2): a settle window
// gathers a burst into one rebuild, at most one rebuild per study runs at a
// time, and at most DICOM_MAX_CONCURRENT_REBUILDS run overall. Across
// scaled-out instances, If-Match updates and conditional creates keep
// concurrent writers correct.
//
// # Errors and retries
//
// Single requests are retried by the DICOMweb and FHIR clients (429, 5xx,
// 408, network). Lost write races (409, 412, 200 on a conditional create)
// restart the whole rebuild up to five times with full-jitter backoff.
// Errors wrapped with event.Permanent (rejected events, unusable metadata,
// missing PatientID, FHIR 400/422, duplicates, foreign ownership) must not be
// retried: the trigger adapter dead-letters them and acknowledges. Any other
// error is transient and the platform redelivers. HandleEvent waits for the
// rebuild at most DICOM_EVENT_DEADLINE; the rebuild continues detached up to
// DICOM_REBUILD_TIMEOUT and a redelivery picks up its result.
//
// Logs never carry patient names, identifiers or birth dates.
package imaging
