package dicomweb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/ahds-events/ahds/shared/retry"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/ahds-events/ahds/shared/azcred"
)

// Service kinds.
const (
	KindAzure   = "azure"
	KindOrthanc = "orthanc"
)

// DefaultPartition is the Azure DICOM service's default partition.
const DefaultPartition = "Microsoft.Default"

// DefaultScope is the Entra ID scope of the Azure DICOM service.
const DefaultScope = "https://dicom.healthcareapis.azure.com/.default"

// Options configure a Client. Zero values have the documented defaults.
type Options struct {
	// Kind is KindAzure (default) or KindOrthanc.
	Kind string
	// APIVersion is the version segment for WADO/QIDO/STOW/DELETE; default
	// "v2". The change feed always uses v1.
	APIVersion string
	// PartitionsEnabled adds /partitions/{p} to every study route.
	PartitionsEnabled bool
	// HTTPClient sends requests; default one with a 60 s timeout that adds
	// tokens for Scope from Credential (none for local URLs or a nil
	// Credential). Cross-host redirects are refused in either case.
	HTTPClient *http.Client
	// Transport is the base RoundTripper of the default HTTPClient; default
	// http.DefaultTransport.
	Transport  http.RoundTripper
	Credential azcore.TokenCredential
	// Scope defaults to DefaultScope.
	Scope string
	// Logger receives retry warnings; default slog.Default().
	Logger *slog.Logger
	// MaxAttempts bounds the tries of one request; default 5.
	MaxAttempts int
	// MinBackoff and MaxBackoff shape the full-jitter delay; defaults 200 ms
	// and 10 s.
	MinBackoff, MaxBackoff time.Duration
	// Metrics, when set, counts requests and bytes (tests, benchmarks).
	Metrics *Metrics
}

// Client talks to one DICOM service. It is safe for concurrent use.
type Client struct {
	origin string
	host   string
	hc     *http.Client
	o      Options
	retry  retry.Policy
}

// New returns a client for the service at origin (scheme and host only,
// e.g. https://ws-dicom.dicom.azurehealthcareapis.com or
// http://127.0.0.1:8042).
func New(origin string, o Options) (*Client, error) {
	origin = strings.TrimRight(origin, "/")
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return nil, fmt.Errorf("dicomweb: service URL %q: want http(s)://host[:port] without a path", origin)
	}
	if o.Kind == "" {
		o.Kind = KindAzure
	}
	if o.Kind != KindAzure && o.Kind != KindOrthanc {
		return nil, fmt.Errorf("dicomweb: kind %q: want azure or orthanc", o.Kind)
	}
	if o.APIVersion == "" {
		o.APIVersion = "v2"
	}
	if o.Scope == "" {
		o.Scope = DefaultScope
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	hc := o.HTTPClient
	if hc == nil {
		base := o.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc = &http.Client{Timeout: 60 * time.Second, Transport: base}
		if o.Credential != nil && !azcred.IsLocal(origin) {
			hc.Transport = &azcred.Transport{Base: base, Credential: o.Credential, Scope: o.Scope}
		}
	}
	c := &Client{origin: origin, host: strings.ToLower(u.Host), o: o,
		retry: retry.Policy{MaxAttempts: o.MaxAttempts, MinBackoff: o.MinBackoff, MaxBackoff: o.MaxBackoff}}
	cp := *hc
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.EqualFold(req.URL.Host, c.host) {
			return fmt.Errorf("dicomweb: refusing redirect to another host %q", req.URL.Host)
		}
		if len(via) >= 5 {
			return errors.New("dicomweb: too many redirects")
		}
		return nil
	}
	c.hc = &cp
	return c, nil
}

// Kind returns the service kind.
func (c *Client) Kind() string { return c.o.Kind }

// Base returns the DICOMweb base URL for a partition, without a trailing
// slash: {origin}/{version}[/partitions/{p}] (Azure) or {origin}/dicom-web
// (Orthanc). It is also the Endpoint address of P6.
func (c *Client) Base(partition string) string {
	if c.o.Kind == KindOrthanc {
		return c.origin + "/dicom-web"
	}
	b := c.origin + "/" + c.o.APIVersion
	if c.o.PartitionsEnabled {
		if partition == "" {
			partition = DefaultPartition
		}
		b += "/partitions/" + url.PathEscape(partition)
	}
	return b
}

// Sentinels matched by *Error.
var (
	ErrNotFound     = errors.New("dicomweb: not found")
	ErrTransient    = errors.New("dicomweb: transient failure")
	ErrUnauthorized = errors.New("dicomweb: unauthorized")
)

// Error is a non-2xx answer (Status set) or a transport failure (Status 0).
type Error struct {
	Method, URL string
	Status      int
	// Body is a short prefix of the answer, for diagnostics.
	Body string
	Err  error
}

// Error names the request and the status or transport error.
func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("dicomweb %s %s: %v", e.Method, e.URL, e.Err)
	}
	s := fmt.Sprintf("dicomweb %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrNotFound (404, 410), ErrTransient and ErrUnauthorized.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.Status == http.StatusGone
	case ErrTransient:
		return retryable(e.Status)
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

func retryable(status int) bool {
	return status == 0 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// request is one HTTP exchange description.
type request struct {
	method, url string
	header      http.Header
	body        []byte
	// ok lists extra non-2xx statuses returned as success (e.g. 409 on STOW).
	ok []int
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r with retries (see the package doc).
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	for attempt := 0; ; attempt++ {
		resp, wait, err := c.once(ctx, r)
		if err == nil {
			return resp, nil
		}
		var de *Error
		if !errors.As(err, &de) || !retryable(de.Status) {
			return nil, err
		}
		wait, ok := c.retry.Next(ctx, attempt+1, wait)
		if !ok {
			return nil, err
		}
		c.o.Logger.WarnContext(ctx, "dicomweb request failed; retrying", "method", r.method, "status", de.Status,
			"attempt", attempt+1, "delay_ms", wait.Milliseconds())
		if !retry.Sleep(ctx, wait) {
			return nil, err
		}
	}
}

// once sends r a single time. wait is the Retry-After delay, or -1.
func (c *Client) once(ctx context.Context, r request) (*response, time.Duration, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return nil, -1, fmt.Errorf("dicomweb %s %s: %w", r.method, r.url, err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	c.o.Metrics.request(len(r.body))
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, -1, &Error{Method: r.method, URL: r.url, Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	c.o.Metrics.received(r.url, len(b))
	if err != nil {
		return nil, -1, &Error{Method: r.method, URL: r.url, Err: fmt.Errorf("read body: %w", err)}
	}
	okStatus := res.StatusCode >= 200 && res.StatusCode <= 299
	for _, s := range r.ok {
		okStatus = okStatus || res.StatusCode == s
	}
	if okStatus {
		return &response{status: res.StatusCode, header: res.Header, body: b}, -1, nil
	}
	e := &Error{Method: r.method, URL: r.url, Status: res.StatusCode, Body: snippet(b)}
	return nil, retry.ParseRetryAfter(res.Header.Get("Retry-After")), e
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
