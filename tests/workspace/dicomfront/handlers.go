package dicomfront

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// dicomAttr builds one DICOM JSON attribute.
func dicomAttr(vr string, values ...any) map[string]any {
	return map[string]any{"vr": vr, "Value": values}
}

func (s *Server) stow(w http.ResponseWriter, r *http.Request) {
	parts, err := readParts(r, s.cfg.MaxBody)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errUnsupportedMedia) {
			status = http.StatusUnsupportedMediaType
		}
		s.log.Warn("stow rejected", "status", status, "error", err)
		writeError(w, status, err.Error())
		return
	}
	urlStudy := r.PathValue("study")
	var stored, failed []map[string]any
	s.writeMu.Lock()
	for i, p := range parts {
		if p.failure == 0 && urlStudy != "" && p.study != urlStudy {
			p.failure, p.comment = reasonStudyMismatch, fmt.Sprintf("StudyInstanceUID %s does not match the request's study %s", p.study, urlStudy)
		}
		if p.failure == 0 {
			id, err := s.orthanc.lookup(r.Context(), p.sop, "Instance")
			switch {
			case err != nil:
				p.failure, p.comment = reasonProcessing, "lookup failed: "+err.Error()
			case id != "":
				p.failure, p.comment = reasonExists, "instance already exists: delete it before storing it again"
			}
		}
		if p.failure == 0 {
			if _, err := s.orthanc.store(r.Context(), p.data); err != nil {
				p.failure, p.comment = reasonProcessing, "store failed: "+err.Error()
			} else if _, err := s.change(ActionCreate, partitionOf(r), p.study, p.series, p.sop); err != nil {
				s.log.Error("change feed append failed after store", "error", err)
				p.failure, p.comment = reasonProcessing, "change feed append failed: "+err.Error()
			}
		}
		item := map[string]any{}
		if p.sopClass != "" {
			item["00081150"] = dicomAttr("UI", p.sopClass)
		}
		if p.sop != "" {
			item["00081155"] = dicomAttr("UI", p.sop)
		}
		if p.failure != 0 {
			item["00081197"] = dicomAttr("US", p.failure)
			item["00000902"] = dicomAttr("LO", p.comment)
			s.log.Warn("stow instance failed", "part", i+1, "reason", p.failure, "comment", p.comment)
			failed = append(failed, item)
			continue
		}
		item["00081190"] = dicomAttr("UR", s.retrieveURL(r, p.study, p.series, p.sop))
		stored = append(stored, item)
	}
	s.writeMu.Unlock()
	answer := map[string]any{}
	if urlStudy != "" {
		answer["00081190"] = dicomAttr("UR", s.retrieveURL(r, urlStudy))
	}
	if len(stored) > 0 {
		answer["00081199"] = dicomAttr("SQ", anySlice(stored)...)
	}
	if len(failed) > 0 {
		answer["00081198"] = dicomAttr("SQ", anySlice(failed)...)
	}
	status := http.StatusOK
	switch {
	case len(stored) == 0:
		status = http.StatusConflict
	case len(failed) > 0:
		status = http.StatusAccepted
	}
	w.Header().Set("Content-Type", "application/dicom+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(answer)
}

func anySlice(m []map[string]any) []any {
	out := make([]any, len(m))
	for i := range m {
		out[i] = m[i]
	}
	return out
}

// instanceRef names one stored instance.
type instanceRef struct{ study, series, sop, orthancID string }

