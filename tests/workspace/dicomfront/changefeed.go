package dicomfront

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Change-feed actions and states (Azure DICOM change feed entry schema,
// contract dicom.md §4). The service writes them lower-case.
const (
	ActionCreate = "create"
	ActionDelete = "delete"
	ActionUpdate = "update"

	StateCurrent  = "current"
	StateReplaced = "replaced"
	StateDeleted  = "deleted"
)

// Entry is one change-feed entry as the Azure DICOM service writes it
// (camelCase members).
type Entry struct {
	Sequence          int64           `json:"sequence"`
	PartitionName     string          `json:"partitionName"`
	StudyInstanceUID  string          `json:"studyInstanceUid"`
	SeriesInstanceUID string          `json:"seriesInstanceUid"`
	SOPInstanceUID    string          `json:"sopInstanceUid"`
	Action            string          `json:"action"`
	Timestamp         time.Time       `json:"timestamp"`
	State             string          `json:"state"`
	Metadata          json.RawMessage `json:"metadata,omitempty"`
	FilePath          *string         `json:"filePath"`
}

// Feed is the change feed: an append-only log kept in memory and, when a
// path is given, in a JSON-lines file so sequence numbers survive restarts.
// It is safe for concurrent use.
type Feed struct {
	mu      sync.Mutex
	path    string
	entries []Entry
}

// OpenFeed loads the feed file at path (created when missing); "" keeps the
// feed in memory only.
func OpenFeed(path string) (*Feed, error) {
	f := &Feed{path: path}
	if path == "" {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open change feed: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("change feed %s:%d: %w", path, line, err)
		}
		if n := len(f.entries); n > 0 && e.Sequence <= f.entries[n-1].Sequence {
			return nil, fmt.Errorf("change feed %s:%d: sequence %d not above %d", path, line, e.Sequence, f.entries[n-1].Sequence)
		}
		f.entries = append(f.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("change feed %s: %w", path, err)
	}
	return f, nil
}

// Append assigns the next sequence number to e, writes it (synchronously,
// before returning) and returns it.
func (f *Feed) Append(e Entry) (Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e.Sequence = 1
	if n := len(f.entries); n > 0 {
		e.Sequence = f.entries[n-1].Sequence + 1
	}
	e.Timestamp = e.Timestamp.UTC()
	e.State, e.Metadata = "", nil
	if f.path != "" {
		line, err := json.Marshal(e)
		if err != nil {
			return Entry{}, err
		}
		fh, err := os.OpenFile(f.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return Entry{}, fmt.Errorf("change feed append: %w", err)
		}
		_, werr := fh.Write(append(line, '\n'))
		if err := errors.Join(werr, fh.Sync(), fh.Close()); err != nil {
			return Entry{}, fmt.Errorf("change feed append: %w", err)
		}
	}
	f.entries = append(f.entries, e)
	return e, nil
}

// withStates returns a copy of the entries with State computed: every entry
// of an instance whose last action is a delete is "deleted"; otherwise the
// last create/update is "current" and earlier ones "replaced".
func (f *Feed) withStates() []Entry {
	f.mu.Lock()
	out := append([]Entry(nil), f.entries...)
	f.mu.Unlock()
	last := map[string]int{}
	for i, e := range out {
		last[key(e)] = i
	}
	for i := range out {
		l := out[last[key(out[i])]]
		switch {
		case l.Action == ActionDelete:
			out[i].State = StateDeleted
		case last[key(out[i])] == i:
			out[i].State = StateCurrent
		default:
			out[i].State = StateReplaced
		}
	}
	return out
}

func key(e Entry) string {
	return e.PartitionName + "/" + e.StudyInstanceUID + "/" + e.SeriesInstanceUID + "/" + e.SOPInstanceUID
}

// V1 returns entries with offset < Sequence ≤ offset+limit (v1 semantics:
// offset is an exclusive start sequence).
func (f *Feed) V1(offset int64, limit int) []Entry {
	var out []Entry
	for _, e := range f.withStates() {
		if e.Sequence > offset && e.Sequence <= offset+int64(limit) {
			out = append(out, e)
		}
	}
	return out
}

// V2 returns up to limit entries with start ≤ Timestamp < end (zero times are
// open), ordered by Timestamp then Sequence, after skipping offset rows.
func (f *Feed) V2(start, end time.Time, offset, limit int) []Entry {
	var rows []Entry
	for _, e := range f.withStates() {
		if (!start.IsZero() && e.Timestamp.Before(start)) || (!end.IsZero() && !e.Timestamp.Before(end)) {
			continue
		}
		rows = append(rows, e)
	}
	// Appends are in sequence order and timestamps come from one clock, so
	// a stable sort by time keeps sequence order among equal times.
	sortByTime(rows)
	if offset >= len(rows) {
		return nil
	}
	rows = rows[offset:]
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return rows
}

// Latest returns the entry with the highest sequence (v1) or the latest by
// time (v2); ok is false when the feed is empty.
func (f *Feed) Latest(byTime bool) (Entry, bool) {
	all := f.withStates()
	if len(all) == 0 {
		return Entry{}, false
	}
	if byTime {
		sortByTime(all)
	}
	return all[len(all)-1], true
}

func sortByTime(rows []Entry) {
	for i := 1; i < len(rows); i++ { // insertion sort: input is nearly sorted
		for j := i; j > 0 && rows[j].Timestamp.Before(rows[j-1].Timestamp); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}
