package main

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/imaging/synth"
)

// versionSuffix matches the version segment that ends a DICOMweb base URL.
var versionSuffix = regexp.MustCompile(`/(v[0-9][0-9.]*)/?$`)

// runSimulateStudy: `ahds simulate study --url DICOMWEB` stores a synthetic
// multi-series CT study with STOW-RS, one request per series.
func runSimulateStudy(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("simulate study", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	base := fs.String("url", "", "DICOMweb base URL including the version, e.g. http://127.0.0.1:8043/v2 (Azure-shaped)")
	kind := fs.String("kind", dicomweb.KindAzure, "azure or orthanc (for Orthanc give its origin, e.g. http://127.0.0.1:8042)")
	series := fs.Int("series", 3, "number of series")
	perSeries := fs.Int("instances", 20, "instances per series")
	studyUID := fs.String("study-uid", "", "StudyInstanceUID (default: a new 2.25 UID from the clock)")
	patientID := fs.String("patient-id", "SYN-0001", "PatientID of the study")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *base == "" || *series < 1 || *perSeries < 1 {
		return usageError(e.stderr, "usage: ahds simulate study --url DICOMWEB_BASE [--series N] [--instances N]")
	}
	origin, version := *base, "v2"
	if m := versionSuffix.FindStringSubmatch(*base); m != nil {
		origin, version = strings.TrimSuffix(strings.TrimSuffix(*base, "/"), "/"+m[1]), m[1]
	}
	if *studyUID == "" {
		*studyUID = fmt.Sprintf("2.25.%d", time.Now().UnixNano())
	}
	client, err := dicomweb.New(origin, dicomweb.Options{Kind: *kind, APIVersion: version})
	if err != nil {
		return fail(e.stderr, err)
	}
	instances := synth.CTStudy(*studyUID, *patientID, *series, *perSeries)
	files, err := synth.Files(instances)
	if err != nil {
		return fail(e.stderr, err)
	}
	for k := range *series {
		part := files[k**perSeries : (k+1)**perSeries]
		res, err := client.Store(ctx, dicomweb.DefaultPartition, *studyUID, part...)
		if err != nil {
			return fail(e.stderr, fmt.Errorf("store series %d: %w", k+1, err))
		}
		if len(res.Failed) > 0 {
			return fail(e.stderr, fmt.Errorf("store series %d: %d instance(s) refused (status %d)", k+1, len(res.Failed), res.Status))
		}
		fmt.Fprintf(e.stderr, "\rstored series %d/%d (%d instances)", k+1, *series, (k+1)**perSeries)
	}
	fmt.Fprintln(e.stderr)
	fmt.Fprintf(e.stdout, "stored study %s: %d series, %d instances\n", *studyUID, *series, len(files))
	return 0
}
