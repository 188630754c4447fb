// Package eventhubs is a local stand-in for an Event Hubs namespace feeding
// an Azure Functions Event Hubs trigger. It is not a replacement for Event
// Hubs (whose emulator ships only as a container image): it implements the
// parts the project's device-telemetry path depends on.
//
// # Send API
//
// The Event Hubs REST send API: POST {base}/{hub}/messages (also
// /{hub}/partitions/{id}/messages and /{hub}/publishers/{name}/messages).
// With Content-Type application/vnd.microsoft.servicebus.json the body is a
// batch, a JSON array of {"Body": "…", "UserProperties": {…},
// "BrokerProperties": {"PartitionKey": "…"}}; any other content type sends
// the body as one event, with an optional BrokerProperties header. Success is
// 201. An unknown hub is 404, a batch that is not valid JSON (or empty) 400,
// a body over 1 MiB 413. The Authorization header (SAS token) is accepted
// and not checked.
//
// Events get a partition (FNV-1a hash of the partition key modulo the
// partition count — not Event Hubs' own hash — or round-robin without a key),
// a per-partition sequence number from 0, a byte-like offset and an enqueued
// time. They are kept in memory only.
//
// # Delivery and retry
//
// One consumer per partition delivers batches to the hub's function in
// partition order, as the Functions extension does (contract
// shared/spec/functions-host.md §5.2, §9, §11.3, §11.4): up to
// maxEventBatchSize events; with minEventBatchSize > 1 it waits up to
// maxWaitTime for that many. The invocation uses the host encoding for the
// function.json dataType (hostwire.EventHubBatch). A failed invocation is
// re-invoked with the same batch and Metadata.RetryContext only when
// function.json has a retry policy (fixedDelay or exponentialBackoff,
// maxRetryCount -1 = forever); then — success or not — the batch is
// checkpointed: a blob {namespace}/{hub}/{consumergroup}/checkpoint/{partition}
// with offset and sequencenumber metadata, as the extension's checkpoint
// store writes. A batch that cannot be bound (no dataType, non-JSON body)
// never reaches the handler and is checkpointed too. Delivery is therefore
// at most once per batch without a retry policy. Retry delays and
// maxWaitTime are divided by Config.TimeFactor.
package eventhubs
