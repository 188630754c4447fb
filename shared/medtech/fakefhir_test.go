package medtech

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/ahds-events/ahds/shared/fhir"
)

// memFHIR is an in-memory FHIR server behind the FHIR interface: it answers
// batch GETs (read and identifier search) and PUTs with If-Match.
type memFHIR struct {
	mu        sync.Mutex
	resources map[string]map[string]any // "Type/id" → resource
	batches   int
	entries   int
	maxBundle int
	methods   map[string]int
	// inject, when set, may answer an entry instead of the store.
	inject func(e fhir.Entry) *fhir.EntryResult
	// batchErr fails whole bundles whose first entry has this method.
	batchErr map[string]error
}

func newMemFHIR() *memFHIR {
	return &memFHIR{resources: map[string]map[string]any{}, methods: map[string]int{}, batchErr: map[string]error{}}
}

func (m *memFHIR) put(key string, r map[string]any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resources[key] = r
}

func (m *memFHIR) get(key string) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.resources[key]
}

func (m *memFHIR) Batch(_ context.Context, entries []fhir.Entry) ([]fhir.EntryResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.batches++
	m.entries += len(entries)
	m.maxBundle = max(m.maxBundle, len(entries))
	if len(entries) > 0 {
		if err := m.batchErr[entries[0].Method]; err != nil {
			return nil, err
		}
	}
	out := make([]fhir.EntryResult, len(entries))
	for i, e := range entries {
		m.methods[e.Method]++
		if m.inject != nil {
			if r := m.inject(e); r != nil {
				out[i] = *r
				continue
			}
		}
		out[i] = m.do(e)
	}
	return out, nil
}

func status(code int, e fhir.Entry) fhir.EntryResult {
	return fhir.EntryResult{Status: code, Err: &fhir.Error{Method: e.Method, URL: e.URL, Status: code}}
}

func (m *memFHIR) do(e fhir.Entry) fhir.EntryResult {
	path, query, _ := strings.Cut(e.URL, "?")
	switch e.Method {
	case "GET":
		if query == "" {
			r, ok := m.resources[path]
			if !ok {
				return status(404, e)
			}
			b, _ := json.Marshal(r)
			return fhir.EntryResult{Status: 200, Resource: b}
		}
		q, _ := url.ParseQuery(query)
		if idList := q.Get("_id"); idList != "" {
			var matches []map[string]any
			for _, id := range strings.Split(idList, ",") {
				if r, ok := m.resources[path+"/"+id]; ok {
					matches = append(matches, map[string]any{"resource": r, "search": map[string]any{"mode": "match"}})
				}
			}
			b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": matches})
			return fhir.EntryResult{Status: 200, Resource: b}
		}
		want := q.Get("identifier")
		var matches []map[string]any
		for k, r := range m.resources {
			if !strings.HasPrefix(k, path+"/") {
				continue
			}
			ids, _ := r["identifier"].([]any)
			for _, x := range ids {
				id, _ := x.(map[string]any)
				sys, _ := id["system"].(string)
				val, _ := id["value"].(string)
				if want == val || want == sys+"|"+val {
					matches = append(matches, map[string]any{"resource": r, "search": map[string]any{"mode": "match"}})
				}
			}
		}
		b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": matches})
		return fhir.EntryResult{Status: 200, Resource: b}
	case "PUT":
		cur, exists := m.resources[path]
		version := 0
		if exists {
			meta, _ := cur["meta"].(map[string]any)
			version, _ = strconv.Atoi(fmt.Sprint(meta["versionId"]))
		}
		if e.IfMatch != "" && e.IfMatch != fmt.Sprintf(`W/"%d"`, version) {
			return status(412, e)
		}
		var r map[string]any
		if err := json.Unmarshal(e.Resource, &r); err != nil {
			return status(400, e)
		}
		r["meta"] = map[string]any{"versionId": strconv.Itoa(version + 1)}
		m.resources[path] = r
		b, _ := json.Marshal(r)
		code := 200
		if !exists {
			code = 201
		}
		return fhir.EntryResult{Status: code, Resource: b, ETag: fmt.Sprintf(`W/"%d"`, version+1)}
	}
	return status(405, e)
}
