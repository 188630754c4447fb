package fhirfront

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// bundleRequest reads a batch/transaction Bundle's entry requests; other
// bodies yield nothing.
func (f *Front) bundleRequest(ctx context.Context, body []byte) []write {
	var b struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			Request struct {
				Method string `json:"method"`
				URL    string `json:"url"`
			} `json:"request"`
		} `json:"entry"`
	}
	if json.Unmarshal(body, &b) != nil || b.ResourceType != "Bundle" || (b.Type != "batch" && b.Type != "transaction") {
		return nil
	}
	out := make([]write, len(b.Entry))
	for i, e := range b.Entry {
		wr := write{method: strings.ToUpper(e.Request.Method)}
		path, _, hasQuery := strings.Cut(e.Request.URL, "?")
		segs := strings.Split(strings.Trim(path, "/"), "/")
		if len(segs) >= 1 && typeRE.MatchString(segs[0]) {
			wr.typ = segs[0]
		}
		if len(segs) == 2 && !hasQuery {
			wr.id = segs[1]
		}
		if wr.method == http.MethodDelete && wr.typ != "" && wr.id != "" {
			wr.prior, wr.priorKnown = f.currentVersion(ctx, wr.typ, wr.id)
		}
		out[i] = wr
	}
	return out
}

// bundleResponse pairs each request entry with its response entry.
func (f *Front) bundleResponse(pre []write, body []byte) []write {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
			Response struct {
				Status       string `json:"status"`
				Location     string `json:"location"`
				Etag         string `json:"etag"`
				LastModified string `json:"lastModified"`
			} `json:"response"`
		} `json:"entry"`
	}
	if json.Unmarshal(body, &b) != nil || b.ResourceType != "Bundle" || len(b.Entry) != len(pre) {
		f.log.Warn("bundle answer does not pair with its request: no events", "request_entries", len(pre), "answer_entries", len(b.Entry))
		return nil
	}
	var out []write
	for i, e := range b.Entry {
		code, _, _ := strings.Cut(strings.TrimSpace(e.Response.Status), " ")
		status, err := strconv.Atoi(code)
		if err != nil || status/100 != 2 || pre[i].method == "" || pre[i].method == http.MethodGet {
			continue
		}
		wr := pre[i]
		wr.status, wr.resource, wr.location, wr.etag, wr.lastMod = status, e.Resource, e.Response.Location, e.Response.Etag, e.Response.LastModified
		out = append(out, wr)
	}
	return out
}
