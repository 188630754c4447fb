package deadletter

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Memory is an in-memory Store for tests and previews.
type Memory struct {
	mu      sync.Mutex
	records map[string]Record
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{records: map[string]Record{}} }

// Put stores r, replacing a record with the same ID.
func (m *Memory) Put(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Event = append([]byte(nil), r.Event...)
	m.records[r.ID] = r
	return nil
}

// Get returns the record with the given ID.
func (m *Memory) Get(_ context.Context, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[id]
	if !ok {
		return Record{}, fmt.Errorf("get %s: %w", id, ErrNotFound)
	}
	return r, nil
}

// List returns the records of function (all when empty), oldest first.
func (m *Memory) List(_ context.Context, function string) ([]Summary, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Summary
	for _, r := range m.records {
		if function != "" && r.Function != function && !strings.HasPrefix(r.ID, function+"/") {
			continue
		}
		out = append(out, Summary{ID: r.ID, Function: r.Function, Error: r.Error, Time: r.Time, Size: len(r.Event)})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Len returns the number of records.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}
