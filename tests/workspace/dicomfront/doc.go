// Package dicomfront is a local stand-in for the Azure Health Data Services
// DICOM service's HTTP API, built over Orthanc with its DICOMweb plugin. It
// is not a replacement for the Azure service: it gives the handlers and
// tests an Azure-shaped endpoint, Azure's status codes where Orthanc's
// differ (shared/spec/dicom.md §4, §5; local-stack.md §1), a change feed and
// DicomImage* events.
//
// Routes (version v1 or v2). With Config.Partitions the data routes live
// under /{v}/partitions/{name}/ as in Azure (a route without a partition is
// 400, an unknown partition 404 except for STOW, which creates it; GET
// /{v}/partitions lists them); without it a partition route is 400. Orthanc
// has no partitions, so a UID can live in one partition only here.
//
//   - POST /{v}/studies[/{study}]: STOW-RS. A single application/dicom body
//     or multipart/related parts. Each instance is checked (DICM prefix,
//     parseable, Study/Series/SOP/SOP Class UIDs and PatientID present,
//     study UID matches the URL, not already stored) and stored with
//     Orthanc's REST POST /instances. 200 all stored, 202 some, 409 none, with
//     Azure's DICOM JSON answer (ReferencedSOPSequence, FailedSOPSequence with
//     FailureReason 272/43264/43265/45070 and an ErrorComment). A body that is
//     not DICOM at all: 415 for a wrong media type, 400 for an unreadable
//     body, 409 with reason 272 for non-DICOM parts.
//   - DELETE /{v}/studies/{study}[/series/{series}[/instances/{sop}]]:
//     Orthanc's DICOMweb DELETE is 405, so the front resolves the UID with
//     /tools/lookup and deletes through Orthanc's REST API; 204 or 404.
//   - GET /{v}/changefeed, /{v}/changefeed/latest: Azure's entry schema
//     (camelCase members, lower-case action and state), v1 offset = exclusive
//     start sequence, v2 startTime/endTime/offset rows; sequence numbers are
//     persisted in a JSON-lines file.
//   - Any other GET is proxied to Orthanc's /dicom-web: QIDO with no match
//     answers 204 instead of 200 []; WADO metadata drops binary-VR
//     attributes (Azure omits them, Orthanc sends BulkDataURIs); a retrieve
//     with Accept: application/dicom returns an instance's Part 10 file
//     (Orthanc's plugin answers 400) and is 406 for a study or series. No
//     transcoding: the stored transfer syntax is returned.
//
// Every stored instance appends a create entry (with its partition) and
// publishes one
// Microsoft.HealthcareApis.DicomImageCreated event; every deleted instance a
// delete entry and one DicomImageDeleted event. The event data is AHDS's:
// partitionName, imageStudyInstanceUid, imageSeriesInstanceUid,
// imageSopInstanceUid, serviceHostName and sequenceNumber (the entry's
// sequence). Writes are serialised, so sequence numbers follow the order of
// the changes; event delivery itself is unordered, as in Azure.
package dicomfront
