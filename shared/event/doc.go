// Package event is the platform-neutral vocabulary of the app: the events and
// stream messages handlers receive, the handler signatures, and the error
// classification that decides what happens to a failed delivery.
//
// # Delivery
//
// Every trigger this project uses delivers at least once: Event Grid
// redelivers a whole delivery when any invocation fails, and the Event Hubs
// trigger re-runs a whole batch under its retry policy. Handlers must
// therefore be idempotent; duplicates are expected, loss is not.
//
// # Errors
//
// A handler returns nil when it is done with an event. It returns an error
// wrapped with [Permanent] when retrying can never help (malformed input, a
// mapping that does not apply): the adapter dead-letters the original bytes
// and acknowledges the delivery so the stream never stalls. Any other error is
// transient: the adapter fails the invocation so the platform's retry applies.
// Batch handlers report per-message outcomes with [BatchError].
//
// This package imports the standard library only.
package event
