package fhir

import (
	"bytes"
	"context"
	"encoding/json"
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

// ContentType is the FHIR JSON media type sent and accepted.
const ContentType = "application/fhir+json"

// Options configure a Client. Zero values have defaults.
type Options struct {
	// HTTPClient sends requests; default one built by azcred.NewClient.
	HTTPClient *http.Client
	// Credential supplies tokens for the FHIR service (scope: base URL +
	// "/.default"); nil, or a local base URL, sends none.
	Credential azcore.TokenCredential
	// Logger receives retry warnings; default slog.Default().
	Logger *slog.Logger
	// MaxAttempts bounds tries per request, the first included; default 5.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the delay between tries; defaults
	// 200 ms and 10 s. Retry-After overrides them, up to 60 s.
	MinBackoff, MaxBackoff time.Duration
}

// Client talks to one FHIR server. It is safe for concurrent use.
type Client struct {
	base  string
	hc    *http.Client
	opts  Options
	retry retry.Policy
}

// Response is a single-resource answer.
type Response struct {
	Status    int
	Body      []byte
	ETag      string
	VersionID string
	Location  string
}

// New returns a Client for the server at base (e.g. https://ws-fhir.fhir.azurehealthcareapis.com).
func New(base string, opts Options) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fhir base URL %q: want http(s)://host[/path]", base)
	}
	base = strings.TrimRight(base, "/")
	if opts.HTTPClient == nil {
		opts.HTTPClient = azcred.NewClient(base, opts.Credential, base+"/.default", 60*time.Second)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Client{base: base, hc: opts.HTTPClient, opts: opts,
		retry: retry.Policy{MaxAttempts: opts.MaxAttempts, MinBackoff: opts.MinBackoff, MaxBackoff: opts.MaxBackoff}}, nil
}

// Base returns the server's base URL without a trailing slash.
func (c *Client) Base() string { return c.base }

// Read returns the current version of typ/id.
func (c *Client) Read(ctx context.Context, typ, id string) (*Response, error) {
	return c.single(ctx, http.MethodGet, typ+"/"+url.PathEscape(id), nil, nil, true)
}

// VRead returns version versionID of typ/id.
func (c *Client) VRead(ctx context.Context, typ, id, versionID string) (*Response, error) {
	return c.single(ctx, http.MethodGet, typ+"/"+url.PathEscape(id)+"/_history/"+url.PathEscape(versionID), nil, nil, true)
}

// Create posts body as a new typ. With ifNoneExist (a search query such as
// "identifier=sys|val") it is a conditional create: the server returns the
// existing match (200) instead of creating a second one.
func (c *Client) Create(ctx context.Context, typ string, body []byte, ifNoneExist string) (*Response, error) {
	h := http.Header{}
	if ifNoneExist != "" {
		h.Set("If-None-Exist", ifNoneExist)
	}
	return c.single(ctx, http.MethodPost, typ, body, h, ifNoneExist != "")
}

// Update puts body at typ/id. A non-empty ifMatch (an ETag as the server
// gave it) makes the write fail with ErrPreconditionFailed when stale.
func (c *Client) Update(ctx context.Context, typ, id string, body []byte, ifMatch string) (*Response, error) {
	return c.single(ctx, http.MethodPut, typ+"/"+url.PathEscape(id), body, ifMatchHeader(ifMatch), true)
}

// ConditionalUpdate puts body at the resource matching query: it creates
// when nothing matches and fails with ErrPreconditionFailed on several.
func (c *Client) ConditionalUpdate(ctx context.Context, typ string, query url.Values, body []byte, ifMatch string) (*Response, error) {
	return c.single(ctx, http.MethodPut, typ+"?"+query.Encode(), body, ifMatchHeader(ifMatch), true)
}

// Delete deletes typ/id. Deleting what is already gone succeeds.
func (c *Client) Delete(ctx context.Context, typ, id, ifMatch string) error {
	_, err := c.single(ctx, http.MethodDelete, typ+"/"+url.PathEscape(id), nil, ifMatchHeader(ifMatch), true)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrGone) {
		return nil
	}
	return err
}

