package medtech

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ahds-events/ahds/shared/fhir"
)

// maxConflictRetries bounds re-read/re-merge rounds after 409/412.
const maxConflictRetries = 2

// write reads the target Observations, merges, and writes the changed ones
// (medtech.md §14, §16). Failures are reported through fail.
func (p *Processor) write(ctx context.Context, b Builder, resolved []Resolved, st *stats, f *failures) {
	if len(resolved) == 0 {
		return
	}
	ids := make([]string, 0, len(resolved))
	seen := map[string]bool{}
	for _, r := range resolved {
		_, id := ObservationIdentifier(r.Group, r.Identity)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	existing, readErrs := p.readObservations(ctx, ids)
	pending := resolved[:0:0]
	for _, r := range resolved {
		_, id := ObservationIdentifier(r.Group, r.Identity)
		if err := readErrs[id]; err != nil {
			f.group(r.Group, id, err)
			continue
		}
		pending = append(pending, r)
	}
	if p.cfg.IdentifierLookupOnMiss {
		pending = p.lookupByIdentifier(ctx, pending, existing, f)
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		targets, errs := b.Apply(pending, existing, p.now())
		for _, ge := range errs {
			f.messages(ge.Sources, ge.Err)
		}
		var entries []fhir.Entry
		var written []*Target
		for _, t := range targets {
			switch {
			case t.Result == nil:
			case !t.Changed:
				st.unchanged++
			default:
				body, err := json.Marshal(t.Result)
				if err != nil {
					f.target(t, &Error{Name: ErrFhirRequestFailed, Stage: StageWrite, Message: "encode Observation", Err: err})
					continue
				}
				e := fhir.Entry{Method: "PUT", URL: "Observation/" + t.Result.ID, Resource: body}
				if t.Existing != nil {
					if v := t.Existing.VersionID(); v != "" {
						e.IfMatch = `W/"` + v + `"`
					}
				}
				entries = append(entries, e)
				written = append(written, t)
			}
		}
		results := batches(ctx, p.client, entries, p.cfg.FHIRConcurrency)
		writeTime := p.now()
		var conflicts, conflictKeys []string
		conflicted := map[string]bool{}
		for i, t := range written {
			switch classify(results[i]) {
			case outcomeOK:
				if t.Existing == nil {
					st.created++
					if versionOf(results[i]) == "2" {
						st.contention++
					}
				} else {
					st.updated++
				}
				for _, g := range t.Groups {
					if !g.Ingestion.IsZero() {
						lat := writeTime.Sub(g.Ingestion)
						st.ingestionLatency += lat
						st.ingestionN++
						st.ingestionMax = max(st.ingestionMax, lat)
					}
				}
			case outcomeConflict:
				st.contention++
				if attempt >= maxConflictRetries {
					f.target(t, &transientError{fmt.Errorf("PUT Observation/%s: conflict persisted after %d retries: %w", t.Result.ID, maxConflictRetries, resultError(results[i]))})
					continue
				}
				conflicts = append(conflicts, t.Result.ID)
				conflictKeys = append(conflictKeys, t.ID)
				conflicted[t.ID] = true
			case outcomeTransient:
				f.target(t, &transientError{fmt.Errorf("PUT Observation/%s: %w", t.Result.ID, resultError(results[i]))})
			default:
				f.target(t, &Error{Name: ErrFhirRequestFailed, Stage: StageWrite, Message: "PUT Observation/" + t.Result.ID, Err: resultError(results[i])})
			}
		}
		if len(conflicts) == 0 {
			return
		}
		// Re-read the contended resources and re-merge their groups.
		fresh, errs2 := p.readObservations(ctx, conflicts)
		readErr := map[string]error{}
		for i, id := range conflicts {
			existing[conflictKeys[i]] = fresh[id]
			readErr[conflictKeys[i]] = errs2[id]
		}
		next := pending[:0:0]
		for _, r := range pending {
			_, id := ObservationIdentifier(r.Group, r.Identity)
			if !conflicted[id] {
				continue
			}
			if err := readErr[id]; err != nil {
				f.group(r.Group, id, err)
				continue
			}
			next = append(next, r)
		}
		pending = next
	}
}

func versionOf(r fhir.EntryResult) string {
	if len(r.Resource) == 0 {
		return ""
	}
	var o Observation
	if json.Unmarshal(r.Resource, &o) != nil {
		return ""
	}
	return o.VersionID()
}

// idsPerSearch bounds the ids of one `_id` search entry: the entry's URL
// travels inside the bundle, not on a request line, but stays modest.
const idsPerSearch = 100

// readObservations reads the Observations with the given ids: one batch of
// `Observation?_id=a,b,…` searches, so a whole invocation's targets cost one
// request per 50,000 ids instead of one bundle entry each. Absent ids are
// missing from the map; failures are per id.
func (p *Processor) readObservations(ctx context.Context, ids []string) (map[string]*Observation, map[string]error) {
	var entries []fhir.Entry
	var chunks [][]string
	for start := 0; start < len(ids); start += idsPerSearch {
		chunk := ids[start:min(start+idsPerSearch, len(ids))]
		chunks = append(chunks, chunk)
		entries = append(entries, fhir.Entry{Method: "GET",
			URL: "Observation?_id=" + strings.Join(chunk, ",") + "&_count=" + strconv.Itoa(len(chunk))})
	}
	results := batches(ctx, p.client, entries, p.cfg.FHIRConcurrency)
	out := map[string]*Observation{}
	errs := map[string]error{}
	for i, chunk := range chunks {
		var err error
		switch classify(results[i]) {
		case outcomeOK:
			var b struct {
				Entry []struct {
					Resource json.RawMessage `json:"resource"`
				} `json:"entry"`
			}
			if json.Unmarshal(results[i].Resource, &b) != nil {
				err = &Error{Name: ErrFhirRequestFailed, Stage: StageWrite, Message: "search Observation by _id: not a Bundle"}
				break
			}
			for _, e := range b.Entry {
				var o Observation
				if json.Unmarshal(e.Resource, &o) == nil && o.ResourceType == "Observation" && o.ID != "" {
					out[o.ID] = &o
				}
			}
			continue
		case outcomeTransient:
			err = &transientError{fmt.Errorf("search Observation by _id: %w", resultError(results[i]))}
		default:
			err = &Error{Name: ErrFhirRequestFailed, Stage: StageWrite, Message: "search Observation by _id", Err: resultError(results[i])}
		}
		for _, id := range chunk {
			errs[id] = err
		}
	}
	return out, errs
}

// lookupByIdentifier finds Observations stored under another id (older
// MedTech versions) for targets absent by id (medtech.md §16.3).
func (p *Processor) lookupByIdentifier(ctx context.Context, pending []Resolved, existing map[string]*Observation, f *failures) []Resolved {
	var ids, values []string
	asked := map[string]bool{}
	for _, r := range pending {
		value, id := ObservationIdentifier(r.Group, r.Identity)
		if existing[id] == nil && !asked[id] {
			asked[id] = true
			ids = append(ids, id)
			values = append(values, value)
		}
	}
	if len(ids) == 0 {
		return pending
	}
	entries := make([]fhir.Entry, len(ids))
	for i, v := range values {
		entries[i] = fhir.Entry{Method: "GET", URL: "Observation?" + url.Values{"identifier": {ServiceSystem + "|" + v}}.Encode()}
	}
	results := batches(ctx, p.client, entries, p.cfg.FHIRConcurrency)
	errs := map[string]error{}
	for i, id := range ids {
		switch classify(results[i]) {
		case outcomeOK:
		case outcomeTransient:
			errs[id] = &transientError{fmt.Errorf("search Observation by identifier: %w", resultError(results[i]))}
			continue
		default:
			errs[id] = &Error{Name: ErrFhirRequestFailed, Stage: StageWrite, Message: "search Observation by identifier", Err: resultError(results[i])}
			continue
		}
		matches, err := searchMatches(results[i].Resource)
		if err != nil {
			errs[id] = &Error{Name: ErrFhirRequestFailed, Stage: StageWrite, Message: "search Observation by identifier", Err: err}
			continue
		}
		var found []*Observation
		for _, m := range matches {
			var o Observation
			if json.Unmarshal(m, &o) == nil && hasIdentifier(&o, values[i]) {
				found = append(found, &o)
			}
		}
		switch len(found) {
		case 0:
		case 1:
			existing[id] = found[0]
		default:
			errs[id] = &Error{Name: ErrMultipleResourceFound, Stage: StageWrite, Message: fmt.Sprintf("%d Observations carry the identifier of Observation/%s", len(found), id)}
		}
	}
	out := pending[:0:0]
	for _, r := range pending {
		_, id := ObservationIdentifier(r.Group, r.Identity)
		if err := errs[id]; err != nil {
			f.group(r.Group, id, err)
			continue
		}
		out = append(out, r)
	}
	return out
}

func hasIdentifier(o *Observation, value string) bool {
	for _, i := range o.Identifier {
		if i.System == ServiceSystem && i.Value == value {
			return true
		}
	}
	return false
}

// target records err for every group written to one Observation.
func (f *failures) target(t *Target, err error) {
	for _, g := range t.Groups {
		f.group(g, t.ID, err)
	}
}