// deleteResource deletes a study, series or instance and records one delete
// per instance.
func (s *Server) deleteResource(w http.ResponseWriter, r *http.Request) {
	study, series, sop := r.PathValue("study"), r.PathValue("series"), r.PathValue("sop")
	ctx := r.Context()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	level, uid := "Study", study
	switch {
	case sop != "":
		level, uid = "Instance", sop
	case series != "":
		level, uid = "Series", series
	}
	id, err := s.orthanc.lookup(ctx, uid, level)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if id == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s %s not found", level, uid))
		return
	}
	refs, err := s.instancesOf(r, level, id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	// The UIDs above the deleted level must match the URL too, and with
	// partitions every instance must be in the request's partition.
	inPartition := true
	for _, ref := range refs {
		if s.cfg.Partitions && !s.members.has(partitionOf(r), ref.study, ref.series, ref.sop) {
			inPartition = false
		}
	}
	if len(refs) == 0 || !inPartition || refs[0].study != study || (series != "" && refs[0].series != series) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s %s not found under the given parent UIDs", level, uid))
		return
	}
	path := map[string]string{"Study": "/studies/", "Series": "/series/", "Instance": "/instances/"}[level] + id
	if err := s.orthanc.delete(ctx, path); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	for _, ref := range refs {
		if _, err := s.change(ActionDelete, partitionOf(r), ref.study, ref.series, ref.sop); err != nil {
			s.log.Error("change feed append failed after delete", "error", err)
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// instancesOf lists the instances under an Orthanc resource with their UIDs.
func (s *Server) instancesOf(r *http.Request, level, id string) ([]instanceRef, error) {
	ctx := r.Context()
	var insts []resource
	switch level {
	case "Instance":
		var one resource
		if err := s.orthanc.get(ctx, "/instances/"+id, &one); err != nil {
			return nil, err
		}
		insts = []resource{one}
	case "Series":
		if err := s.orthanc.get(ctx, "/series/"+id+"/instances", &insts); err != nil {
			return nil, err
		}
	default:
		if err := s.orthanc.get(ctx, "/studies/"+id+"/instances", &insts); err != nil {
			return nil, err
		}
	}
	seriesUID := map[string]string{}
	studyUID := map[string]string{}
	var out []instanceRef
	for _, in := range insts {
		se, ok := seriesUID[in.ParentSeries]
		if !ok {
			var sr resource
			if err := s.orthanc.get(ctx, "/series/"+in.ParentSeries, &sr); err != nil {
				return nil, err
			}
			se = sr.MainDicomTags["SeriesInstanceUID"]
			seriesUID[in.ParentSeries] = se
			if _, ok := studyUID[sr.ParentStudy]; !ok {
				var st resource
				if err := s.orthanc.get(ctx, "/studies/"+sr.ParentStudy, &st); err != nil {
					return nil, err
				}
				studyUID[sr.ParentStudy] = st.MainDicomTags["StudyInstanceUID"]
			}
			studyUID[in.ParentSeries] = studyUID[sr.ParentStudy]
		}
		out = append(out, instanceRef{study: studyUID[in.ParentSeries], series: se, sop: in.MainDicomTags["SOPInstanceUID"], orthancID: in.ID})
	}
	return out, nil
}

func (s *Server) changeFeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v2 := r.PathValue("ver") == "v2"
	maxLimit, defLimit := 100, 10
	if v2 {
		maxLimit, defLimit = 200, 100
	}
	limit, err := intParam(q.Get("limit"), defLimit, 1, maxLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, "limit: "+err.Error())
		return
	}
	offset, err := intParam(q.Get("offset"), 0, 0, 1<<62)
	if err != nil {
		writeError(w, http.StatusBadRequest, "offset: "+err.Error())
		return
	}
	includeMeta := true
	if v := q.Get("includeMetadata"); v != "" {
		if includeMeta, err = strconv.ParseBool(v); err != nil {
			writeError(w, http.StatusBadRequest, "includeMetadata: want true or false")
			return
		}
	}
	var entries []Entry
	if v2 {
		var start, end time.Time
		for name, dst := range map[string]*time.Time{"startTime": &start, "endTime": &end} {
			if v := q.Get(name); v != "" {
				if *dst, err = time.Parse(time.RFC3339Nano, v); err != nil {
					writeError(w, http.StatusBadRequest, name+": want an RFC 3339 time")
					return
				}
			}
		}
		entries = s.cfg.Feed.V2(start, end, offset, limit)
	} else {
		entries = s.cfg.Feed.V1(int64(offset), limit)
	}
	if entries == nil {
		entries = []Entry{}
	}
	if includeMeta {
		s.addMetadata(r, entries)
	}
	writeJSON(w, http.StatusOK, entries)
}

func (s *Server) changeFeedLatest(w http.ResponseWriter, r *http.Request) {
	e, ok := s.cfg.Feed.Latest(r.PathValue("ver") == "v2")
	if !ok {
		// ASP.NET Core answers a null result with 204.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if v := r.URL.Query().Get("includeMetadata"); v == "" || v == "true" {
		one := []Entry{e}
		s.addMetadata(r, one)
		e = one[0]
	}
	writeJSON(w, http.StatusOK, e)
}

// addMetadata fills Metadata for entries whose instance still exists.
func (s *Server) addMetadata(r *http.Request, entries []Entry) {
	for i, e := range entries {
		if e.State != StateCurrent {
			continue
		}
		var md []json.RawMessage
		path := fmt.Sprintf("/dicom-web/studies/%s/series/%s/instances/%s/metadata", e.StudyInstanceUID, e.SeriesInstanceUID, e.SOPInstanceUID)
		if err := s.orthanc.get(r.Context(), path, &md); err != nil || len(md) == 0 {
			s.log.Warn("change feed metadata unavailable", "sequence", e.Sequence, "error", err)
			continue
		}
		entries[i].Metadata = stripBinary(md[0])
	}
}

func intParam(v string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not an integer in %d–%d", v, lo, hi)
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
