package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/ahds-events/ahds/shared/azcred"
	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging"
	"github.com/ahds-events/ahds/shared/imaging/checkpoint"
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
	fs := flag.NewFlagSet("ahds dicom catchup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "start at this change-feed position instead of the checkpoint")
	to := fs.Int64("to", 0, "stop once this position is reached (0: the end)")
	dry := fs.Bool("dry-run", false, "list the studies that would be rebuilt; write nothing")
	noCP := fs.Bool("no-checkpoint", false, "never write the checkpoint")
	conc := fs.Int("concurrency", 0, "rebuilds in parallel (default DICOM_MAX_CONCURRENT_REBUILDS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ahds dicom catchup: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts := imaging.CatchupOptions{To: *to, DryRun: *dry, NoCheckpoint: *noCP, Concurrency: *conc}
	if *from != "" {
		n, err := strconv.ParseInt(*from, 10, 64)
		if err != nil || n < 0 {
			fmt.Fprintf(stderr, "ahds dicom catchup: --from %q: want a sequence number ≥ 0\n", *from)
			return 2
		}
		opts.From = &n
	}
	if *to < 0 || *conc < 0 || *conc > 256 {
		fmt.Fprintln(stderr, "ahds dicom catchup: --to must be ≥ 0 and --concurrency from 1 to 256")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, store, err := catchupService(getenv, *conc, opts.DryRun || opts.NoCheckpoint, log)
	if err != nil {
		fmt.Fprintf(stderr, "ahds dicom catchup: %v\n", err)
		return 1
	}
	prog := newCatchupProgress(stderr)
	opts.Progress = prog.page
	res, err := svc.Catchup(ctx, store, opts)
	prog.finish()
	if opts.DryRun {
		for _, k := range res.Keys {
			fmt.Fprintf(stdout, "%s\t%s\n", k.Partition, k.StudyUID)
		}
	}
	fmt.Fprintf(stderr, "catch-up: checkpoint %d → %d, %d page(s), %d stud(ies): %s, %d permanent failure(s)%s\n",
		res.From, res.To, res.Pages, res.Studies, countsText(res.Counts), res.Permanent, map[bool]string{true: " (dry run)"}[opts.DryRun])
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "ahds dicom catchup: stopped early: %v\n", err)
		return 1
	case !res.ReachedEnd:
		fmt.Fprintln(stderr, "ahds dicom catchup: stopped early at the duration limit (DICOM_CATCHUP_MAX_DURATION); run again to continue")
		return 1
	case res.Permanent > 0:
		return 3
	}
	return 0
}

// catchupService wires the Service and the checkpoint store from the
// environment. Without storage settings only read-only runs are possible.
func catchupService(getenv func(string) string, conc int, readOnly bool, log *slog.Logger) (*imaging.Service, imaging.CheckpointStore, error) {
	cfg, err := imaging.LoadConfig(getenv)
	if err != nil {
		return nil, nil, err
	}
	if conc > 0 {
		cfg.MaxConcurrent = conc
	}
	common, _ := config.Load(getenv) // only the FHIR, identity and storage settings matter here
	if common.FHIRBaseURL == "" {
		return nil, nil, errors.New("FHIR_BASE_URL is not set")
	}
	var cred azcore.TokenCredential
	if !azcred.IsLocal(cfg.ServiceURL) || !azcred.IsLocal(common.FHIRBaseURL) || (common.Storage.ConnectionString == "" && common.Storage.BlobServiceURL != "") {
		if cred, err = azcred.NewCredential(common.AzureClientID); err != nil {
			return nil, nil, err
		}
	}
	dc, err := imaging.NewDICOMClient(cfg, dicomweb.Options{Credential: cred, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	fc, err := fhir.New(common.FHIRBaseURL, fhir.Options{Credential: cred, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	svc := imaging.NewService(cfg, dc, fc, log)
	if !common.Storage.Configured() {
		if !readOnly {
			return nil, nil, errors.New("AzureWebJobsStorage is not set: the checkpoint needs storage (or use --no-checkpoint / --dry-run)")
		}
		return svc, &imaging.MemoryCheckpoints{}, nil
	}
	var scred azcore.TokenCredential
	if common.Storage.ConnectionString == "" {
		scred = cred
	}
	client, err := blobstore.Open(common.Storage, scred)
	if err != nil {
		return nil, nil, err
	}
	return svc, checkpoint.NewBlob(client, cfg.CheckpointContainer), nil
}

func countsText(c map[imaging.Outcome]int) string {
	var parts []string
	for _, o := range []imaging.Outcome{imaging.OutcomeCreated, imaging.OutcomeUpdated, imaging.OutcomeUnchanged,
		imaging.OutcomeDeleted, imaging.OutcomeCancelled, imaging.OutcomeSkipped, imaging.OutcomeFailed} {
		parts = append(parts, fmt.Sprintf("%d %s", c[o], o))
	}
	return strings.Join(parts, ", ")
}

// catchupProgress draws a progress bar on a terminal, or prints one line per
// page otherwise.
type catchupProgress struct {
	w     io.Writer
	tty   bool
	drawn bool
	first int64
	seen  bool
}

func newCatchupProgress(w io.Writer) *catchupProgress {
	p := &catchupProgress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *catchupProgress) page(pr imaging.CatchupProgress) {
	if !p.seen {
		p.seen = true
		p.first = pr.Position
	}
	secs := pr.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(pr.Studies) / secs
	}
	eta := "?"
	if done := pr.Position - p.first; done > 0 && secs > 0 && pr.Latest >= pr.Position {
		eta = (time.Duration(float64(pr.Latest-pr.Position) / (float64(done) / secs) * float64(time.Second))).Round(time.Second).String()
	}
	frac := 1.0
	if pr.Latest > 0 {
		frac = min(1, float64(pr.Position)/float64(pr.Latest))
	}
	line := fmt.Sprintf("%d/%d  page %d  %d studies (%.1f/s)  created %d updated %d unchanged %d deleted %d failed %d  ETA %s",
		pr.Position, pr.Latest, pr.Pages, pr.Studies, rate, pr.Counts[imaging.OutcomeCreated], pr.Counts[imaging.OutcomeUpdated],
		pr.Counts[imaging.OutcomeUnchanged], pr.Counts[imaging.OutcomeDeleted], pr.Counts[imaging.OutcomeFailed], eta)
	if !p.tty {
		fmt.Fprintln(p.w, "catch-up:", line)
		return
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %s", strings.Repeat("#", n), strings.Repeat(".", width-n), line)
	p.drawn = true
}

func (p *catchupProgress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
