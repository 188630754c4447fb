// Package hostwire encodes Azure Functions custom-handler invocations the way
// the Functions host (v4) does, sends them, and checks the handler's answer.
//
// It is a local stand-in for the host's wire behaviour, built from the
// project's contract (shared/spec/functions-host.md §4, §5, §14, §15), not a
// replacement for Azure: every rule marked [DERIVED] there must be re-checked
// against a real `func start`.
//
// # Encoding
//
// A body is compact JSON, keys "Data" then "Metadata", with strings escaped
// as Newtonsoft.Json escapes them (no HTML escaping, non-ASCII raw). Values
// follow the host's rules (§4.3): objects stay objects; .NET strings are
// double-encoded ("\"abc\""); numbers, booleans and arrays become a string
// holding their JSON text; top-level DateTimes lose their fraction and zone.
// Object keys keep the order given (Object is an ordered list of fields),
// because Newtonsoft writes dictionaries in insertion order.
//
// EventGrid builds one Event Grid trigger invocation (the event object in
// Data, {data, sys} in Metadata). EventHubBatch builds one cardinality-many
// Event Hubs invocation for dataType none, "string" or "binary" with every
// *Array metadata value. Timer and HTTP build the timer and HTTP
// (forwarding off) invocations of §5.3, §5.4, §14.6 and §14.7.
//
// # Sending and checking
//
// Client.Invoke POSTs /{FunctionName} chunked (no Content-Length) with the
// host's three headers and applies the host's reading of the answer (§6, §15):
// a non-2xx status fails the invocation and its Logs and Outputs are
// discarded; a 2xx answer must be a non-empty JSON object with a JSON content
// type, whose Outputs keys are the function's out bindings.
package hostwire