// Search runs a search and calls each for every resource of every page
// (search-mode match and include alike), following the server's next links
// as given: Azure's continuation tokens are opaque.
func (c *Client) Search(ctx context.Context, typ string, query url.Values, each func(resource json.RawMessage) error) error {
	next := c.base + "/" + typ
	if len(query) > 0 {
		next += "?" + query.Encode()
	}
	for pages := 0; next != ""; pages++ {
		if pages > 10000 {
			return fmt.Errorf("fhir search %s: more than 10000 pages", typ)
		}
		resp, err := c.do(ctx, http.MethodGet, next, nil, nil, true)
		if err != nil {
			return err
		}
		var b bundle
		if err := json.Unmarshal(resp.Body, &b); err != nil {
			return fmt.Errorf("fhir search %s: decode bundle: %w", typ, err)
		}
		for _, e := range b.Entry {
			if len(e.Resource) == 0 {
				continue
			}
			if err := each(e.Resource); err != nil {
				return err
			}
		}
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
	}
	return nil
}

func ifMatchHeader(ifMatch string) http.Header {
	if ifMatch == "" {
		return nil
	}
	return http.Header{"If-Match": []string{ifMatch}}
}

// single sends one request whose answer is one resource.
func (c *Client) single(ctx context.Context, method, path string, body []byte, h http.Header, idempotent bool) (*Response, error) {
	return c.do(ctx, method, c.base+"/"+path, body, h, idempotent)
}

// do sends a request with retries and returns the 2xx answer or an *Error.
func (c *Client) do(ctx context.Context, method, u string, body []byte, h http.Header, idempotent bool) (*Response, error) {
	for tries := 1; ; tries++ {
		resp, wait, err := c.once(ctx, method, u, body, h)
		if err == nil {
			return resp, nil
		}
		var fe *Error
		if !errors.As(err, &fe) {
			return nil, err
		}
		if !retryableStatus(fe.Status) && !(fe.Status == 0 && idempotent) {
			return nil, fe
		}
		delay, ok := c.retry.Next(ctx, tries, wait)
		if !ok {
			// Out of attempts, or waiting would outlive the invocation:
			// hand the failure back so the trigger's own retry takes over.
			return nil, fe
		}
		c.opts.Logger.WarnContext(ctx, "fhir request failed; retrying", "method", method, "status", fe.Status, "attempt", tries, "delay_ms", delay.Milliseconds())
		if !retry.Sleep(ctx, delay) {
			return nil, fe
		}
	}
}

// once sends the request one time; wait is the server's Retry-After, or -1.
func (c *Client) once(ctx context.Context, method, u string, body []byte, h http.Header) (*Response, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, -1, fmt.Errorf("fhir %s %s: %w", method, redact(u), err)
	}
	req.Header.Set("Accept", ContentType)
	if body != nil {
		req.Header.Set("Content-Type", ContentType)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, -1, &Error{Method: method, URL: redact(u), Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, -1, &Error{Method: method, URL: redact(u), Err: fmt.Errorf("read body: %w", err)}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		fe := &Error{Method: method, URL: redact(u), Status: res.StatusCode, Diagnostics: outcomeText(b)}
		return nil, retry.ParseRetryAfter(res.Header.Get("Retry-After")), fe
	}
	return &Response{
		Status: res.StatusCode, Body: b, ETag: res.Header.Get("ETag"),
		VersionID: versionFromETag(res.Header.Get("ETag")), Location: res.Header.Get("Location"),
	}, -1, nil
}

// versionFromETag turns W/"3" into 3.
func versionFromETag(etag string) string {
	return strings.Trim(strings.TrimPrefix(etag, "W/"), `"`)
}

// redact drops the query from a URL for errors and logs: search parameters
// can carry identifiers (PHI).
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
