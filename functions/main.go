// Command handler is the Function App's custom handler: one HTTP server that
// the Azure Functions host starts and invokes at POST /{FunctionName}. Every
// function of the app is wired in newApp, and nowhere else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	devicetelemetry "github.com/ahds-events/ahds/functions/device-telemetry"
	dicomcatchup "github.com/ahds-events/ahds/functions/dicom-catchup"
	dicomevents "github.com/ahds-events/ahds/functions/dicom-events"
	fhirevents "github.com/ahds-events/ahds/functions/fhir-events"
	"github.com/ahds-events/ahds/functions/health"
	"github.com/ahds-events/ahds/shared/azcred"
	"github.com/ahds-events/ahds/shared/azfunc"
	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging"
	"github.com/ahds-events/ahds/shared/imaging/checkpoint"
	"github.com/ahds-events/ahds/shared/medtech"
)

// version is set at build time by scripts/build.sh.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "handler:", err)
		os.Exit(1)
	}
}

// deps are the clients shared by the functions, built once from config.
// A nil member means its settings are missing or invalid; functions that
// need it fail their invocations as transient so events wait, not vanish.
type deps struct {
	cfg         config.Config
	cfgProblems []string
	getenv      func(string) string
	log         *slog.Logger
	cred        azcore.TokenCredential
	blob        *azblob.Client
	deadLetters deadletter.Store
	fhir        *fhir.Client
}

// run starts the server on FUNCTIONS_CUSTOMHANDLER_PORT and serves until ctx
// ends.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, cfgErr := config.Load(getenv)
	log := azfunc.NewLogger(stdout, stderr, cfg.LogLevel)
	d := newDeps(cfg, cfgErr, getenv, log)

	port := getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if port == "" {
		port = getenv("FUNCTIONS_HTTPWORKER_PORT")
	}
	if port == "" {
		return errors.New("FUNCTIONS_CUSTOMHANDLER_PORT is not set: the Functions host sets it; run under `func start --script-root dist` or set it by hand")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return fmt.Errorf("listen on 127.0.0.1:%s: %w", port, err)
	}
	app := newApp(d)
	// No ReadTimeout/WriteTimeout: invocations are bounded by their own
	// deadline, and the host's timeout is functionTimeout + 1 min (contract §10).
	srv := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("handler ready", "version", version, "port", port, "functions", len(app.Functions()))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func newDeps(cfg config.Config, cfgErr error, getenv func(string) string, log *slog.Logger) deps {
	d := deps{cfg: cfg, getenv: getenv, log: log}
	if cfgErr != nil {
		d.cfgProblems = strings.Split(cfgErr.Error(), "\n")
		log.Error("configuration problems: the functions that need these settings will fail until they are fixed", "problems", d.cfgProblems)
	}
	if needsCredential(cfg) {
		cred, err := azcred.NewCredential(cfg.AzureClientID)
		if err != nil {
			d.cfgProblems = append(d.cfgProblems, "credential: "+err.Error())
			log.Error("no Azure credential", "err", err)
		}
		d.cred = cred
	}
	if cfg.Storage.Configured() {
		blob, err := blobstore.Open(cfg.Storage, d.cred)
		if err != nil {
			d.cfgProblems = append(d.cfgProblems, err.Error())
			log.Error("storage unusable", "err", err)
		} else {
			d.blob = blob
			d.deadLetters = deadletter.NewBlob(blob, cfg.DeadLetterContainer)
		}
	}
	if cfg.FHIRBaseURL != "" {
		if c, err := fhir.New(cfg.FHIRBaseURL, fhir.Options{Credential: d.cred, Logger: log}); err == nil {
			d.fhir = c
		}
	}
	if d.deadLetters == nil {
		// Without storage, dead letters are kept in memory and logged: the
		// health function reports the missing setting.
		d.deadLetters = deadletter.NewMemory()
	}
	return d
}

func needsCredential(cfg config.Config) bool {
	for _, u := range []string{cfg.FHIRBaseURL, cfg.DICOMServiceURL, cfg.Storage.BlobServiceURL} {
		if u != "" && !azcred.IsLocal(u) {
			return true
		}
	}
	return false
}

