package fhirfront

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/eventgrid"
)

// fakeFHIR is a tiny versioned FHIR store: integer versions, 201 on create,
// 200 on update, no new version for an identical PUT, DELETE 204 then 410.
type fakeFHIR struct {
	mu   sync.Mutex
	res  map[string]map[string]any // "Type/id" → resource
	gone map[string]int
	base string
	n    int
}

func newFakeFHIR(t *testing.T) *httptest.Server {
	f := &fakeFHIR{res: map[string]map[string]any{}, gone: map[string]int{}}
	srv := httptest.NewServer(f)
	f.base = srv.URL
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeFHIR) put(typ, id string, body map[string]any, old time.Time) (int, map[string]any) {
	key := typ + "/" + id
	cur, exists := f.res[key]
	v := f.gone[key]
	if exists {
		v = int(mustAtoi(cur["meta"].(map[string]any)["versionId"].(string)))
		a, _ := json.Marshal(strip(cur))
		b, _ := json.Marshal(strip(body))
		if bytes.Equal(a, b) {
			return 200, cur
		}
	}
	body["id"] = id
	body["resourceType"] = typ
	body["meta"] = map[string]any{"versionId": fmt.Sprint(v + 1), "lastUpdated": time.Now().UTC().Format(time.RFC3339Nano)}
	if !old.IsZero() {
		body["meta"].(map[string]any)["lastUpdated"] = old.Format(time.RFC3339Nano)
	}
	f.res[key] = body
	if exists {
		return 200, body
	}
	return 201, body
}

func strip(m map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		if k != "meta" && k != "id" && k != "resourceType" {
			c[k] = v
		}
	}
	return c
}

func mustAtoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func (f *fakeFHIR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	reply := func(status int, res map[string]any) {
		w.Header().Set("Content-Type", "application/fhir+json")
		if res != nil && res["meta"] != nil {
			v := res["meta"].(map[string]any)["versionId"]
			w.Header().Set("ETag", fmt.Sprintf(`W/"%v"`, v))
			if status == 201 {
				w.Header().Set("Location", fmt.Sprintf("%s/%s/%s/_history/%v", f.base, res["resourceType"], res["id"], v))
			}
		}
		w.WriteHeader(status)
		if res != nil {
			_ = json.NewEncoder(w).Encode(res)
		}
	}
	switch {
	case r.Method == "POST" && len(segs) == 1 && segs[0] == "":
		var out []any
		for _, e := range body["entry"].([]any) {
			em := e.(map[string]any)
			req := em["request"].(map[string]any)
			parts := strings.Split(req["url"].(string), "/")
			var status int
			var res map[string]any
			switch req["method"] {
			case "POST":
				f.n++
				status, res = f.put(parts[0], fmt.Sprintf("b%d", f.n), em["resource"].(map[string]any), time.Time{})
			case "PUT":
				status, res = f.put(parts[0], parts[1], em["resource"].(map[string]any), time.Time{})
			case "DELETE":
				delete(f.res, req["url"].(string))
				status = 204
			}
			resp := map[string]any{"status": fmt.Sprint(status)}
			if res != nil {
				resp["location"] = fmt.Sprintf("%s/%s/_history/%s", res["resourceType"], res["id"], res["meta"].(map[string]any)["versionId"])
				resp["etag"] = fmt.Sprintf(`W/"%s"`, res["meta"].(map[string]any)["versionId"])
			}
			out = append(out, map[string]any{"response": resp})
		}
		reply(200, map[string]any{"resourceType": "Bundle", "type": body["type"].(string) + "-response", "entry": out})
	case r.Method == "POST" && len(segs) == 1:
		if r.Header.Get("If-None-Exist") != "" {
			for k, v := range f.res {
				if strings.HasPrefix(k, segs[0]+"/") {
					reply(200, v)
					return
				}
			}
		}
		f.n++
		reply(f.put(segs[0], fmt.Sprintf("id%d", f.n), body, time.Time{}))
	case r.Method == "PUT" && len(segs) == 2:
		var old time.Time
		if r.Header.Get("X-Test-Old") != "" {
			old = time.Now().Add(-time.Hour).UTC()
		}
		reply(f.put(segs[0], segs[1], body, old))
	case r.Method == "GET" && len(segs) == 2:
		key := segs[0] + "/" + segs[1]
		if res, ok := f.res[key]; ok {
			reply(200, res)
		} else if _, gone := f.gone[key]; gone {
			reply(410, nil)
		} else {
			reply(404, nil)
		}
	case r.Method == "DELETE" && len(segs) == 2:
		key := segs[0] + "/" + segs[1]
		if res, ok := f.res[key]; ok {
			f.gone[key] = mustAtoi(res["meta"].(map[string]any)["versionId"].(string)) + 1
			delete(f.res, key)
		}
		w.WriteHeader(204)
	default:
		reply(200, map[string]any{"resourceType": "Bundle", "link": []any{map[string]any{"relation": "self", "url": f.base + r.URL.RequestURI()}}})
	}
}

type recorder struct {
	mu     sync.Mutex
	events []eventgrid.Event
}

func (r *recorder) Publish(events ...eventgrid.Event) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	return len(events)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		var d struct {
			ResourceType, ResourceFhirAccount, ResourceFhirID string
			ResourceVersionID                                 int
		}
		_ = json.Unmarshal(e.Data, &d)
		out = append(out, fmt.Sprintf("%s %s/%s v%d %s", strings.TrimPrefix(e.Type, "Microsoft.HealthcareApis.FhirResource"), d.ResourceType, d.ResourceFhirID, d.ResourceVersionID, e.Subject))
	}
	r.events = nil
	return out
}

