package medtech

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ahds-events/ahds/shared/event"
)

// Options are the Processor's collaborators. Zero values: slog.Default is
// never used; Logger is required.
type Options struct {
	// Logger receives metrics and warnings (no PHI is logged).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Blobs reads mappings located by URL; nil allows file paths only.
	Blobs BlobReader
}

// Processor is the device pipeline (medtech.md §3): it normalizes a batch
// of Event Hubs messages, groups the measurements, resolves identities,
// reads the target Observations and writes them with FHIR batch bundles.
//
// Delivery and retries: Process is safe to re-run on the same batch —
// Observation ids are deterministic and unchanged resources are not
// written — so the Event Hubs trigger's retry policy may repeat a batch.
// Process returns a *event.BatchError whose entries are event.Permanent for
// messages that can never succeed (to be dead-lettered) and transient for
// FHIR 429/5xx/network/auth failures (the invocation fails and the batch
// is retried). A Processor is safe for concurrent use.
type Processor struct {
	cfg      Config
	mappings *Mappings
	client   FHIR
	log      *slog.Logger
	now      func() time.Time
	resolver *resolver
	fallback sync.Map // "index/field" → struct{}: logged once per process
}

// NewProcessor builds a Processor from settings (see LoadConfig) and a FHIR
// client (a *fhir.Client in production). Mappings load on first use and
// are re-read every cfg.MappingRefresh.
func NewProcessor(cfg Config, client FHIR, opts Options) (*Processor, error) {
	if opts.Logger == nil {
		return nil, errors.New("medtech: Options.Logger is required")
	}
	if client == nil {
		return nil, errors.New("medtech: a FHIR client is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	dev, err := SourceFor(cfg.DeviceMapping, opts.Blobs)
	if err != nil {
		return nil, fmt.Errorf("medtech: device mapping: %w", err)
	}
	fh, err := SourceFor(cfg.FHIRMapping, opts.Blobs)
	if err != nil {
		return nil, fmt.Errorf("medtech: FHIR mapping: %w", err)
	}
	if cfg.FHIRConcurrency < 1 {
		cfg.FHIRConcurrency = 1
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeFHIR
	}
	if cfg.Identity == "" {
		cfg.Identity = IdentityLookup
	}
	p := &Processor{cfg: cfg, client: client, log: opts.Logger, now: opts.Now}
	p.mappings = NewMappings(dev, fh, cfg.MappingRefresh, opts.Logger, opts.Now)
	p.mappings.onFallback = p.onFallback
	p.resolver = &resolver{mode: cfg.Identity, system: cfg.DeviceIdentifierSystem, client: client, concurrency: cfg.FHIRConcurrency,
		now: opts.Now, devices: newTTLCache[Identity](cfg.IdentityCacheTTL), encounters: newTTLCache[string](cfg.IdentityCacheTTL)}
	return p, nil
}

func (p *Processor) onFallback(index int, field string) {
	if _, seen := p.fallback.LoadOrStore(fmt.Sprintf("%d/%s", index, field), struct{}{}); !seen {
		p.log.Warn("medtech seed-compatibility Body fallback used", "metric", "CompatibilityFallback", "templateIndex", index, "field", field)
	}
}

// stats are one invocation's metrics (medtech.md §18).
type stats struct {
	messages, measurements, groups, dropped      int
	created, updated, unchanged, contention      int
	permanent, transient                         int
	normalizeMs                                  float64
	eventLatency, ingestionLatency, ingestionMax time.Duration
	latencyN, ingestionN                         int
}

// Process handles one batch of messages (one partition, delivery order).
// It matches event.BatchHandler.
func (p *Processor) Process(ctx context.Context, msgs []event.Message) error {
	start := p.now()
	active, err := p.mappings.Current(ctx)
	if err != nil {
		return err
	}
	st := &stats{messages: len(msgs)}
	f := &failures{p: p, ctx: ctx, st: st, failed: map[int]error{}}
	var ms []Measurement
	for i, m := range msgs {
		env, err := MessageEnvelope(m)
		if err == nil {
			var got []Measurement
			if got, err = active.Normalizer.Normalize(env, nil); err == nil {
				if len(got) == 0 {
					st.dropped++
				}
				for j := range got {
					got[j].Source = i
				}
				ms = append(ms, got...)
				if !m.EnqueuedTime.IsZero() {
					st.eventLatency += p.now().Sub(m.EnqueuedTime)
					st.latencyN++
				}
			}
		}
		if err != nil {
			f.messages([]int{i}, err)
		}
	}
	st.measurements = len(ms)
	st.normalizeMs = float64(p.now().Sub(start).Microseconds()) / 1000
	builder := Builder{Mode: p.cfg.Mode}
	groups, gerrs := Grouper{FHIR: active.FHIR, Mode: p.cfg.Mode}.Group(ms)
	for _, ge := range gerrs {
		f.messages(ge.Sources, ge.Err)
	}
	st.groups = len(groups)
	ids, ierrs := p.resolver.resolve(ctx, groups)
	var resolved []Resolved
	for i, g := range groups {
		if ierrs[i] != nil {
			if e, ok := ierrs[i].(*Error); ok && e.Template == nil {
				e.Template = &TemplateRef{Mapping: "fhir", Index: g.Template.Index, TypeName: g.Template.TypeName}
			}
			f.group(g, "", ierrs[i])
			continue
		}
		resolved = append(resolved, Resolved{Group: g, Identity: ids[i]})
	}
	p.write(ctx, builder, resolved, st, f)
	p.logStats(ctx, msgs, st, start)
	if len(f.failed) == 0 {
		return nil
	}
	return &event.BatchError{Failed: f.failed}
}

// failures collects an invocation's per-message failures.
type failures struct {
	p      *Processor
	ctx    context.Context
	st     *stats
	failed map[int]error
}

// messages records err for the source messages not yet failed.
func (f *failures) messages(sources []int, err error) {
	for _, i := range sources {
		if _, done := f.failed[i]; done {
			continue
		}
		var t *transientError
		if errors.As(err, &t) {
			f.failed[i] = fmt.Errorf("message %d: %w", i, err)
			f.st.transient++
		} else {
			f.failed[i] = event.Permanent(fmt.Errorf("message %d: %w", i, err))
			f.st.permanent++
			f.p.logHandled(f.ctx, err)
		}
	}
}

// group records err for a group's source messages, naming the group and
// target Observation in permanent errors (for the dead-letter key).
func (f *failures) group(g *Group, obsID string, err error) {
	if e, ok := err.(*Error); ok {
		err = e.withGroup(g.Key, obsID)
	}
	f.messages(g.Sources, err)
}

func (p *Processor) logHandled(ctx context.Context, err error) {
	var e *Error
	if !errors.As(err, &e) {
		return
	}
	op := "FHIRConversion"
	if e.Stage == StageNormalization {
		op = "Normalization"
	}
	attrs := []any{"metric", "HandledException", "name", e.Name, "operation", op}
	if e.Template != nil {
		attrs = append(attrs, "templateIndex", e.Template.Index, "typeName", e.Template.TypeName, "field", e.Template.Field)
	}
	p.log.WarnContext(ctx, "medtech message dead-lettered", attrs...)
}

func (p *Processor) logStats(ctx context.Context, msgs []event.Message, st *stats, start time.Time) {
	partition := ""
	if len(msgs) > 0 {
		partition = msgs[0].PartitionID
	}
	attrs := []any{"partitionId", partition,
		"MessagesIngested", st.messages, "NormalizedEvent", st.measurements, "MeasurementsCreated", st.measurements, "DroppedEvent", st.dropped,
		"MeasurementGroup", st.groups, "ObservationsCreated", st.created, "ObservationsUpdated", st.updated,
		"ObservationsUnchanged", st.unchanged, "FHIRResourceContention", st.contention,
		"DeadLettered", st.permanent, "TransientFailures", st.transient,
		"NormalizationTimePerBatchMs", st.normalizeMs, "durationMs", p.now().Sub(start).Milliseconds()}
	if st.latencyN > 0 {
		attrs = append(attrs, "DeviceEventProcessingLatencyMs", (st.eventLatency / time.Duration(st.latencyN)).Milliseconds())
	}
	if st.ingestionN > 0 {
		attrs = append(attrs, "MeasurementIngestionLatencyMs", (st.ingestionLatency / time.Duration(st.ingestionN)).Milliseconds(),
			"MeasurementIngestionLatencyMaxMs", st.ingestionMax.Milliseconds())
	}
	p.log.InfoContext(ctx, "medtech batch processed", attrs...)
}

// Ready loads the mappings if needed and reports whether a valid pair is
// active; call it at start-up to surface mapping problems early.
func (p *Processor) Ready(ctx context.Context) error {
	_, err := p.mappings.Current(ctx)
	return err
}
