// Package fhir is a small FHIR R4 JSON client for the Azure FHIR service and
// the local dev server: reads, version reads, create and conditional create,
// update and conditional update with If-Match, delete, searches that follow
// the server's next links, and batch and transaction bundles.
//
// # Retries
//
// The client retries a request, with exponential backoff and full jitter and
// honouring Retry-After, when the server answers 429, 500, 502, 503 or 504 or
// the connection fails. A network failure is retried only for requests that
// are safe to repeat (GET, PUT, DELETE, conditional create, bundles): a plain
// create might otherwise be applied twice. When the attempts run out the
// error matches ErrTransient, which callers should hand back to the trigger so
// its retry applies.
//
// # Errors
//
// A non-2xx answer is a *Error carrying the status and the OperationOutcome's
// diagnostics; test it with errors.Is against ErrNotFound, ErrGone,
// ErrPreconditionFailed, ErrConflict, ErrBadRequest or ErrTransient.
//
// Resource bodies are passed as raw JSON: callers own their resource types.
package fhir
