package fhir

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Entry is one request of a batch or transaction bundle.
type Entry struct {
	// FullURL names the entry, e.g. "urn:uuid:…" so others can refer to it.
	FullURL string
	// Resource is the entry's resource JSON (nil for GET and DELETE).
	Resource json.RawMessage
	// Method and URL are the request, e.g. PUT "Observation/abc".
	Method, URL string
	// IfMatch and IfNoneExist make the entry conditional.
	IfMatch, IfNoneExist string
}

// EntryResult is the server's answer to one entry, in request order.
type EntryResult struct {
	Status   int
	Location string
	ETag     string
	// Resource is the returned resource, when the server sent one.
	Resource json.RawMessage
	// Err is a *Error for a non-2xx entry status, else nil.
	Err error
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link,omitempty"`
	Entry []bundleEntry `json:"entry,omitempty"`
}

type bundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Request  *struct {
		Method      string `json:"method"`
		URL         string `json:"url"`
		IfMatch     string `json:"ifMatch,omitempty"`
		IfNoneExist string `json:"ifNoneExist,omitempty"`
	} `json:"request,omitempty"`
	Response *struct {
		Status   string          `json:"status"`
		Location string          `json:"location,omitempty"`
		Etag     string          `json:"etag,omitempty"`
		Outcome  json.RawMessage `json:"outcome,omitempty"`
	} `json:"response,omitempty"`
}

// Batch sends entries as one batch bundle: each entry succeeds or fails on
// its own. The returned error covers the whole request only; per-entry
// failures are in the results.
func (c *Client) Batch(ctx context.Context, entries []Entry) ([]EntryResult, error) {
	return c.bundle(ctx, "batch", entries)
}

// Transaction sends entries as one transaction bundle: all succeed or none
// is applied (the error then describes the failing entry).
func (c *Client) Transaction(ctx context.Context, entries []Entry) ([]EntryResult, error) {
	return c.bundle(ctx, "transaction", entries)
}

func (c *Client) bundle(ctx context.Context, typ string, entries []Entry) ([]EntryResult, error) {
	b := bundle{ResourceType: "Bundle", Type: typ, Entry: make([]bundleEntry, len(entries))}
	for i, e := range entries {
		be := bundleEntry{FullURL: e.FullURL, Resource: e.Resource}
		be.Request = &struct {
			Method      string `json:"method"`
			URL         string `json:"url"`
			IfMatch     string `json:"ifMatch,omitempty"`
			IfNoneExist string `json:"ifNoneExist,omitempty"`
		}{e.Method, e.URL, e.IfMatch, e.IfNoneExist}
		b.Entry[i] = be
	}
	body, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("fhir %s: encode: %w", typ, err)
	}
	// Batches here carry PUTs and conditional creates, which are safe to
	// repeat; a transaction is applied entirely or not at all.
	resp, err := c.do(ctx, http.MethodPost, c.base, body, nil, true)
	if err != nil {
		return nil, err
	}
	var out bundle
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("fhir %s: decode response bundle: %w", typ, err)
	}
	if len(out.Entry) != len(entries) {
		return nil, fmt.Errorf("fhir %s: %d response entries for %d requests", typ, len(out.Entry), len(entries))
	}
	res := make([]EntryResult, len(entries))
	for i, e := range out.Entry {
		r := EntryResult{Resource: e.Resource}
		if e.Response != nil {
			r.Status = parseStatus(e.Response.Status)
			r.Location, r.ETag = e.Response.Location, e.Response.Etag
			if r.Status < 200 || r.Status > 299 {
				r.Err = &Error{Method: entries[i].Method, URL: redact(entries[i].URL), Status: r.Status, Diagnostics: outcomeText(e.Response.Outcome)}
			}
		}
		res[i] = r
	}
	return res, nil
}

// parseStatus reads "201 Created" or "201".
func parseStatus(s string) int {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}
