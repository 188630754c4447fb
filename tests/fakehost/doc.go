// Package fakehost stands in for the Azure Functions host (`func start`) in
// tests, following functions-host.md §15: it takes an assembled app root
// (dist/), validates its layout, starts the custom handler exactly as the
// host does (working directory, FUNCTIONS_* environment, readiness polling
// of GET / every 25 ms for up to 30 s), keeps pinging it, captures its console
// output with the host's levels, and sends invocations with the host's
// framing (chunked, no Content-Length, the X-Azure-Functions-* headers),
// checking every answer as the host would read it.
//
// It cannot reproduce what only the real host does (extension bundles,
// scaling, Event Grid's webhook handshake); those are listed in §16 for a
// check against a real `func start`.
package fakehost
