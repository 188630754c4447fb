package dicomfront

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
)

// binaryVRs are the VRs whose attributes the Azure service omits from WADO
// metadata (Orthanc sends them as BulkDataURIs).
var binaryVRs = map[string]bool{"OB": true, "OD": true, "OF": true, "OL": true, "OV": true, "OW": true, "UN": true}

// proxy forwards a GET to Orthanc's /dicom-web and applies Azure's answers
// where they differ.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	rest := r.PathValue("rest")
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if s.cfg.Partitions && len(segs) >= 2 && segs[0] == "studies" {
		series := ""
		if len(segs) >= 4 && segs[2] == "series" {
			series = segs[3]
		}
		if !s.members.has(partitionOf(r), segs[1], series, "") {
			writeError(w, http.StatusNotFound, "study "+segs[1]+" not found in partition "+partitionOf(r))
			return
		}
	}
	if s.retrieveSinglePart(w, r, rest) {
		return
	}
	target := s.orthanc.base + "/dicom-web/" + rest
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	for _, h := range []string{"Accept", "If-None-Match"} { // not Accept-Encoding: the body may be rewritten
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		writeError(w, http.StatusBadGateway, "orthanc: "+err.Error())
		return
	}
	defer resp.Body.Close()
	last := segs[len(segs)-1]
	qido := last == "studies" || last == "series" || last == "instances"
	metadata := last == "metadata"
	if resp.StatusCode == http.StatusOK && (qido || metadata) {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			writeError(w, http.StatusBadGateway, "orthanc: "+err.Error())
			return
		}
		if qido && s.cfg.Partitions {
			body = s.filterPartition(partitionOf(r), body)
		}
		if qido && string(bytes.TrimSpace(body)) == "[]" {
			w.WriteHeader(http.StatusNoContent) // Azure: QIDO with no match
			return
		}
		if metadata {
			var items []json.RawMessage
			if json.Unmarshal(body, &items) == nil {
				for i := range items {
					items[i] = stripBinary(items[i])
				}
				body, _ = json.Marshal(items)
			}
		}
		copyHeaders(w, resp)
		w.Header().Del("Content-Length")
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
	copyHeaders(w, resp)
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func copyHeaders(w http.ResponseWriter, resp *http.Response) {
	for _, h := range []string{"Content-Type", "Content-Length", "ETag"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
}

// stripBinary removes binary-VR attributes from a DICOM JSON dataset,
// recursing into sequences.
func stripBinary(ds json.RawMessage) json.RawMessage {
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(ds, &m); err != nil {
		return ds
	}
	for tag, attr := range m {
		var vr string
		_ = json.Unmarshal(attr["vr"], &vr)
		if binaryVRs[vr] {
			delete(m, tag)
			continue
		}
		if vr == "SQ" && attr["Value"] != nil {
			var items []json.RawMessage
			if json.Unmarshal(attr["Value"], &items) == nil {
				for i := range items {
					items[i] = stripBinary(items[i])
				}
				attr["Value"], _ = json.Marshal(items)
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return ds
	}
	return out
}

// retrieveSinglePart answers WADO-RS retrieves with Accept: application/dicom
// the Azure way, where Orthanc's plugin answers 400: an instance comes back
// as its single Part 10 file (from Orthanc's REST /instances/{id}/file, in
// its stored transfer syntax); a study or series is 406. It reports whether
// it answered.
func (s *Server) retrieveSinglePart(w http.ResponseWriter, r *http.Request, rest string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Accept"))
	if err != nil || mt != "application/dicom" {
		return false
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(segs) == 6 && segs[0] == "studies" && segs[2] == "series" && segs[4] == "instances":
		id, err := s.orthanc.lookup(r.Context(), segs[5], "Instance")
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return true
		}
		refs, rerr := s.instancesOf(r, "Instance", id)
		if id == "" || rerr != nil || len(refs) != 1 || refs[0].study != segs[1] || refs[0].series != segs[3] {
			writeError(w, http.StatusNotFound, "instance "+segs[5]+" not found")
			return true
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, s.orthanc.base+"/instances/"+id+"/file", nil)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return true
		}
		resp, err := s.cfg.HTTPClient.Do(req)
		if err != nil {
			writeError(w, http.StatusBadGateway, "orthanc: "+err.Error())
			return true
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			writeError(w, http.StatusBadGateway, "orthanc: instance file: "+resp.Status)
			return true
		}
		w.Header().Set("Content-Type", "application/dicom")
		if cl := resp.Header.Get("Content-Length"); cl != "" {
			w.Header().Set("Content-Length", cl)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.Copy(w, resp.Body)
		return true
	case len(segs) == 2 && segs[0] == "studies", len(segs) == 4 && segs[0] == "studies" && segs[2] == "series":
		writeError(w, http.StatusNotAcceptable, "application/dicom is only available for a single instance: use multipart/related; type=\"application/dicom\"")
		return true
	}
	return false
}

// filterPartition keeps the QIDO result items that belong to partition p.
func (s *Server) filterPartition(p string, body []byte) []byte {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return body
	}
	kept := []map[string]json.RawMessage{}
	for _, it := range items {
		if s.members.keep(p, it) {
			kept = append(kept, it)
		}
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return body
	}
	return out
}
