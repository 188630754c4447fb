package imaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
)

// Outcome is the result of one rebuild (P1.9).
type Outcome string

// The rebuild outcomes.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeDeleted   Outcome = "deleted"
	OutcomeCancelled Outcome = "cancelled"
	OutcomeSkipped   Outcome = "skipped"
	OutcomeRejected  Outcome = "rejected"
	OutcomeFailed    Outcome = "failed"
)

// FHIR is the part of *fhir.Client the service uses. Implementations retry
// throttling and server errors themselves and are safe for concurrent use.
type FHIR interface {
	Base() string
	Read(ctx context.Context, typ, id string) (*fhir.Response, error)
	VRead(ctx context.Context, typ, id, versionID string) (*fhir.Response, error)
	Create(ctx context.Context, typ string, body []byte, ifNoneExist string) (*fhir.Response, error)
	Update(ctx context.Context, typ, id string, body []byte, ifMatch string) (*fhir.Response, error)
	Delete(ctx context.Context, typ, id, ifMatch string) error
	Search(ctx context.Context, typ string, query url.Values, each func(resource json.RawMessage) error) error
}

// DICOM is the part of *dicomweb.Client the service uses.
type DICOM interface {
	Base(partition string) string
	StudyMetadata(ctx context.Context, partition, study string) ([]byte, error)
	Changes(ctx context.Context, from int64, limit int) (*dicomweb.ChangePage, error)
	Latest(ctx context.Context) (int64, error)
}

var (
	_ FHIR  = (*fhir.Client)(nil)
	_ DICOM = (*dicomweb.Client)(nil)
)

// Service keeps FHIR ImagingStudy resources in step with the DICOM service.
// One Service per process: its coalescing registry is what makes a burst of
// events for a study cost one rebuild. Safe for concurrent use.
type Service struct {
	cfg   Config
	dicom DICOM
	fhir  FHIR
	log   *slog.Logger
	reg   *registry
	// base is the context rebuilds are detached into.
	base context.Context

	endpointMu sync.Mutex
	endpoints  map[string]cachedID
	own        ownWrites
	// now and sleep are replaced in tests.
	now func() time.Time
}

type cachedID struct {
	id      string
	expires time.Time
}

// NewService returns a Service. log must not be nil.
func NewService(cfg Config, dicom DICOM, fhirc FHIR, log *slog.Logger) *Service {
	s := &Service{cfg: cfg, dicom: dicom, fhir: fhirc, log: log, base: context.Background(),
		endpoints: make(map[string]cachedID), now: time.Now}
	s.own.init()
	maxc := cfg.MaxConcurrent
	if maxc <= 0 {
		maxc = 8
	}
	s.reg = newRegistry(cfg.SettleWindow, maxc, s.rebuildLogged)
	s.reg.timeout = cfg.RebuildTimeout
	return s
}

// NewDICOMClient builds the DICOMweb client for cfg: kind, API version,
// partitions and scope come from cfg, the rest (Credential, Logger…) from
// opts. A nil opts.Credential sends no token.
func NewDICOMClient(cfg Config, opts dicomweb.Options) (*dicomweb.Client, error) {
	opts.Kind = cfg.Kind
	opts.APIVersion = cfg.APIVersion
	opts.PartitionsEnabled = cfg.PartitionsEnabled
	if opts.Scope == "" {
		opts.Scope = cfg.Scope
	}
	return dicomweb.New(cfg.ServiceURL, opts)
}

// HandleEvent handles one AHDS DICOM event (Event Grid trigger of
// dicom-events). It validates the event (P3), joins or starts the study's
// coalesced rebuild (P2) and waits for it at most DICOM_EVENT_DEADLINE. The
// rebuild itself runs detached with its own DICOM_REBUILD_TIMEOUT, so a
// redelivery after a deadline finds it finished or joins the next one.
// Rejections and permanent failures are returned as permanent errors (the
// adapter dead-letters them and answers 2xx); anything else is transient.
func (s *Service) HandleEvent(ctx context.Context, e event.Event) error {
	start := s.now()
	ev, err := ParseDicomEvent(e, s.cfg.Host, s.cfg.PartitionsEnabled)
	if err != nil {
		var re *RejectError
		reason := ""
		if errors.As(err, &re) {
			reason = re.Reason
		}
		s.log.WarnContext(ctx, "dicom event rejected", "event_id", e.ID, "type", e.Type, "reason", reason,
			"outcome", OutcomeRejected)
		return err
	}
	p := s.Submit(context.WithValue(ctx, triggerKey{}, ev), ev.Key)
	deadline := time.NewTimer(s.cfg.EventDeadline)
	defer deadline.Stop()
	select {
	case <-p.done:
	case <-deadline.C:
		s.logEvent(ctx, ev, start, "pending", nil)
		return fmt.Errorf("study %s: rebuild still running after %v; redelivery will pick up its result", ev.Key.StudyUID, s.cfg.EventDeadline)
	case <-ctx.Done():
		return fmt.Errorf("study %s: invocation ended: %w", ev.Key.StudyUID, ctx.Err())
	}
	s.logEvent(ctx, ev, start, p.j.out, p.j.err)
	return p.j.err
}

