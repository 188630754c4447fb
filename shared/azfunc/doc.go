// Package azfunc is the only package that knows the Azure Functions
// custom-handler protocol: the invoke envelope the host POSTs to
// /{FunctionName}, how each trigger's values are encoded in it, and what the
// host makes of each answer.
//
// An App serves GET / for the host's readiness and health pings and one
// POST route per registered function. Adapters (EventGrid, EventHubBatch,
// Timer, HTTP) decode the trigger into the types of package event and call a
// platform-neutral handler.
//
// # Delivery and retry
//
// The outcome of every invocation is decided in one place:
//   - nil: 200 with a JSON body (never empty, or the host hangs).
//   - a permanent error (event.ErrPermanent): the original bytes are written
//     to the dead-letter store, the error is logged, and the answer is 200 so
//     neither Event Grid nor the Event Hubs retry policy redelivers it.
//   - any other error, a panic, or a dead-letter store failure: 500. Event Grid
//     redelivers the delivery on its own schedule; the Event Hubs trigger
//     re-runs the batch only when function.json has a retry policy (and then
//     checkpoints whatever happens).
//
// Each invocation runs under a deadline below the host's functionTimeout
// (and below Event Grid's 30 s response window for Event Grid functions).
package azfunc
