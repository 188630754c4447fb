// Package workspace holds the integration tests of the local AHDS workspace
// emulation (packages dicomfront, fhirfront, eventgrid, eventhubs, hostwire)
// against the real local services that `make test` starts (tests/stack):
// Orthanc, the FHIR dev server and Azurite. The emulation itself is run by
// cmd/workspace.
package workspace
