package fhirfront

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/eventgrid"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// Publisher receives the front's events (an *eventgrid.Broker).
type Publisher interface {
	Publish(events ...eventgrid.Event) int
}

// Config configures a Front.
type Config struct {
	// FHIRURL is the FHIR server's base, e.g. http://127.0.0.1:8080.
	FHIRURL string
	// BaseURL is the front's own base, used to rewrite answers; "" means
	// http://{Host of the request}.
	BaseURL string
	// Account is data.resourceFhirAccount and the subject's host.
	Account   string
	Topic     string
	Publisher Publisher
	// MaxBody caps request and answer bodies; 0 means 64 MiB.
	MaxBody    int64
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
}

// Front is the FHIR front. It is an http.Handler.
type Front struct {
	cfg     Config
	backend string
	log     *slog.Logger
	mu      sync.Mutex
	known   map[string]string // "Type/id" → last version seen
}

var _ http.Handler = (*Front)(nil)

// New returns a front for cfg.
func New(cfg Config) (*Front, error) {
	if cfg.FHIRURL == "" {
		return nil, errors.New("fhirfront: FHIRURL is required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 20
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Front{cfg: cfg, backend: strings.TrimRight(cfg.FHIRURL, "/"), log: log, known: map[string]string{}}, nil
}

// write is one recognised write: its operation, target and outcome.
type write struct {
	method     string
	typ, id    string // from the request URL (id empty for type-level)
	status     int
	resource   json.RawMessage
	location   string
	etag       string
	lastMod    string
	prior      string // version before a DELETE; "" when it did not exist
	priorKnown bool
}

var typeRE = regexp.MustCompile(`^[A-Z][A-Za-z]+$`)

// ServeHTTP proxies one request and publishes the events of its writes.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := f.cfg.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, f.cfg.MaxBody+1))
	if err != nil || int64(len(body)) > f.cfg.MaxBody {
		http.Error(w, "request body unreadable or too large", http.StatusRequestEntityTooLarge)
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	isWrite := r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodDelete
	var pre []write // bundle entries or the single write, before the call
	switch {
	case !isWrite:
	case len(segs) == 0 && r.Method == http.MethodPost:
		pre = f.bundleRequest(r.Context(), body)
	case len(segs) >= 1 && len(segs) <= 2 && typeRE.MatchString(segs[0]) && (len(segs) == 1 || !strings.HasPrefix(segs[1], "$") && !strings.HasPrefix(segs[1], "_")):
		wr := write{method: r.Method, typ: segs[0]}
		if len(segs) == 2 {
			wr.id = segs[1]
		}
		if r.Method == http.MethodDelete && wr.id != "" {
			wr.prior, wr.priorKnown = f.currentVersion(r.Context(), wr.typ, wr.id)
		}
		if !(r.Method == http.MethodDelete && wr.id == "") {
			pre = []write{wr}
		}
	}

	req, err := http.NewRequestWithContext(r.Context(), r.Method, f.backend+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for k, vs := range r.Header {
		if k == "Host" || k == "Content-Length" || k == "Accept-Encoding" {
			continue
		}
		req.Header[k] = vs
	}
	resp, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		http.Error(w, "fhir server: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rbody, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBody))
	if err != nil {
		http.Error(w, "fhir server: "+err.Error(), http.StatusBadGateway)
		return
	}
	front := f.cfg.BaseURL
	if front == "" {
		front = "http://" + r.Host
	}
	front = strings.TrimRight(front, "/")
	for k, vs := range resp.Header {
		if k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, strings.ReplaceAll(v, f.backend, front))
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(bytes.ReplaceAll(rbody, []byte(f.backend), []byte(front)))

	f.observe(r.Method, segs, resp, rbody)
	if len(pre) == 0 || resp.StatusCode/100 != 2 {
		return
	}
	var writes []write
	if len(segs) == 0 {
		writes = f.bundleResponse(pre, rbody)
	} else {
		wr := pre[0]
		wr.status, wr.resource, wr.location, wr.etag, wr.lastMod = resp.StatusCode, rbody, resp.Header.Get("Location"), resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		writes = []write{wr}
	}
	f.publish(writes, start)
}

// currentVersion reads the resource's current version before a DELETE.
func (f *Front) currentVersion(ctx context.Context, typ, id string) (string, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.backend+"/"+typ+"/"+id, nil)
	if err != nil {
		return "", false
	}
	resp, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBody))
	if resp.StatusCode != http.StatusOK {
		return "", true // gone or never there: a delete changes nothing
	}
	if v := versionOf(b, resp.Header.Get("ETag"), ""); v != "" {
		return v, true
	}
	return "", false
}

// observe remembers versions seen in single-resource answers.
func (f *Front) observe(method string, segs []string, resp *http.Response, body []byte) {
	if method != http.MethodGet || len(segs) != 2 || resp.StatusCode != http.StatusOK {
		return
	}
	if v := versionOf(body, resp.Header.Get("ETag"), ""); v != "" {
		f.remember(segs[0]+"/"+segs[1], v)
	}
}

func (f *Front) remember(key, version string) (previous string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	previous = f.known[key]
	f.known[key] = version
	return previous
}

// versionOf finds a version id in a resource body, an ETag or a location.
func versionOf(body []byte, etag, location string) string {
	var res struct {
		Meta struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
	}
	if len(body) > 0 && json.Unmarshal(body, &res) == nil && res.Meta.VersionID != "" {
		return res.Meta.VersionID
	}
	if e := strings.Trim(strings.TrimPrefix(etag, "W/"), `"`); e != "" {
		return e
	}
	if _, v, ok := strings.Cut(location, "/_history/"); ok {
		return strings.Trim(v, "/")
	}
	return ""
}

// typeAndID finds the resource type and id in a body or a location.
func typeAndID(body []byte, location string) (string, string) {
	var res struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if len(body) > 0 && json.Unmarshal(body, &res) == nil && res.ID != "" && res.ResourceType != "" && res.ResourceType != "OperationOutcome" {
		return res.ResourceType, res.ID
	}
	loc := location
	if i := strings.Index(loc, "/_history/"); i >= 0 {
		loc = loc[:i]
	}
	parts := strings.Split(strings.Trim(loc, "/"), "/")
	if len(parts) >= 2 {
		return parts[len(parts)-2], parts[len(parts)-1]
	}
	return "", ""
}

// publish turns completed writes into events.
func (f *Front) publish(writes []write, start time.Time) {
	var events []eventgrid.Event
	for _, wr := range writes {
		typ, id := typeAndID(wr.resource, wr.location)
		if typ == "" {
			typ, id = wr.typ, wr.id
		}
		version := versionOf(wr.resource, wr.etag, wr.location)
		var evType string
		switch {
		case wr.method == http.MethodDelete:
			if wr.id == "" || (wr.priorKnown && wr.prior == "") {
				continue
			}
			typ, id = wr.typ, wr.id
			if version == "" {
				// The deletion is the next version after the last one seen.
				f.mu.Lock()
				seen := f.known[typ+"/"+id]
				f.mu.Unlock()
				p, _ := strconv.Atoi(wr.prior)
				k, _ := strconv.Atoi(seen)
				if n := max(p, k); n > 0 {
					version = strconv.Itoa(n + 1)
				}
			}
			evType = eventgrid.FhirResourceDeleted
		case wr.status == http.StatusCreated:
			evType = eventgrid.FhirResourceCreated
		case wr.status == http.StatusOK && wr.method == http.MethodPost:
			continue // conditional create matched an existing resource
		case wr.status == http.StatusOK:
			if f.isNoOp(typ+"/"+id, version, wr, start) {
				continue
			}
			evType = eventgrid.FhirResourceUpdated
		default:
			continue
		}
		if typ == "" || id == "" {
			f.log.Warn("fhir write without resource type or id: no event", "method", wr.method, "status", wr.status)
			continue
		}
		f.remember(typ+"/"+id, version)
		n, err := strconv.Atoi(version)
		if err != nil {
			f.log.Warn("fhir version id is not an integer: resourceVersionId 0", "type", typ, "version", version)
		}
		q := func(v string) json.RawMessage { return hostwire.AppendString(nil, v) }
		data, _ := hostwire.Object{
			{Name: "resourceType", Value: q(typ)},
			{Name: "resourceFhirAccount", Value: q(f.cfg.Account)},
			{Name: "resourceFhirId", Value: q(id)},
			{Name: "resourceVersionId", Value: json.RawMessage(strconv.Itoa(n))},
		}.MarshalJSON()
		events = append(events, eventgrid.Event{
			ID: hostwire.NewUUID(), Type: evType, Source: f.cfg.Topic, Subject: fmt.Sprintf("%s/%s/%s", f.cfg.Account, typ, id),
			Time: f.cfg.Now(), Data: data, DataVersion: version, DataSchema: "#" + version,
		})
	}
	if len(events) > 0 && f.cfg.Publisher != nil {
		f.cfg.Publisher.Publish(events...)
	}
}

// isNoOp reports whether a 200 update made no new version.
func (f *Front) isNoOp(key, version string, wr write, start time.Time) bool {
	f.mu.Lock()
	prev, ok := f.known[key]
	f.mu.Unlock()
	if ok && prev == version {
		return true
	}
	lm := wr.lastMod
	var res struct {
		Meta struct {
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
	}
	if len(wr.resource) > 0 && json.Unmarshal(wr.resource, &res) == nil && res.Meta.LastUpdated != "" {
		lm = res.Meta.LastUpdated
	}
	for _, layout := range []string{time.RFC3339Nano, http.TimeFormat} {
		if t, err := time.Parse(layout, lm); err == nil {
			// Last-Modified has whole seconds: allow that much slack.
			return t.Before(start.Add(-time.Second))
		}
	}
	return false
}
