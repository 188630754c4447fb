package imaging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging/synth"
	"github.com/ahds-events/ahds/tests/stack"
)

// faultProxy forwards to a server and injects failures: requests 1, 1+n429,
// 1+2·n429… get 429 (Retry-After: 0); requests 2, 2+n503… get 503; every
// n412-th ImagingStudy write gets 412. It counts requests and forwarded
// ImagingStudy writes. Zero disables a fault.
type faultProxy struct {
	n429, n503, n412 int64
	requests, writes atomic.Int64
	faults           atomic.Int64
	// unconditionalPUTs counts ImagingStudy PUTs without If-Match.
	unconditionalPUTs atomic.Int64
	// stripVersions removes meta.versionId from ImagingStudy search results.
	stripVersions atomic.Bool
	srv           *httptest.Server
}

func newFaultProxy(t testing.TB, target string, n429, n503, n412 int64) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{n429: n429, n503: n503, n412: n412}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(res *http.Response) error {
		r := res.Request
		if !p.stripVersions.Load() || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/ImagingStudy") {
			return nil
		}
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		res.Body.Close()
		b = versionRE.ReplaceAll(b, []byte(`"versionIdX":"$1"`))
		res.Body = io.NopCloser(bytes.NewReader(b))
		res.ContentLength = int64(len(b))
		res.Header.Set("Content-Length", fmt.Sprint(len(b)))
		return nil
	}
	var writes atomic.Int64
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.requests.Add(1)
		isWrite := (r.Method == http.MethodPut || r.Method == http.MethodPost) && strings.Contains(r.URL.Path, "ImagingStudy")
		switch {
		case p.n429 > 0 && n%p.n429 == 1%p.n429:
			p.faults.Add(1)
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case p.n503 > 0 && n%p.n503 == 2%p.n503:
			p.faults.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case isWrite && p.n412 > 0 && writes.Add(1)%p.n412 == 0:
			p.faults.Add(1)
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(http.StatusPreconditionFailed)
			fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"conflict"}]}`)
			return
		}
		if isWrite {
			p.writes.Add(1)
			if r.Method == http.MethodPut && r.Header.Get("If-Match") == "" {
				p.unconditionalPUTs.Add(1)
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

var versionRE = regexp.MustCompile(`"versionId"\s*:\s*"([^"]*)"`)

// proxiedEnv is a Service whose DICOM and FHIR traffic goes through fault
// proxies.
type proxiedEnv struct {
	*stackEnv
	fhirProxy, dicomProxy *faultProxy
}