// newApp registers every function of the app. Folder names under functions/
// are the function names; main_test.go checks the two lists agree.
func newApp(d deps) *azfunc.App {
	app := azfunc.New(azfunc.Options{Logger: d.log, DeadLetters: d.deadLetters, Timeout: d.cfg.InvocationTimeout})
	proc, mtErr := newMedtech(d)
	app.EventHubBatch("device-telemetry", azfunc.DataTypeString, devicetelemetry.New(proc, mtErr))
	imgSvc, imgErr := newImaging(d)
	app.EventGrid("dicom-events", dicomevents.New(imgSvc, imgErr))
	app.EventGrid("fhir-events", fhirevents.New(imgSvc, imgErr))
	var checkpoints imaging.CheckpointStore
	cpErr := imgErr
	if imgSvc != nil && d.blob != nil {
		checkpoints = checkpoint.NewBlob(d.blob, imgSvc.Config().CheckpointContainer)
	} else if cpErr == nil {
		cpErr = errors.New("AzureWebJobsStorage is not set: the change-feed checkpoint lives in Blob Storage")
	}
	app.Timer("dicom-catchup", dicomcatchup.New(imgSvc, checkpoints, cpErr))
	// health reports the functions' own setting problems too.
	h := healthDeps(d)
	for fn, err := range map[string]error{"device-telemetry": mtErr, "dicom-events, fhir-events, dicom-catchup": imgErr} {
		if err != nil && err != errNoFHIR {
			h.ConfigProblems = append(h.ConfigProblems, fn+": "+strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
	sort.Strings(h.ConfigProblems)
	app.HTTP("health", health.New(h))
	return app
}

// errNoFHIR is why the domain functions cannot run without FHIR_BASE_URL;
// the common settings check reports it already.
var errNoFHIR = errors.New("FHIR_BASE_URL is not set")

// newImaging builds the DICOM → FHIR service, or says why it cannot.
func newImaging(d deps) (*imaging.Service, error) {
	if d.fhir == nil {
		return nil, errNoFHIR
	}
	svc, err := imaging.NewFromEnv(d.getenv, d.cred, d.fhir, d.log)
	if err != nil {
		d.log.Error("dicom settings", "err", err)
		return nil, err
	}
	return svc, nil
}

// newMedtech builds the device pipeline, or says why it cannot.
func newMedtech(d deps) (*medtech.Processor, error) {
	cfg, err := medtech.LoadConfig(d.getenv)
	if err != nil {
		d.log.Error("device-telemetry settings", "err", err)
		return nil, err
	}
	if d.fhir == nil {
		return nil, errNoFHIR
	}
	var blobs medtech.BlobReader
	if d.blob != nil {
		blobs = blobstore.Reader{Client: d.blob}
	}
	p, err := medtech.NewProcessor(cfg, d.fhir, medtech.Options{Logger: d.log, Blobs: blobs})
	if err != nil {
		d.log.Error("device-telemetry mappings", "err", err)
		return nil, err
	}
	return p, nil
}

func healthDeps(d deps) health.Deps {
	h := health.Deps{ConfigProblems: d.cfgProblems, Blob: d.blob}
	if d.cfg.FHIRBaseURL != "" {
		h.FHIRURL = d.cfg.FHIRBaseURL
		h.FHIRClient = azcred.NewClient(d.cfg.FHIRBaseURL, d.cred, d.cfg.FHIRBaseURL+"/.default", 10*time.Second)
	}
	if d.cfg.DICOMServiceURL != "" {
		h.DICOMURL = d.cfg.DICOMServiceURL + "/v2/studies?limit=1"
		if d.cfg.DICOMServiceKind == "orthanc" {
			h.DICOMURL = d.cfg.DICOMServiceURL + "/dicom-web/studies?limit=1"
		}
		h.DICOMClient = azcred.NewClient(d.cfg.DICOMServiceURL, d.cred, "https://dicom.healthcareapis.azure.com/.default", 10*time.Second)
	}
	return h
}
