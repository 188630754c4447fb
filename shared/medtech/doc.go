// Package medtech is a Go implementation of the Azure Health Data Services
// MedTech mapping engine (specification: medtech.md): device messages are
// normalized into measurements by a device mapping (CalculatedContent,
// JsonPathContent, IotJsonPathContent, IotCentralJsonPathContent templates),
// grouped, and turned into FHIR R4 Observations by a FHIR destination
// mapping (CodeValueFhir templates), in the default fhir output mode or the
// azure-medtech mode that reproduces the managed service's resources.
//
// The pieces:
//   - [Normalizer] (device templates → [Measurement]) over an [Envelope];
//   - [Grouper], [Builder] (grouping, Observation build and merge, ids);
//   - [Debugger], the offline engine behind `ahds medtech normalize|map`;
//   - [Processor], the Event Hubs device pipeline with FHIR I/O.
//
// # Delivery and retries
//
// Event Hubs delivers at least once and the trigger re-runs a whole batch
// when an invocation fails. Processing is idempotent: Observation ids are
// SHA-256 hashes of the identifier (patient, device, type, time window), a
// re-run re-reads and merges, and unchanged resources are not written.
// [Processor.Process] reports per-message failures in an
// *event.BatchError: permanent entries (bad JSON, missing required values,
// template or identity problems, FHIR 4xx) are to be dead-lettered and never
// stall the stream; transient entries (FHIR 429/5xx, network, auth) fail the
// invocation so the trigger's retry policy re-runs the batch.
//
// Error names are the MedTech exception names (IncompatibleDataException,
// TemplateNotFoundException, …) so dashboards built on the managed service's
// diagnostic logs carry over. Logs never contain patient identifiers.
package medtech
