// Command workspace runs the local Azure Health Data Services workspace
// emulation: an Azure-shaped DICOM front over Orthanc, a FHIR front over the
// FHIR dev server, Event Grid delivery of their events to the function app,
// and an Event Hubs stand-in feeding the device-telemetry function. It is a
// local stand-in for development and tests, not a replacement for Azure.
//
// Usage:
//
//	workspace [flags]
//
// Every flag can also be set through the environment variable named in its
// help; flags win. The handler is reached at -handler-url, or started from
// the app root with -start-handler, or (Event Grid only) through a real
// `func start` with -func-host-url. It writes -endpoints and serves until
// SIGINT or SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Environ(), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "workspace:", err)
		os.Exit(1)
	}
}
