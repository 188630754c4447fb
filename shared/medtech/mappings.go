package medtech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

// Source reads one mapping document. Implementations must be safe for
// concurrent use.
type Source interface {
	Read(ctx context.Context) ([]byte, error)
}

// FileSource reads a mapping from a file path.
type FileSource string

// Read returns the file's content.
func (f FileSource) Read(context.Context) ([]byte, error) { return os.ReadFile(string(f)) }

// BlobReader reads a blob by URL; the function host wires it to Azure
// Storage (azblob) with its credential.
type BlobReader interface {
	ReadBlob(ctx context.Context, url string) ([]byte, error)
}

type blobSource struct {
	url   string
	blobs BlobReader
}

func (b blobSource) Read(ctx context.Context) ([]byte, error) { return b.blobs.ReadBlob(ctx, b.url) }

// SourceFor returns the source of a mapping location: an http(s) URL is
// read through blobs, anything else is a file path.
func SourceFor(location string, blobs BlobReader) (Source, error) {
	if strings.HasPrefix(location, "https://") || strings.HasPrefix(location, "http://") {
		if blobs == nil {
			return nil, fmt.Errorf("mapping location %s is a URL but no blob reader is configured", location)
		}
		return blobSource{url: location, blobs: blobs}, nil
	}
	return FileSource(location), nil
}

// ErrNoMapping means no valid mapping pair has been loaded yet; it is
// transient (the invocation fails and is retried until one is fixed).
var ErrNoMapping = errors.New("medtech: no valid device and FHIR mapping loaded")

// Active is one valid pair of mappings.
type Active struct {
	Normalizer *Normalizer
	FHIR       *template.FHIRMapping
}

// Mappings keeps the active mappings and re-reads their sources every
// refresh interval; a changed mapping that is invalid is logged and
// rejected, keeping the previous valid pair active (medtech.md §3).
type Mappings struct {
	device, fhir Source
	refresh      time.Duration
	log          *slog.Logger
	now          func() time.Time
	onFallback   func(int, string)

	mu        sync.Mutex
	active    *Active
	checked   time.Time
	devSrc    []byte
	fhirSrc   []byte
	lastError error
}

// NewMappings returns a holder that loads on first use.
func NewMappings(device, fhir Source, refresh time.Duration, log *slog.Logger, now func() time.Time) *Mappings {
	if now == nil {
		now = time.Now
	}
	return &Mappings{device: device, fhir: fhir, refresh: refresh, log: log, now: now}
}

// Current returns the active mappings, reloading them when due. It fails
// (transiently) only when no valid pair was ever loaded.
func (m *Mappings) Current(ctx context.Context) (*Active, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	due := m.active == nil || (m.refresh > 0 && m.now().Sub(m.checked) >= m.refresh)
	if due {
		m.checked = m.now()
		if err := m.reload(ctx); err != nil {
			m.lastError = err
			m.log.ErrorContext(ctx, "medtech mapping rejected", "error", err, "metric", "MappingRejected")
		}
	}
	if m.active == nil {
		return nil, fmt.Errorf("%w: %v", ErrNoMapping, m.lastError)
	}
	return m.active, nil
}

func (m *Mappings) reload(ctx context.Context) error {
	dev, err := m.device.Read(ctx)
	if err != nil {
		return fmt.Errorf("read device mapping: %w", err)
	}
	fh, err := m.fhir.Read(ctx)
	if err != nil {
		return fmt.Errorf("read FHIR mapping: %w", err)
	}
	if m.active != nil && bytes.Equal(dev, m.devSrc) && bytes.Equal(fh, m.fhirSrc) {
		return nil
	}
	dm, devErr := template.ParseDevice(dev)
	fm, fhirErr := template.ParseFHIR(fh)
	if err := errors.Join(devErr, fhirErr); err != nil {
		// Remember the sources so an unchanged invalid mapping is not
		// re-parsed and re-logged on every refresh.
		m.devSrc, m.fhirSrc = dev, fh
		return err
	}
	n := NewNormalizer(dm)
	n.OnFallback = m.onFallback
	m.active = &Active{Normalizer: n, FHIR: fm}
	m.devSrc, m.fhirSrc = dev, fh
	for _, w := range CrossCheck(dm, fm) {
		m.log.WarnContext(ctx, "medtech mapping warning", "code", w.Code, "message", w.Message)
	}
	m.log.InfoContext(ctx, "medtech mappings loaded", "deviceTemplates", len(dm.Templates), "fhirTemplates", len(fm.Templates))
	return nil
}
