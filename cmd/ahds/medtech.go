package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ahds-events/ahds/shared/medtech"
	"github.com/ahds-events/ahds/shared/medtech/template"
)

const medtechUsage = `usage:
  ahds medtech normalize --device-mapping FILE [--fhir-mapping FILE] (--messages FILE | --events FILE)
      print the normalized measurements (JSON array); errors and warnings go to stderr as JSON Lines
  ahds medtech map --device-mapping FILE --fhir-mapping FILE (--messages FILE | --events FILE)
                   [--mode fhir|azure-medtech] [--now RFC3339]
      print {"measurements", "observations", "errors"}; Direct identity, no FHIR access
  ahds medtech validate --device-mapping FILE [--fhir-mapping FILE]
      check the mappings; problems and warnings go to stderr as JSON Lines
--messages: device message bodies (one JSON value, an array of bodies, or JSON Lines).
--events:   {"Body", "Properties", "SystemProperties"} envelopes (one, an array, or JSON Lines).
Exit status: 0 no error, 1 a message failed, 2 unusable arguments, unreadable files or invalid mappings.`

// runMedtech runs `ahds medtech normalize|map|validate`, the offline mapping
// debugger (medtech.md §19).
func runMedtech(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, medtechUsage)
		return 2
	}
	switch args[0] {
	case "normalize", "map", "validate":
		return medtechDebug(args[0], args[1:], stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, medtechUsage)
		return 0
	}
	fmt.Fprintf(stderr, "ahds medtech: unknown subcommand %q\n%s\n", args[0], medtechUsage)
	return 2
}

type medtechFlags struct {
	device, fhir, messages, events, mode, now string
}

func medtechDebug(sub string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := "ahds medtech " + sub
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f medtechFlags
	fs.StringVar(&f.device, "device-mapping", "", "device mapping (CollectionContent) JSON file; - reads stdin")
	fs.StringVar(&f.fhir, "fhir-mapping", "", "FHIR destination mapping (CollectionFhir) JSON file")
	if sub != "validate" {
		fs.StringVar(&f.messages, "messages", "", "device message bodies file; - reads stdin")
		fs.StringVar(&f.events, "events", "", "event envelopes file; - reads stdin")
	}
	if sub == "map" {
		fs.StringVar(&f.mode, "mode", "fhir", "output mode: fhir or azure-medtech")
		fs.StringVar(&f.now, "now", "", "processing time for Observation.issued (RFC 3339; default now)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "%s: unexpected argument %q", name, fs.Arg(0))
	}
	if f.device == "" {
		return usageError(stderr, "%s: --device-mapping FILE is required", name)
	}
	if sub == "map" && f.fhir == "" {
		return usageError(stderr, "%s: --fhir-mapping FILE is required", name)
	}
	if sub != "validate" && (f.messages == "") == (f.events == "") {
		return usageError(stderr, "%s: give exactly one of --messages FILE or --events FILE", name)
	}
	mode := medtech.Mode(f.mode)
	if sub == "map" && mode != medtech.ModeFHIR && mode != medtech.ModeAzureMedTech {
		return usageError(stderr, "%s: --mode must be fhir or azure-medtech, got %q", name, f.mode)
	}
	now := time.Now()
	if f.now != "" {
		t, err := time.Parse(time.RFC3339Nano, f.now)
		if err != nil {
			return usageError(stderr, "%s: --now %q is not an RFC 3339 time", name, f.now)
		}
		now = t
	}
	read := func(path string) ([]byte, error) {
		if path == "-" {
			return io.ReadAll(stdin)
		}
		return os.ReadFile(path)
	}
	devSrc, err := read(f.device)
	if err != nil {
		return usageError(stderr, "%s: read device mapping: %v", name, err)
	}
	var fhirSrc []byte
	if f.fhir != "" {
		if fhirSrc, err = read(f.fhir); err != nil {
			return usageError(stderr, "%s: read FHIR mapping: %v", name, err)
		}
	}
	jl := json.NewEncoder(stderr)
	dev, devErr := template.ParseDevice(devSrc)
	var fm *template.FHIRMapping
	var fhirErr error
	if fhirSrc != nil {
		fm, fhirErr = template.ParseFHIR(fhirSrc)
	}
	if devErr != nil || fhirErr != nil {
		for _, err := range []error{devErr, fhirErr} {
			var te *template.Error
			if errors.As(err, &te) {
				for _, p := range te.Problems {
					_ = jl.Encode(struct {
						Level string `json:"level"`
						template.Problem
					}{"error", p})
				}
			}
		}
		return 2
	}
	d := medtech.Debugger{Normalizer: medtech.NewNormalizer(dev), FHIR: fm, Builder: medtech.Builder{Mode: mode}}
	if sub == "validate" {
		if fm != nil {
			for _, w := range medtech.CrossCheck(dev, fm) {
				_ = jl.Encode(warningLine(w))
			}
		}
		return 0
	}
	var in medtech.Inputs
	if f.messages != "" {
		data, err := read(f.messages)
		if err != nil {
			return usageError(stderr, "%s: read messages: %v", name, err)
		}
		in = medtech.ParseMessages(data)
	} else {
		data, err := read(f.events)
		if err != nil {
			return usageError(stderr, "%s: read events: %v", name, err)
		}
		in = medtech.ParseEvents(data)
	}
	if sub == "normalize" {
		// Normalization only; the FHIR mapping adds the mapping warnings.
		d.FHIR = nil
	}
	r := d.Run(in.Envelopes, in.Errs, now)
	if sub == "normalize" && fm != nil {
		for _, w := range medtech.CrossCheck(dev, fm) {
			_ = jl.Encode(warningLine(w))
		}
	}
	for _, w := range r.Warnings {
		_ = jl.Encode(struct {
			Level string `json:"level"`
			medtech.DebugWarning
		}{"warning", w})
	}
	out := json.NewEncoder(stdout)
	out.SetIndent("", "  ")
	measurements := r.Measurements
	if measurements == nil {
		measurements = []medtech.Measurement{}
	}
	if sub == "normalize" {
		for _, e := range r.Errors {
			_ = jl.Encode(struct {
				Level string `json:"level"`
				medtech.DebugError
			}{"error", e})
		}
		if err := out.Encode(measurements); err != nil {
			return fail(stderr, err)
		}
	} else {
		obs, errs := r.Observations, r.Errors
		if obs == nil {
			obs = []*medtech.Observation{}
		}
		if errs == nil {
			errs = []medtech.DebugError{}
		}
		if err := out.Encode(struct {
			Measurements []medtech.Measurement  `json:"measurements"`
			Observations []*medtech.Observation `json:"observations"`
			Errors       []medtech.DebugError   `json:"errors"`
		}{measurements, obs, errs}); err != nil {
			return fail(stderr, err)
		}
	}
	if len(r.Errors) > 0 {
		return 1
	}
	return 0
}

func warningLine(w medtech.Warning) any {
	d := medtech.DebugWarning{Code: w.Code, Message: w.Message}
	if t := w.Template; t != nil {
		i := t.Index
		d.Mapping, d.TemplateIndex, d.TypeName, d.Field = t.Mapping, &i, t.TypeName, t.Field
	}
	return struct {
		Level string `json:"level"`
		medtech.DebugWarning
	}{"warning", d}
}
