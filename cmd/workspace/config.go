package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// config is the command's configuration.
type config struct {
	orthancURL, fhirURL, storage      string
	handlerURL, funcHostURL, funcCode string
	startHandler                      bool
	appRoot, subscriptions            string
	listenHost                        string
	dicomPort, fhirPort, eventHubPort int
	endpointsFile, changeFeedFile     string
	timeFactor                        float64
	hubs                              []hubSpec
	partitions                        int
	topic, fhirAccount, dicomHost     string
	namespace                         string
	deadLetter, allowMissing          bool
	dicomPartitions                   bool
	logLevel                          string
}

// hubSpec is one -hub hub=function pair.
type hubSpec struct{ hub, function string }

type hubList []hubSpec

func (h *hubList) String() string {
	var s []string
	for _, x := range *h {
		s = append(s, x.hub+"="+x.function)
	}
	return strings.Join(s, ",")
}

func (h *hubList) Set(v string) error {
	*h = nil
	for _, pair := range strings.Split(v, ",") {
		hub, fn, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || hub == "" {
			return fmt.Errorf("hub %q: want hub=function (function may be empty)", pair)
		}
		*h = append(*h, hubSpec{hub, fn})
	}
	return nil
}

// parseConfig reads flags, with defaults from the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	envInt := func(k string, def int) int {
		if n, err := strconv.Atoi(getenv(k)); err == nil {
			return n
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("workspace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.orthancURL, "orthanc-url", env("WORKSPACE_ORTHANC_URL", "http://127.0.0.1:8042"), "Orthanc REST base (env WORKSPACE_ORTHANC_URL)")
	fs.StringVar(&c.fhirURL, "fhir-url", env("WORKSPACE_FHIR_URL", "http://127.0.0.1:8080"), "FHIR dev server base (env WORKSPACE_FHIR_URL)")
	fs.StringVar(&c.storage, "storage", env("AzureWebJobsStorage", "UseDevelopmentStorage=true"), "Azurite/Storage connection string for dead-letters and checkpoints (env AzureWebJobsStorage)")
	fs.StringVar(&c.handlerURL, "handler-url", env("WORKSPACE_HANDLER_URL", ""), "custom handler base URL, http://127.0.0.1:{FUNCTIONS_CUSTOMHANDLER_PORT} (env WORKSPACE_HANDLER_URL)")
	fs.BoolVar(&c.startHandler, "start-handler", env("WORKSPACE_START_HANDLER", "") == "true", "start {app}/handler like the host and use it (env WORKSPACE_START_HANDLER=true)")
	fs.StringVar(&c.funcHostURL, "func-host-url", env("WORKSPACE_FUNC_HOST_URL", ""), "deliver Event Grid events to a real 'func start' webhook at this base, e.g. http://localhost:7071 (env WORKSPACE_FUNC_HOST_URL)")
	fs.StringVar(&c.funcCode, "func-host-code", env("WORKSPACE_FUNC_HOST_CODE", ""), "eventgrid_extension system key for -func-host-url (env WORKSPACE_FUNC_HOST_CODE)")
	fs.StringVar(&c.appRoot, "app", env("WORKSPACE_APP_ROOT", "dist"), "function app root holding host.json and */function.json (env WORKSPACE_APP_ROOT)")
	fs.StringVar(&c.subscriptions, "subscriptions", env("WORKSPACE_SUBSCRIPTIONS", "tests/workspace/subscriptions.json"), "Event Grid subscriptions file (env WORKSPACE_SUBSCRIPTIONS)")
	fs.StringVar(&c.listenHost, "listen-host", env("WORKSPACE_LISTEN_HOST", "127.0.0.1"), "address the fronts listen on (env WORKSPACE_LISTEN_HOST)")
	fs.IntVar(&c.dicomPort, "dicom-port", envInt("WORKSPACE_DICOM_PORT", 8043), "DICOM front port (env WORKSPACE_DICOM_PORT)")
	fs.IntVar(&c.fhirPort, "fhir-port", envInt("WORKSPACE_FHIR_PORT", 8081), "FHIR front port (env WORKSPACE_FHIR_PORT)")
	fs.IntVar(&c.eventHubPort, "eventhubs-port", envInt("WORKSPACE_EVENTHUBS_PORT", 8044), "Event Hubs REST send API port (env WORKSPACE_EVENTHUBS_PORT)")
	fs.StringVar(&c.endpointsFile, "endpoints", env("WORKSPACE_ENDPOINTS", ".local/endpoints.json"), "where to write the endpoints JSON (env WORKSPACE_ENDPOINTS)")
	fs.StringVar(&c.changeFeedFile, "changefeed", env("WORKSPACE_CHANGEFEED", ".local/dicom-changefeed.jsonl"), "DICOM change feed file; empty = memory only (env WORKSPACE_CHANGEFEED)")
	tf, _ := strconv.ParseFloat(env("WORKSPACE_TIME_FACTOR", "1"), 64)
	fs.Float64Var(&c.timeFactor, "time-factor", tf, "divide Event Grid retry/TTL and Event Hubs retry/maxWaitTime by this (env WORKSPACE_TIME_FACTOR)")
	hubs := hubList{{"device-telemetry", "device-telemetry"}}
	if v := getenv("WORKSPACE_HUBS"); v != "" {
		if err := hubs.Set(v); err != nil {
			return c, fmt.Errorf("WORKSPACE_HUBS: %w", err)
		}
	}
	fs.Var(&hubs, "hubs", "event hubs as hub=function[,hub=function…]; empty function = no consumer (env WORKSPACE_HUBS)")
	fs.IntVar(&c.partitions, "partitions", envInt("WORKSPACE_PARTITIONS", 4), "partitions per event hub (env WORKSPACE_PARTITIONS)")
	fs.StringVar(&c.namespace, "namespace", env("WORKSPACE_EVENTHUBS_NAMESPACE", "workspace.servicebus.windows.net"), "Event Hubs FullyQualifiedNamespace in partition contexts (env WORKSPACE_EVENTHUBS_NAMESPACE)")
	fs.StringVar(&c.topic, "topic", env("WORKSPACE_TOPIC", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.HealthcareApis/workspaces/local"), "event topic/source (env WORKSPACE_TOPIC)")
	fs.StringVar(&c.fhirAccount, "fhir-account", env("WORKSPACE_FHIR_ACCOUNT", ""), "data.resourceFhirAccount; default the FHIR front's host:port (env WORKSPACE_FHIR_ACCOUNT)")
	fs.StringVar(&c.dicomHost, "dicom-host", env("WORKSPACE_DICOM_HOST", ""), "data.serviceHostName; default the DICOM front's host:port (env WORKSPACE_DICOM_HOST)")
	fs.BoolVar(&c.deadLetter, "dead-letter", env("WORKSPACE_DEAD_LETTER", "true") == "true", "dead-letter final Event Grid failures to blob storage (env WORKSPACE_DEAD_LETTER)")
	fs.BoolVar(&c.dicomPartitions, "dicom-partitions", env("WORKSPACE_DICOM_PARTITIONS", "") == "true", "emulate a DICOM service with data partitions: /{v}/partitions/{name}/… routes (env WORKSPACE_DICOM_PARTITIONS=true; match the handler's DICOM_PARTITIONS_ENABLED)")
	fs.BoolVar(&c.allowMissing, "allow-missing-functions", env("WORKSPACE_ALLOW_MISSING_FUNCTIONS", "") == "true", "drop (with a warning) subscriptions and hub consumers whose function is not in the app root, instead of refusing to start (env WORKSPACE_ALLOW_MISSING_FUNCTIONS=true)")
	fs.StringVar(&c.logLevel, "log-level", env("WORKSPACE_LOG_LEVEL", "info"), "debug, info, warn or error (env WORKSPACE_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	c.hubs = hubs
	n := 0
	for _, set := range []bool{c.handlerURL != "", c.startHandler, c.funcHostURL != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return c, errors.New("give exactly one of -handler-url, -start-handler or -func-host-url")
	}
	if c.timeFactor < 1 {
		return c, fmt.Errorf("-time-factor %v: want ≥ 1", c.timeFactor)
	}
	return c, nil
}