func newProxiedEnv(t testing.TB, settle string, fhirFaults, dicomFaults [3]int64) *proxiedEnv {
	ep := stack.Require(t)
	fp := newFaultProxy(t, ep.FHIR, fhirFaults[0], fhirFaults[1], fhirFaults[2])
	dp := newFaultProxy(t, ep.Orthanc, dicomFaults[0], dicomFaults[1], 0)
	cfg, err := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": dp.srv.URL, "DICOM_SERVICE_KIND": "orthanc", "DICOM_SETTLE_WINDOW": settle}))
	if err != nil {
		t.Fatal(err)
	}
	var log *slog.Logger
	if tt, ok := t.(*testing.T); ok {
		log = slog.New(slog.NewTextHandler(tt.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	} else {
		log = slog.New(slog.DiscardHandler)
	}
	metrics := &dicomweb.Metrics{}
	dc, err := NewDICOMClient(cfg, dicomweb.Options{Logger: log, Metrics: metrics, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := fhir.New(fp.srv.URL, fhir.Options{Logger: log, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := dicomweb.New(ep.Orthanc, dicomweb.Options{Kind: dicomweb.KindOrthanc})
	if err != nil {
		t.Fatal(err)
	}
	directFHIR, err := fhir.New(ep.FHIR, fhir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &proxiedEnv{
		stackEnv:  &stackEnv{svc: NewService(cfg, dc, fc, log), dicom: direct, fhir: directFHIR, cfg: cfg, metrics: metrics},
		fhirProxy: fp, dicomProxy: dp,
	}
}

func TestE2E_ConcurrentBurstConverges(t *testing.T) {
	s := newProxiedEnv(t, "200ms", [3]int64{7, 11, 0}, [3]int64{2, 0, 0})
	study := uniq("1.2.826.0.1.3680043.8.498.9601")
	ins := synth.CTStudy(study, "BURST-"+study[len(study)-6:], 3, 10)
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)

	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.svc.HandleEvent(t.Context(), s.dicomEvent(fmt.Sprint("burst-", i), "Created", ins[i%len(ins)]))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("HandleEvent: %v", err)
		}
	}
	is := s.one(t, study)
	if is["numberOfInstances"] != float64(30) || is["numberOfSeries"] != float64(3) {
		t.Errorf("converged study: %v series, %v instances; want 3, 30", is["numberOfSeries"], is["numberOfInstances"])
	}
	if n := s.metrics.MetadataRequests.Load(); n > 6 {
		t.Errorf("300 events made %d metadata requests (retries included), want a few", n)
	}
	if w := s.fhirProxy.writes.Load(); w < 1 || w > 2 {
		t.Errorf("300 events made %d ImagingStudy writes, want 1 or 2", w)
	}
	if s.fhirProxy.faults.Load() == 0 || s.dicomProxy.faults.Load() == 0 {
		t.Error("no faults were injected; the test does not exercise retries")
	}
	t.Logf("metadata requests %d, FHIR requests %d (writes %d), injected faults FHIR %d DICOM %d",
		s.metrics.MetadataRequests.Load(), s.fhirProxy.requests.Load(), s.fhirProxy.writes.Load(),
		s.fhirProxy.faults.Load(), s.dicomProxy.faults.Load())
}

func TestE2E_ShuffledRedeliveryIsIdempotent(t *testing.T) {
	s := newProxiedEnv(t, "0s", [3]int64{0, 13, 3}, [3]int64{0, 0, 0})
	ctx := t.Context()
	var events []event.Event
	var studies []string
	var deleted string
	for k := range 3 {
		study := uniq(fmt.Sprint("1.2.826.0.1.3680043.8.498.97", k))
		studies = append(studies, study)
		ins := synth.CTStudy(study, "SHUF-"+study[len(study)-6:], 2, 2)
		t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
		s.store(t, ins...)
		for i, in := range ins {
			events = append(events, s.dicomEvent(fmt.Sprint(study, "-", i), "Created", in))
		}
		if k == 2 {
			// This study loses an instance: its Deleted event is in the mix.
			if err := s.dicom.Delete(ctx, "", study, ins[3].SeriesUID, ins[3].SOPUID); err != nil {
				t.Fatal(err)
			}
			events = append(events, s.dicomEvent(study+"-del", "Deleted", ins[3]))
			deleted = study
		}
	}
	deliver := func(round int) {
		order := rand.Perm(len(events))
		var wg sync.WaitGroup
		for _, i := range order {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.svc.HandleEvent(ctx, events[i]); err != nil {
					t.Errorf("round %d: HandleEvent(%s): %v", round, events[i].ID, err)
				}
			}()
		}
		wg.Wait()
	}
	deliver(1)
	versions := map[string]string{}
	for _, st := range studies {
		is := s.one(t, st)
		versions[st] = version(is)
		want := float64(4)
		if st == deleted {
			want = 3
		}
		if is["numberOfInstances"] != want {
			t.Errorf("study %s: %v instances, want %v", st, is["numberOfInstances"], want)
		}
	}
	writes := s.fhirProxy.writes.Load()
	deliver(2)
	deliver(3)
	for _, st := range studies {
		if v := version(s.one(t, st)); v != versions[st] {
			t.Errorf("study %s changed on redelivery: version %s → %s", st, versions[st], v)
		}
	}
	if n := s.fhirProxy.unconditionalPUTs.Load(); n != 0 {
		t.Errorf("%d ImagingStudy PUTs without If-Match", n)
	}
	if w := s.fhirProxy.writes.Load(); w != writes {
		t.Errorf("redeliveries wrote %d more times", w-writes)
	}
	if s.fhirProxy.faults.Load() == 0 {
		t.Error("no faults injected")
	}
}

// BenchmarkIntegrationConverge stores a 200-instance study in Orthanc and
// delivers one Created event per instance at once, measuring the seconds to
// converge and the traffic: WADO-RS metadata requests and bytes, FHIR
// requests.
func BenchmarkIntegrationConverge(b *testing.B) {
	s := newProxiedEnv(b, "500ms", [3]int64{}, [3]int64{})
	var n int
	for b.Loop() {
		n++
		study := uniq("1.2.826.0.1.3680043.8.498.9801")
		ins := synth.CTStudy(study, "BENCH-"+study[len(study)-6:], 4, 50)
		files, err := synth.Files(ins)
		if err != nil {
			b.Fatal(err)
		}
		if res, err := s.dicom.Store(context.Background(), "", "", files...); err != nil || res.Status != 200 {
			b.Fatalf("store: %+v %v", res, err)
		}
		var wg sync.WaitGroup
		for i, in := range ins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.svc.HandleEvent(context.Background(), s.dicomEvent(fmt.Sprint("b", i), "Created", in)); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		_ = s.dicom.DeleteStudy(context.Background(), "", study)
		b.StartTimer()
	}
	b.ReportMetric(float64(s.metrics.MetadataRequests.Load())/float64(n), "wado-requests/op")
	b.ReportMetric(float64(s.metrics.MetadataBytes.Load())/float64(n), "metadata-bytes/op")
	b.ReportMetric(float64(s.fhirProxy.requests.Load())/float64(n), "fhir-requests/op")
	b.ReportMetric(float64(s.fhirProxy.writes.Load())/float64(n), "imagingstudy-writes/op")
}

func TestE2E_SearchWithoutVersionIDStillUsesIfMatch(t *testing.T) {
	s := newProxiedEnv(t, "0s", [3]int64{}, [3]int64{})
	ctx := t.Context()
	study := uniq("1.2.826.0.1.3680043.8.498.9602")
	ins := synth.CTStudy(study, "NOV-"+study[len(study)-6:], 1, 2)
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins[:1]...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("v1", "Created", ins[0])); err != nil {
		t.Fatal(err)
	}
	s.fhirProxy.stripVersions.Store(true)
	s.store(t, ins[1:]...)
	if err := s.svc.HandleEvent(ctx, s.dicomEvent("v2", "Created", ins[1])); err != nil {
		t.Fatal(err)
	}
	s.fhirProxy.stripVersions.Store(false)
	if is := s.one(t, study); is["numberOfInstances"] != float64(2) || version(is) != "2" {
		t.Errorf("after update without versionId in search: %v instances, version %s", is["numberOfInstances"], version(is))
	}
	if n := s.fhirProxy.unconditionalPUTs.Load(); n != 0 {
		t.Errorf("%d ImagingStudy PUTs without If-Match", n)
	}
}
