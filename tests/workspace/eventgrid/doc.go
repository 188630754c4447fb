// Package eventgrid is a local stand-in for Event Grid delivery from an Azure
// Health Data Services system topic to Azure Functions. It is not a
// replacement for Event Grid: it reproduces the documented behaviour the
// project's handlers depend on (contract shared/spec/functions-host.md §5.1,
// §7, §8) so they can be exercised offline.
//
// # Subscriptions
//
// Subscriptions come from a JSON file (LoadSubscriptions) shaped like the
// Bicep resource: includedEventTypes, advanced filters (StringIn on
// data.resourceType, StringBeginsWith, NumberIn, …), subject filters,
// eventDeliverySchema (EventGridSchema or CloudEventSchemaV1_0), retryPolicy
// and a dead-letter container. An unknown event type, operator or malformed
// filter is refused at load time with the file name and line.
//
// # Delivery and retry
//
// Publish matches each event against every subscription and delivers each
// match on its own goroutine: one invocation per event, in parallel, in no
// particular order, at least once. Success is 200–204. 400, 401, 403 and 413
// are never retried. Any other outcome (a failed invocation is a 500, as the
// Functions extension answers) is retried on Event Grid's schedule — 10 s,
// 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h, with the
// per-status minimums (408 ≥ 2 min, 503 ≥ 30 s, 401/404 ≥ 5 min) — until
// maxDeliveryAttempts or the event's time to live is reached. The schedule
// and TTL are divided by Config.TimeFactor so a day of retries can run in
// seconds; Event Grid's randomisation is left out so tests are
// deterministic. Each attempt is bounded by the 30 s response timeout (not
// compressed). The final failure is dead-lettered, after Event Grid's 5 min
// delay (compressed), with deadLetterReason, deliveryAttempts,
// lastDeliveryOutcome, lastHttpStatusCode, publishTime and
// lastDeliveryAttemptTime added to the event; with no dead-letter container it
// is dropped and logged.
package eventgrid
