package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/ahds-events/ahds/shared/imaging"
)

const dicomUsage = `usage:
  ahds dicom imagingstudy --metadata FILE [--endpoint-url URL]
      print the FHIR collection Bundle (ImagingStudy, Patient, Endpoint) for a
      WADO-RS study metadata file (- = stdin); no network access
  ahds dicom catchup [--from SEQ] [--to SEQ] [--dry-run] [--no-checkpoint] [--concurrency N]
      replay the DICOM change feed into FHIR`

// runDicom runs `ahds dicom …`. Exit status: 0 ok, 1 invalid input or failed
// run, 2 unusable arguments (3 for catchup with permanent per-study errors).
func runDicom(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, dicomUsage)
		return 2
	}
	switch args[0] {
	case "imagingstudy":
		return runDicomImagingStudy(args[1:], getenv, stdin, stdout, stderr)
	case "catchup":
		return runDicomCatchup(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, dicomUsage)
		return 0
	}
	fmt.Fprintf(stderr, "ahds dicom: unknown subcommand %q\n%s\n", args[0], dicomUsage)
	return 2
}

func runDicomImagingStudy(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ahds dicom imagingstudy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("metadata", "", "WADO-RS study metadata (DICOM JSON array); - reads stdin")
	endpoint := fs.String("endpoint-url", "", "DICOMweb base URL for Endpoint.address and meta.source")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ahds dicom imagingstudy: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *file == "" {
		fmt.Fprintln(stderr, "ahds dicom imagingstudy: --metadata FILE is required")
		return 2
	}
	address, patient, err := previewSettings(*endpoint, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "ahds dicom imagingstudy: %v\n", err)
		return 2
	}
	var meta []byte
	if *file == "-" {
		meta, err = io.ReadAll(stdin)
	} else {
		meta, err = os.ReadFile(*file)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %s: %v\n", *file, err)
		return 1
	}
	out, warns, err := imaging.Preview(meta, imaging.PreviewOptions{Address: address, Patient: patient})
	for _, w := range warns {
		fmt.Fprintf(stderr, "warning: %s: %s\n", *file, w)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error: %s: %v\n", *file, err)
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "error: write output: %v\n", err)
		return 1
	}
	return 0
}

// previewSettings picks the Endpoint address (P9.4) and the Patient settings
// from the environment.
func previewSettings(flagURL string, getenv func(string) string) (string, imaging.PatientOptions, error) {
	env := getenv
	if strings.TrimSpace(getenv("DICOM_SERVICE_URL")) == "" {
		// The preview needs no service: default to the local Orthanc.
		env = func(k string) string {
			switch k {
			case "DICOM_SERVICE_URL":
				return "http://127.0.0.1:8042"
			case "DICOM_SERVICE_KIND":
				return imaging.KindOrthanc
			}
			return getenv(k)
		}
	}
	cfg, err := imaging.LoadConfig(env)
	if err != nil {
		return "", imaging.PatientOptions{}, err
	}
	address := cfg.BaseURL(imaging.DefaultPartition)
	if flagURL != "" {
		u, err := url.Parse(flagURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return "", imaging.PatientOptions{}, fmt.Errorf("--endpoint-url %q: want an absolute http(s) URL without query", flagURL)
		}
		address = strings.TrimRight(flagURL, "/")
	}
	return address, cfg.Patient, nil
}

func runDicomCatchup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	_ = ctx
	_, _, _ = args, getenv, stdout
	fmt.Fprintln(stderr, "ahds dicom catchup: not available in this build yet")
	return 1
}
