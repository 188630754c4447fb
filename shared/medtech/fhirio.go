package medtech

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/ahds-events/ahds/shared/fhir"
)

// FHIR is the part of the FHIR client the device pipeline uses: every read
// and write goes through batch bundles (medtech.md §16). *fhir.Client
// satisfies it; it must be safe for concurrent use and do its own retries
// of 429/5xx/network failures.
type FHIR interface {
	Batch(ctx context.Context, entries []fhir.Entry) ([]fhir.EntryResult, error)
}

var _ FHIR = (*fhir.Client)(nil)

// maxBundleEntries is the largest bundle sent (medtech.md D7).
const maxBundleEntries = 500

// transientError marks a failure a re-run can fix (FHIR 429/5xx, network,
// auth). It is never wrapped with event.Permanent.
type transientError struct{ err error }

// Error implements error.
func (e *transientError) Error() string { return "FhirServiceUnavailableException: " + e.err.Error() }

// Unwrap returns the cause.
func (e *transientError) Unwrap() error { return e.err }

// batches sends entries in bundles of at most 500 with at most
// concurrency bundles in flight. Results align with entries; a bundle that
// failed as a whole gives each of its entries Err = that failure (Status 0).
func batches(ctx context.Context, client FHIR, entries []fhir.Entry, concurrency int) []fhir.EntryResult {
	out := make([]fhir.EntryResult, len(entries))
	if concurrency < 1 {
		concurrency = 1
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for start := 0; start < len(entries); start += maxBundleEntries {
		end := min(start+maxBundleEntries, len(entries))
		wg.Add(1)
		sem <- struct{}{}
		go func(start, end int) {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := client.Batch(ctx, entries[start:end])
			if err == nil && len(res) != end-start {
				err = fmt.Errorf("batch returned %d results for %d entries", len(res), end-start)
			}
			for i := start; i < end; i++ {
				if err != nil {
					out[i] = fhir.EntryResult{Err: err}
				} else {
					out[i] = res[i-start]
				}
			}
		}(start, end)
	}
	wg.Wait()
	return out
}

// outcome classifies one entry result.
type outcome uint8

const (
	outcomeOK outcome = iota
	outcomeNotFound
	outcomeConflict
	outcomeTransient
	outcomePermanent
)

func classify(r fhir.EntryResult) outcome {
	if r.Err == nil && r.Status >= 200 && r.Status < 300 {
		return outcomeOK
	}
	if r.Err == nil && r.Status == 0 {
		return outcomeOK
	}
	var fe *fhir.Error
	status := r.Status
	if errors.As(r.Err, &fe) {
		status = fe.Status
	}
	switch {
	case status == 0, status == 401, status == 403, status == 408, status == 429, status >= 500:
		return outcomeTransient
	case status == 404, status == 410:
		return outcomeNotFound
	case status == 409, status == 412:
		return outcomeConflict
	}
	return outcomePermanent
}

func resultError(r fhir.EntryResult) error {
	if r.Err != nil {
		return r.Err
	}
	return fmt.Errorf("status %d", r.Status)
}

// searchMatches returns the match resources of a searchset bundle.
func searchMatches(b json.RawMessage) ([]json.RawMessage, error) {
	var s struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
			Search   struct {
				Mode string `json:"mode"`
			} `json:"search"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode search result: %w", err)
	}
	if s.ResourceType != "Bundle" {
		return nil, fmt.Errorf("search result is a %q, not a Bundle", s.ResourceType)
	}
	var out []json.RawMessage
	for _, e := range s.Entry {
		if e.Search.Mode == "" || e.Search.Mode == "match" {
			out = append(out, e.Resource)
		}
	}
	return out, nil
}