// Submit joins or starts the coalesced rebuild of k and returns a handle
// whose Wait gives the shared result. The rebuild is detached from ctx
// (values are kept, cancellation is not).
func (s *Service) Submit(ctx context.Context, k Key) *Pending {
	return s.submit(ctx, k, s.cfg.SettleWindow)
}

func (s *Service) submitNow(ctx context.Context, k Key) *Pending { return s.submit(ctx, k, 0) }

func (s *Service) submit(ctx context.Context, k Key, settle time.Duration) *Pending {
	// The rebuild's own limit (DICOM_REBUILD_TIMEOUT) starts when it runs;
	// this cap also covers the settle window and waiting for the running
	// rebuild of the key.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.cfg.RebuildTimeout+settle+time.Minute)
	j := s.reg.submitSettle(rctx, k, settle)
	go func() { <-j.done; cancel() }()
	return &Pending{j: j, done: j.done}
}

// Pending is a submitted rebuild.
type Pending struct {
	j    *job
	done chan struct{}
}

// Wait blocks until the rebuild ends or ctx is done.
func (p *Pending) Wait(ctx context.Context) (Outcome, error) {
	select {
	case <-p.done:
		return p.j.out, p.j.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *Service) logEvent(ctx context.Context, ev DicomEvent, start time.Time, out Outcome, err error) {
	// The rebuild logs its error; this line ties the event to the outcome.
	class := "none"
	switch {
	case err == nil:
	case event.IsPermanent(err):
		class = "permanent"
	default:
		class = "transient"
	}
	s.log.InfoContext(ctx, "dicom event handled", "event_id", ev.ID, "type", ev.Type, "sequence", ev.Sequence,
		"host", ev.Key.Host, "partition", ev.Key.Partition, "study", ev.Key.StudyUID,
		"duration_ms", s.now().Sub(start).Milliseconds(), "outcome", out, "error_class", class)
}

// Config returns the service's settings.
func (s *Service) Config() Config { return s.cfg }

// NewFromEnv builds the Service the function app runs: settings from getenv
// (dicom.md §2), a DICOMweb client using cred for non-local services (nil:
// no token), and the given FHIR client.
func NewFromEnv(getenv func(string) string, cred azcore.TokenCredential, fhirc FHIR, log *slog.Logger) (*Service, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	dc, err := NewDICOMClient(cfg, dicomweb.Options{Credential: cred, Logger: log})
	if err != nil {
		return nil, err
	}
	return NewService(cfg, dc, fhirc, log), nil
}

// triggerKey carries the DicomEvent that started a rebuild, for its log line.
type triggerKey struct{}

// rebuildLogged runs a rebuild and logs its outcome once (P1.9), whether or
// not an invocation is still waiting for it.
func (s *Service) rebuildLogged(ctx context.Context, k Key) (Outcome, error) {
	start := s.now()
	out, err := s.rebuild(ctx, k)
	attrs := []any{"host", k.Host, "partition", k.Partition, "study", k.StudyUID,
		"duration_ms", s.now().Sub(start).Milliseconds(), "outcome", out}
	if ev, ok := ctx.Value(triggerKey{}).(DicomEvent); ok {
		attrs = append(attrs, "event_id", ev.ID, "type", ev.Type, "sequence", ev.Sequence)
	}
	switch {
	case err == nil:
		s.log.InfoContext(ctx, "study rebuilt", attrs...)
	case event.IsPermanent(err):
		s.log.WarnContext(ctx, "study rebuild failed permanently", append(attrs, "error", err.Error())...)
	default:
		s.log.ErrorContext(ctx, "study rebuild failed", append(attrs, "error", err.Error())...)
	}
	return out, err
}
