package dicomfront

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// fakeOrthanc is an in-memory Orthanc with the REST calls the front uses.
// Ids are "st-"/"se-"/"in-" + UID.
type fakeOrthanc struct {
	mu    sync.Mutex
	insts map[string]part // by SOP UID
	mux   *http.ServeMux
}

func newFakeOrthanc() *fakeOrthanc {
	f := &fakeOrthanc{insts: map[string]part{}, mux: http.NewServeMux()}
	f.mux.HandleFunc("POST /tools/lookup", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		uid := string(b)
		f.mu.Lock()
		defer f.mu.Unlock()
		var hits []map[string]string
		for _, p := range f.insts {
			switch uid {
			case p.sop:
				hits = append(hits, map[string]string{"ID": "in-" + uid, "Type": "Instance"})
			case p.series:
				hits = append(hits, map[string]string{"ID": "se-" + uid, "Type": "Series"})
			case p.study:
				hits = append(hits, map[string]string{"ID": "st-" + uid, "Type": "Study"})
			}
			if len(hits) > 0 {
				break
			}
		}
		writeJSON(w, 200, append([]map[string]string{}, hits...))
	})
	f.mux.HandleFunc("POST /instances", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p := inspect(b)
		if p.failure != 0 {
			http.Error(w, p.comment, 400)
			return
		}
		f.mu.Lock()
		f.insts[p.sop] = p
		f.mu.Unlock()
		writeJSON(w, 200, map[string]string{"ID": "in-" + p.sop, "Status": "Success"})
	})
	getOne := (func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id := r.PathValue("id")
		for _, p := range f.insts {
			switch id {
			case "in-" + p.sop:
				writeJSON(w, 200, resource{ID: id, ParentSeries: "se-" + p.series, MainDicomTags: map[string]string{"SOPInstanceUID": p.sop}})
				return
			case "se-" + p.series:
				writeJSON(w, 200, resource{ID: id, ParentStudy: "st-" + p.study, MainDicomTags: map[string]string{"SeriesInstanceUID": p.series}})
				return
			case "st-" + p.study:
				writeJSON(w, 200, resource{ID: id, MainDicomTags: map[string]string{"StudyInstanceUID": p.study}})
				return
			}
		}
		http.NotFound(w, r)
	})
	list := (func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id := r.PathValue("id")
		out := []resource{}
		for _, p := range f.insts {
			if id == "se-"+p.series || id == "st-"+p.study {
				out = append(out, resource{ID: "in-" + p.sop, ParentSeries: "se-" + p.series, MainDicomTags: map[string]string{"SOPInstanceUID": p.sop}})
			}
		}
		writeJSON(w, 200, out)
	})
	del := (func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id := r.PathValue("id")
		for sop, p := range f.insts {
			if id == "in-"+p.sop || id == "se-"+p.series || id == "st-"+p.study {
				delete(f.insts, sop)
			}
		}
		writeJSON(w, 200, map[string]any{})
	})
	f.mux.HandleFunc("GET /instances/{id}/file", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, p := range f.insts {
			if "in-"+p.sop == r.PathValue("id") {
				w.Header().Set("Content-Type", "application/dicom")
				_, _ = w.Write(p.data)
				return
			}
		}
		http.NotFound(w, r)
	})
	for _, level := range []string{"instances", "series", "studies"} {
		f.mux.HandleFunc("GET /"+level+"/{id}", getOne)
		f.mux.HandleFunc("GET /"+level+"/{id}/instances", list)
		f.mux.HandleFunc("DELETE /"+level+"/{id}", del)
	}
	f.mux.HandleFunc("GET /dicom-web/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		rest := r.PathValue("rest")
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case strings.HasSuffix(rest, "/metadata"):
			segs := strings.Split(rest, "/")
			sop := segs[len(segs)-2]
			if _, ok := f.insts[sop]; !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/dicom+json")
			_ = json.NewEncoder(w).Encode([]map[string]any{{
				"00080018": map[string]any{"vr": "UI", "Value": []string{sop}},
				"7FE00010": map[string]any{"vr": "OW", "BulkDataURI": "http://x/bulk"},
			}})
		case rest == "studies":
			var out []map[string]any
			for _, p := range f.insts {
				if q := r.URL.Query().Get("StudyInstanceUID"); q == "" || q == p.study {
					out = append(out, map[string]any{"0020000D": map[string]any{"vr": "UI", "Value": []string{p.study}}})
				}
			}
			w.Header().Set("Content-Type", "application/dicom+json")
			_ = json.NewEncoder(w).Encode(append([]map[string]any{}, out...))
		default:
			http.NotFound(w, r)
		}
	})
	return f
}

func (f *fakeOrthanc) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }
