package dicomfront

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ahds-events/ahds/tests/sharedcases"
	"github.com/ahds-events/ahds/tests/workspace/eventgrid"
)

const (
	studyUID   = "1.2.826.0.1.3680043.8.498.1001"
	series1UID = "1.2.826.0.1.3680043.8.498.1001.1"
)

// recorder is a Publisher that keeps the events.
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

func (r *recorder) take() []eventgrid.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// eventData is the DicomImage* data member.
type eventData struct {
	PartitionName, ImageStudyInstanceUID, ImageSeriesInstanceUID, ImageSopInstanceUID, ServiceHostName string
	SequenceNumber                                                                                     int64
}

func decodeData(t *testing.T, e eventgrid.Event) eventData {
	t.Helper()
	var d eventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TinyStudy returns the three tiny-study instances.
func tinyStudy(t *testing.T) [][]byte {
	t.Helper()
	dir := sharedcases.Path(t, "cases", "dicom", "tiny-study")
	var out [][]byte
	for i := 1; i <= 3; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("inst%d.dcm", i)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func multipartBody(t *testing.T, parts ...[]byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/dicom"}})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p)
	}
	_ = mw.Close()
	return `multipart/related; type="application/dicom"; boundary=` + mw.Boundary(), buf.Bytes()
}

type frontFixture struct {
	srv  *httptest.Server
	pub  *recorder
	feed string
}

func newFront(t *testing.T, orthancURL string) *frontFixture {
	t.Helper()
	feedPath := filepath.Join(t.TempDir(), "changefeed.jsonl")
	feed, err := OpenFeed(feedPath)
	if err != nil {
		t.Fatal(err)
	}
	pub := &recorder{}
	s, err := New(Config{OrthancURL: orthancURL, Feed: feed, Publisher: pub, ServiceHostName: "local.dicom", Topic: "/subscriptions/local",
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &frontFixture{srv: srv, pub: pub, feed: feedPath}
}

func do(t *testing.T, method, url, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func failureReasons(t *testing.T, body []byte) []int {
	t.Helper()
	var ans struct {
		Failed struct {
			Value []map[string]struct{ Value []json.RawMessage }
		} `json:"00081198"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatalf("STOW answer %s: %v", body, err)
	}
	var out []int
	for _, item := range ans.Failed.Value {
		var n int
		_ = json.Unmarshal(item["00081197"].Value[0], &n)
		out = append(out, n)
	}
	return out
}

func TestFront_StowEventsChangeFeedDelete(t *testing.T) {
	insts := tinyStudy(t)
	f := newFront(t, httptest.NewServer(newFakeOrthanc()).URL)
	base := f.srv.URL + "/v2"

	// Single-part application/dicom: Azure accepts it.
	status, body := do(t, "POST", base+"/studies", "application/dicom", insts[0])
	if status != http.StatusOK {
		t.Fatalf("STOW inst1 = %d %s", status, body)
	}
	evs := f.pub.take()
	if len(evs) != 1 || evs[0].Type != eventgrid.DicomImageCreated {
		t.Fatalf("events after STOW inst1 = %+v", evs)
	}
	if d := decodeData(t, evs[0]); d != (eventData{"Microsoft.Default", studyUID, series1UID, series1UID + ".1", "local.dicom", 1}) {
		t.Errorf("event data = %+v", d)
	}
	if want := "local.dicom/v1/studies/" + studyUID + "/series/" + series1UID + "/instances/" + series1UID + ".1"; evs[0].Subject != want {
		t.Errorf("subject = %s, want %s", evs[0].Subject, want)
	}

	// Multipart to the study URL.
	ct, mp := multipartBody(t, insts[1], insts[2])
	if status, body = do(t, "POST", base+"/studies/"+studyUID, ct, mp); status != http.StatusOK {
		t.Fatalf("STOW inst2+3 = %d %s", status, body)
	}
	if evs = f.pub.take(); len(evs) != 2 || decodeData(t, evs[0]).SequenceNumber != 2 || decodeData(t, evs[1]).SequenceNumber != 3 {
		t.Fatalf("events after STOW inst2+3 = %+v", evs)
	}

	// Re-STOW: Azure refuses with 45070 (Orthanc would overwrite).
	if status, body = do(t, "POST", base+"/studies", "application/dicom", insts[0]); status != http.StatusConflict || fmt.Sprint(failureReasons(t, body)) != "[45070]" {
		t.Errorf("re-STOW = %d %s, want 409 with 45070", status, body)
	}
	if evs = f.pub.take(); len(evs) != 0 {
		t.Errorf("re-STOW published %d events", len(evs))
	}

	// QIDO: match → 200, no match → 204.
	if status, _ = do(t, "GET", base+"/studies?StudyInstanceUID="+studyUID, "", nil); status != http.StatusOK {
		t.Errorf("QIDO match = %d", status)
	}
	if status, body = do(t, "GET", base+"/studies?StudyInstanceUID=9.9", "", nil); status != http.StatusNoContent || len(body) != 0 {
		t.Errorf("QIDO no match = %d %q, want 204 empty", status, body)
	}
	// WADO metadata: binary VRs removed.
	status, body = do(t, "GET", base+"/studies/"+studyUID+"/series/"+series1UID+"/instances/"+series1UID+".1/metadata", "", nil)
	if status != http.StatusOK || strings.Contains(string(body), "7FE00010") || !strings.Contains(string(body), "00080018") {
		t.Errorf("metadata = %d %s", status, body)
	}

	// Retrieve with Accept: application/dicom: the instance's file; a
	// study is 406.
	get := func(path, accept string) (int, []byte) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", base+path, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if status, body = get("/studies/"+studyUID+"/series/"+series1UID+"/instances/"+series1UID+".1", "application/dicom; transfer-syntax=*"); status != 200 || !bytes.Equal(body, insts[0]) {
		t.Errorf("instance retrieve = %d (%d bytes), want 200 with the stored file", status, len(body))
	}
	if status, _ = get("/studies/"+studyUID+"/series/"+series1UID+"/instances/9.9", "application/dicom"); status != 404 {
		t.Errorf("unknown instance retrieve = %d, want 404", status)
	}
	if status, _ = get("/studies/"+studyUID, "application/dicom"); status != http.StatusNotAcceptable {
		t.Errorf("study retrieve as application/dicom = %d, want 406", status)
	}

	// Delete series 1 (two instances).
	if status, body = do(t, "DELETE", base+"/studies/"+studyUID+"/series/"+series1UID, "", nil); status != http.StatusNoContent {
		t.Fatalf("DELETE series = %d %s", status, body)
	}
	evs = f.pub.take()
	if len(evs) != 2 {
		t.Fatalf("delete events = %d, want 2", len(evs))
	}
	seqs := map[int64]string{}
	for _, e := range evs {
		d := decodeData(t, e)
		if e.Type != eventgrid.DicomImageDeleted || d.ImageSeriesInstanceUID != series1UID {
			t.Errorf("delete event = %s %+v", e.Type, d)
		}
		seqs[d.SequenceNumber] = d.ImageSopInstanceUID
	}
	if len(seqs) != 2 || seqs[4] == "" || seqs[5] == "" {
		t.Errorf("delete sequences = %v, want 4 and 5", seqs)
	}
	if status, _ = do(t, "DELETE", base+"/studies/"+studyUID+"/series/"+series1UID, "", nil); status != http.StatusNotFound {
		t.Errorf("second DELETE = %d, want 404", status)
	}

	// Change feed v1: offset is an exclusive start sequence.
	status, body = do(t, "GET", f.srv.URL+"/v1/changefeed?offset=2&limit=2", "", nil)
	var page []Entry
	if err := json.Unmarshal(body, &page); err != nil || status != 200 || len(page) != 2 {
		t.Fatalf("changefeed v1 = %d %s (%v)", status, body, err)
	}
	if page[0].Sequence != 3 || page[0].Action != ActionCreate || page[0].State != StateCurrent || page[0].Metadata == nil ||
		page[1].Sequence != 4 || page[1].Action != ActionDelete || page[1].State != StateDeleted || page[1].Metadata != nil {
		t.Errorf("changefeed page = %+v", page)
	}
	var raw []map[string]any
	_ = json.Unmarshal(body, &raw)
	for _, k := range []string{"sequence", "partitionName", "studyInstanceUid", "seriesInstanceUid", "sopInstanceUid", "action", "timestamp", "state"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("entry lacks member %q: %v", k, raw[0])
		}
	}
	// v2: offset skips rows; latest.
	_, body = do(t, "GET", base+"/changefeed?offset=4&includeMetadata=false", "", nil)
	if err := json.Unmarshal(body, &page); err != nil || len(page) != 1 || page[0].Sequence != 5 {
		t.Errorf("changefeed v2 offset 4 = %s", body)
	}
	var latest Entry
	_, body = do(t, "GET", f.srv.URL+"/v1/changefeed/latest", "", nil)
	if err := json.Unmarshal(body, &latest); err != nil || latest.Sequence != 5 {
		t.Errorf("latest = %s", body)
	}

	// Sequence numbers survive a restart.
	feed, err := OpenFeed(f.feed)
	if err != nil {
		t.Fatal(err)
	}
	e, err := feed.Append(Entry{Action: ActionCreate, Timestamp: time.Now()})
	if err != nil || e.Sequence != 6 {
		t.Errorf("reopened feed next sequence = %d, %v; want 6", e.Sequence, err)
	}
}

func TestFront_StowRejects(t *testing.T) {
	insts := tinyStudy(t)
	f := newFront(t, httptest.NewServer(newFakeOrthanc()).URL)
	base := f.srv.URL + "/v2"
	ct, mp := multipartBody(t, []byte("plain text, not DICOM"))
	tests := []struct {
		name, url, ctype string
		body             []byte
		wantStatus       int
		wantReasons      string
	}{
		{"non-DICOM single part", base + "/studies", "application/dicom", []byte("hello"), 409, "[272]"},
		{"non-DICOM multipart", base + "/studies", ct, mp, 409, "[272]"},
		{"wrong media type", base + "/studies", "text/plain", []byte("hello"), 415, ""},
		{"multipart of json", base + "/studies", `multipart/related; type="application/dicom+json"; boundary=x`, []byte("--x--"), 415, ""},
		{"empty body", base + "/studies", "application/dicom", nil, 400, ""},
		{"study mismatch", base + "/studies/1.2.3", "application/dicom", insts[0], 409, "[43265]"},
		{"truncated DICOM", base + "/studies", "application/dicom", insts[0][:200], 409, "[272]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, "POST", tt.url, tt.ctype, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("STOW = %d %s, want %d", status, body, tt.wantStatus)
			}
			if tt.wantReasons != "" {
				if got := fmt.Sprint(failureReasons(t, body)); got != tt.wantReasons {
					t.Errorf("reasons = %s, want %s (%s)", got, tt.wantReasons, body)
				}
				if !strings.Contains(string(body), `"00000902"`) {
					t.Errorf("answer has no ErrorComment: %s", body)
				}
			} else if !strings.Contains(string(body), "message") {
				t.Errorf("answer has no reason: %s", body)
			}
			if evs := f.pub.take(); len(evs) != 0 {
				t.Errorf("published %d events", len(evs))
			}
		})
	}
	// Partial success: 202.
	ct, mp = multipartBody(t, insts[0], []byte("junk"))
	if status, body := do(t, "POST", base+"/studies", ct, mp); status != http.StatusAccepted {
		t.Errorf("partial STOW = %d %s, want 202", status, body)
	}
	if evs := f.pub.take(); len(evs) != 1 {
		t.Errorf("partial STOW published %d events, want 1", len(evs))
	}
}

func TestFront_Routes(t *testing.T) {
	f := newFront(t, httptest.NewServer(newFakeOrthanc()).URL)
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v2/partitions/Microsoft.Default/studies", 400},
		{"POST", "/v1/partitions/p/studies", 400},
		{"GET", "/v3/studies", 404},
		{"GET", "/v2/changefeed/latest", 204},
		{"GET", "/v1/changefeed?limit=101", 400},
		{"GET", "/v2/changefeed?limit=200", 200},
		{"DELETE", "/v2/studies/9.9.9", 404},
	} {
		if status, body := do(t, tt.method, f.srv.URL+tt.path, "", nil); status != tt.want {
			t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, status, body, tt.want)
		}
	}
}
