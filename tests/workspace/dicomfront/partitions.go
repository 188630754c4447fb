package dicomfront

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// partitionName is the Azure rule for partition names.
var partitionName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// member is where a stored instance lives.
type member struct{ partition, study, series string }

// members tracks which partition holds each stored instance, rebuilt from
// the change feed at start. Orthanc has no partitions, so a UID can be
// stored in one partition only (Azure allows the same UIDs in two).
type members struct {
	mu      sync.RWMutex
	bySOP   map[string]member
	created map[string]time.Time // partition → first write
}

func newMembers(feed *Feed) *members {
	m := &members{bySOP: map[string]member{}, created: map[string]time.Time{}}
	for _, e := range feed.withStates() {
		m.apply(e)
	}
	return m
}

func (m *members) apply(e Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.created[e.PartitionName]; !ok {
		m.created[e.PartitionName] = e.Timestamp
	}
	if e.Action == ActionDelete {
		delete(m.bySOP, e.SOPInstanceUID)
		return
	}
	m.bySOP[e.SOPInstanceUID] = member{e.PartitionName, e.StudyInstanceUID, e.SeriesInstanceUID}
}

// has reports whether partition p holds the study (and series, and sop,
// when given).
func (m *members) has(p, study, series, sop string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if sop != "" {
		x, ok := m.bySOP[sop]
		return ok && x.partition == p && x.study == study && (series == "" || x.series == series)
	}
	for _, x := range m.bySOP {
		if x.partition == p && x.study == study && (series == "" || x.series == series) {
			return true
		}
	}
	return false
}

// exists reports whether the partition was ever written to (the default
// partition always exists).
func (m *members) exists(p string) bool {
	if p == DefaultPartition {
		return true
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.created[p]
	return ok
}

// keep reports whether a QIDO result item belongs to partition p, by the
// UIDs it carries.
func (m *members) keep(p string, item map[string]json.RawMessage) bool {
	uid := func(tag string) string {
		var a struct{ Value []string }
		_ = json.Unmarshal(item[tag], &a)
		if len(a.Value) == 0 {
			return ""
		}
		return a.Value[0]
	}
	study, series, sop := uid("0020000D"), uid("0020000E"), uid("00080018")
	m.mu.RLock()
	defer m.mu.RUnlock()
	for s, x := range m.bySOP {
		if x.partition == p && (study == "" || x.study == study) && (series == "" || x.series == series) && (sop == "" || s == sop) {
			return true
		}
	}
	return false
}

// listPartitions answers GET /{v}/partitions like Azure.
func (s *Server) listPartitions(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Partitions {
		writeError(w, http.StatusBadRequest, "data partitions are not enabled on this service")
		return
	}
	s.members.mu.RLock()
	names := []string{DefaultPartition}
	for p := range s.members.created {
		if p != DefaultPartition {
			names = append(names, p)
		}
	}
	created := s.members.created
	s.members.mu.RUnlock()
	sort.Strings(names[1:])
	out := make([]map[string]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"partitionKey": i + 1, "partitionName": n, "createdDate": created[n]}
	}
	writeJSON(w, http.StatusOK, out)
}

// partitionOf is the request's partition: the route's, or the default.
func partitionOf(r *http.Request) string {
	if p := r.PathValue("partition"); p != "" {
		return p
	}
	return DefaultPartition
}

// data wraps the STOW/WADO/QIDO/DELETE handlers with the version check and
// Azure's partition rules: a partition route while the feature is off, or a
// route without one while it is on, is 400; a bad name is 400; an unknown
// partition is 404 except for STOW, which creates it.
func (s *Server) data(h http.HandlerFunc) http.HandlerFunc {
	return s.version(func(w http.ResponseWriter, r *http.Request) {
		onRoute := strings.HasPrefix(r.URL.Path, "/"+r.PathValue("ver")+"/partitions/")
		p := r.PathValue("partition")
		switch {
		case onRoute && !s.cfg.Partitions:
			writeError(w, http.StatusBadRequest, "data partitions are not enabled on this service")
		case !onRoute && s.cfg.Partitions:
			writeError(w, http.StatusBadRequest, "data partitions are enabled: use /"+r.PathValue("ver")+"/partitions/{partitionName}/…")
		case onRoute && !partitionName.MatchString(p):
			writeError(w, http.StatusBadRequest, "invalid partition name "+p+": up to 64 characters of A-Z a-z 0-9 . _ -")
		case onRoute && r.Method != http.MethodPost && !s.members.exists(p):
			writeError(w, http.StatusNotFound, "partition "+p+" not found")
		default:
			h(w, r)
		}
	})
}