func call(t *testing.T, method, url, body string, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/fhir+json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestFront_Events(t *testing.T) {
	backend := newFakeFHIR(t)
	pub := &recorder{}
	fr, err := New(Config{FHIRURL: backend.URL, Account: "acct", Topic: "/t", Publisher: pub, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fr)
	defer srv.Close()

	steps := []struct {
		name, method, path, body string
		hdr                      map[string]string
		want                     []string
	}{
		{"create", "POST", "/Patient", `{"resourceType":"Patient","gender":"female"}`, nil, []string{"Created Patient/id1 v1 acct/Patient/id1"}},
		{"conditional create existing", "POST", "/Patient", `{"resourceType":"Patient"}`, map[string]string{"If-None-Exist": "identifier=x|y"}, nil},
		{"update", "PUT", "/Patient/id1", `{"resourceType":"Patient","gender":"male"}`, nil, []string{"Updated Patient/id1 v2 acct/Patient/id1"}},
		{"no-op update", "PUT", "/Patient/id1", `{"resourceType":"Patient","gender":"male"}`, nil, nil},
		{"update as create", "PUT", "/Patient/p9", `{"resourceType":"Patient"}`, nil, []string{"Created Patient/p9 v1 acct/Patient/p9"}},
		{"read", "GET", "/Patient/id1", ``, nil, nil},
		{"delete", "DELETE", "/Patient/id1", ``, nil, []string{"Deleted Patient/id1 v3 acct/Patient/id1"}},
		{"delete again", "DELETE", "/Patient/id1", ``, nil, nil},
		{"search", "GET", "/Patient?gender=male", ``, nil, nil},
		{"transaction", "POST", "/", `{"resourceType":"Bundle","type":"transaction","entry":[
			{"resource":{"resourceType":"ServiceRequest","status":"active"},"request":{"method":"POST","url":"ServiceRequest"}},
			{"resource":{"resourceType":"Patient"},"request":{"method":"PUT","url":"Patient/p9"}},
			{"resource":{"resourceType":"Patient","gender":"other"},"request":{"method":"PUT","url":"Patient/p9"}},
			{"request":{"method":"DELETE","url":"Patient/p9"}}]}`, nil,
			[]string{"Created ServiceRequest/b2 v1 acct/ServiceRequest/b2", "Updated Patient/p9 v2 acct/Patient/p9", "Deleted Patient/p9 v3 acct/Patient/p9"}},
	}
	for _, s := range steps {
		status, hdr, body := call(t, s.method, srv.URL+s.path, s.body, s.hdr)
		if status/100 != 2 {
			t.Fatalf("%s: status %d %s", s.name, status, body)
		}
		if strings.Contains(body+hdr.Get("Location"), backend.URL) {
			t.Errorf("%s: answer leaks the backend URL: %s %s", s.name, hdr.Get("Location"), body)
		}
		if got := pub.take(); fmt.Sprint(got) != fmt.Sprint(s.want) {
			t.Errorf("%s: events = %q, want %q", s.name, got, s.want)
		}
	}
}

func TestFront_NoOpDetectedByLastUpdated(t *testing.T) {
	backend := newFakeFHIR(t)
	pub := &recorder{}
	fr, _ := New(Config{FHIRURL: backend.URL, Account: "acct", Publisher: pub})
	srv := httptest.NewServer(fr)
	defer srv.Close()
	call(t, "PUT", backend.URL+"/Patient/x", `{"resourceType":"Patient"}`, map[string]string{"X-Test-Old": "1"}) // behind the front's back
	call(t, "PUT", backend.URL+"/Patient/x", `{"resourceType":"Patient","gender":"male"}`, map[string]string{"X-Test-Old": "1"})
	// Identical PUT through the front: the server returns the old version,
	// last updated an hour ago.
	if status, _, _ := call(t, "PUT", srv.URL+"/Patient/x", `{"resourceType":"Patient","gender":"male"}`, nil); status != 200 {
		t.Fatalf("status %d", status)
	}
	if got := pub.take(); len(got) != 0 {
		t.Errorf("events = %q, want none", got)
	}
}

func TestFront_EventShape(t *testing.T) {
	backend := newFakeFHIR(t)
	pub := &recorder{}
	fr, _ := New(Config{FHIRURL: backend.URL, Account: "ws-fhir.fhir.azurehealthcareapis.com", Topic: "/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w", Publisher: pub,
		Now: func() time.Time { return time.Date(2021, 9, 8, 1, 14, 4, 561321400, time.UTC) }})
	srv := httptest.NewServer(fr)
	defer srv.Close()
	call(t, "POST", srv.URL+"/Patient", `{"resourceType":"Patient"}`, nil)
	pub.mu.Lock()
	e := pub.events[0]
	pub.mu.Unlock()
	e.ID = "e4c7f556-d72c-e7f7-1069-1e82ac76ab41"
	want := `{"id":"e4c7f556-d72c-e7f7-1069-1e82ac76ab41","topic":"/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w","subject":"ws-fhir.fhir.azurehealthcareapis.com/Patient/id1","data":{"resourceType":"Patient","resourceFhirAccount":"ws-fhir.fhir.azurehealthcareapis.com","resourceFhirId":"id1","resourceVersionId":1},"eventType":"Microsoft.HealthcareApis.FhirResourceCreated","dataVersion":"1","metadataVersion":"1","eventTime":"2021-09-08T01:14:04.5613214Z"}`
	if got := string(e.Render(eventgrid.SchemaEventGrid)); got != want {
		t.Errorf("event =\n%s\nwant\n%s", got, want)
	}
	if got := string(e.Render(eventgrid.SchemaCloudEvents)); !strings.Contains(got, `"dataschema":"#1"`) {
		t.Errorf("cloudevent = %s", got)
	}
}
