// Package fhirfront is a local stand-in for the event side of the Azure
// Health Data Services FHIR service: a reverse proxy in front of the
// project's FHIR dev server that publishes
// Microsoft.HealthcareApis.FhirResourceCreated, FhirResourceUpdated and
// FhirResourceDeleted for every successful write, as AHDS does (contract
// shared/spec/functions-host.md §8). It is not a replacement for the Azure
// FHIR service.
//
// Writes recognised: POST /{type} (201 → Created; a conditional create that
// found a match answers 200 → no event), PUT /{type}/{id} and conditional PUT
// (201 → Created, 200 → Updated), PATCH (200 → Updated), DELETE /{type}/{id}
// (200/204 → Deleted, only when the resource existed), and the same
// operations inside batch and transaction Bundles POSTed to the base, read
// from each entry's response. A 200 update that made no new version (the
// server's no-op update) publishes nothing: the front remembers the versions
// it has seen and treats a returned version it already knows, or one last
// updated before the request, as no change. Conditional DELETE is passed
// through without events.
//
// The event data is AHDS's: resourceType, resourceFhirAccount,
// resourceFhirId and resourceVersionId (the server's integer version id); the
// subject is {account}/{type}/{id}; dataVersion (Event Grid schema) and
// dataschema "#<version>" (CloudEvents) carry the version. Events are
// published after the answer is complete, in response order. The backend's
// base URL in answers (Location, bundle fullUrls, paging links) is rewritten
// to the front's.
package fhirfront
