// Package dicomweb is a client for the DICOMweb APIs the project uses
// against the Azure Health Data Services DICOM service and its local
// stand-in, Orthanc with the DICOMweb plugin: WADO-RS metadata, QIDO-RS,
// STOW-RS, delete and the change source (Azure's /v1/changefeed, Orthanc's
// /changes). It absorbs the differences between the two (dicom.md §4–§5):
// base paths and partitions, 204 vs [] for an empty search, multipart-only
// STOW, DICOMweb DELETE vs Orthanc's REST delete.
//
// # Authentication and safety
//
// For an https, non-loopback service the client adds an Entra ID bearer token
// for the configured scope; local (http or loopback) services get none.
// URLs are built only from the configured origin and validated UIDs; the
// client never follows a redirect to another host and never dereferences
// BulkDataURI or RetrieveURL values.
//
// # Retries and errors
//
// Every request is retried on 408, 429, 5xx and network errors, with full
// jitter (attempt n waits a random time in [0, min(MaxBackoff, MinBackoff×2ⁿ)])
// unless the answer carries Retry-After (seconds or HTTP date), which is
// waited exactly. When a wait would pass the context's deadline the client
// gives up at once. Failures are *Error values; test them with errors.Is
// against ErrNotFound (the study, series or instance is gone), ErrTransient
// (retries exhausted: retry later) and ErrUnauthorized (configuration).
// Requests are idempotent reads except STOW and delete, which are retried too:
// re-storing the same instance and deleting twice are both harmless.
package dicomweb
