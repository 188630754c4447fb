package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/imaging/synth"
)

// BenchmarkE2EDeviceTelemetry sends seed-format telemetry (100 devices ×
// 20 ticks = 2,000 messages per iteration; Direct and Create identity
// modes) through the workspace's Event Hubs REST send API and waits until
// the handler has handled it. After a warm-up message per device (its FHIR
// requests reported apart) it reports end-to-end messages/s and
// Observations/s and FHIR requests per 1,000 messages (a counting proxy
// sits between the handler and the FHIR front); and, measured in the same
// run, the FHIR dev server's own batch-write capacity (batch bundles of 500
// PUT Observation straight to the server) with the ratio of the two.
func BenchmarkE2EDeviceTelemetry(b *testing.B) {
	for _, mode := range []string{"Direct", "Create"} {
		b.Run(mode, func(b *testing.B) { benchDeviceTelemetry(b, mode) })
	}
}

func benchDeviceTelemetry(b *testing.B, identityMode string) {
	w := startWorkspace(b, e2eOptions{proxyFHIR: true, fhirDirect: true, env: map[string]string{"MEDTECH_IDENTITY_MODE": identityMode}})
	var msgs, handled int64
	var elapsed time.Duration
	// Warm-up: one message per device, so that identities are resolved
	// (and created in Create mode) before the measurement.
	warm := newTelemetryLoad(100, 1, 0)
	warm.sendAll(b, w)
	handled += int64(warm.events())
	waitDelivered(b, w, handled, 60*time.Second)
	warmRequests := w.fhirProxy.total.Load()
	w.fhirProxy.reset()
	for b.Loop() {
		l := newTelemetryLoad(100, 20, 0)
		began := time.Now()
		l.sendAll(b, w)
		handled += int64(l.events())
		waitDelivered(b, w, handled, 120*time.Second)
		elapsed += time.Since(began)
		msgs += int64(len(l.messages))
	}
	requests := w.fhirProxy.total.Load()
	e2eObs := 2 * float64(msgs) / elapsed.Seconds() // heart rate and SpO2 per message
	capacity := fhirBatchWriteCapacity(b, w.st.FHIR, 4, 500)
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(e2eObs, "obs/s")
	b.ReportMetric(float64(requests)*1000/float64(msgs), "fhir-req/1k-msgs")
	b.ReportMetric(float64(warmRequests), "fhir-req-warmup-100-devices")
	b.ReportMetric(capacity, "server-batch-obs/s")
	b.ReportMetric(e2eObs/capacity, "e2e/server-ratio")
}

// fhirBatchWriteCapacity POSTs bundles batch bundles of size PUT
// Observation/{id} entries straight to the FHIR server, sequentially, and
// returns Observations written per second.
func fhirBatchWriteCapacity(b *testing.B, base string, bundles, size int) float64 {
	b.Helper()
	start := randomPast()
	prefix := "e2e-cap-" + uniqueID(false)
	var took time.Duration
	for k := range bundles {
		var entries []map[string]any
		for i := range size {
			id := fmt.Sprintf("%s-%d-%d", prefix, k, i)
			entries = append(entries, map[string]any{
				// The shape the device pipeline writes (seed example, fhir mode),
				// so that both sides of the ratio pay the same validation.
				"resource": map[string]any{"resourceType": "Observation", "id": id, "status": "final",
					"identifier":        []any{map[string]any{"system": "https://azure.microsoft.com/en-us/services/iomt-fhir-connector/", "value": id}},
					"category":          []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}}}},
					"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}}},
					"subject":           map[string]any{"reference": "Patient/" + prefix},
					"device":            map[string]any{"reference": "Device/" + prefix},
					"effectiveDateTime": start.Add(time.Duration(k*size+i) * time.Second).Format("2006-01-02T15:04:05.000Z"),
					"issued":            start.Format("2006-01-02T15:04:05.000Z"),
					"valueQuantity":     map[string]any{"value": 60 + i%40, "unit": "beats/min", "system": "http://unitsofmeasure.org", "code": "/min"}},
				"request": map[string]any{"method": "PUT", "url": "Observation/" + id},
			})
		}
		body, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "batch", "entry": entries})
		began := time.Now()
		res, err := http.Post(base, "application/fhir+json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Entry []struct {
				Response struct{ Status string }
			}
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		took += time.Since(began)
		if err != nil || res.StatusCode != http.StatusOK || len(out.Entry) != size {
			b.Fatalf("batch bundle = %d, %d entries, %v", res.StatusCode, len(out.Entry), err)
		}
		for _, e := range out.Entry {
			if !strings.HasPrefix(e.Response.Status, "20") {
				b.Fatalf("batch entry status %q", e.Response.Status)
			}
		}
	}
	return float64(bundles*size) / took.Seconds()
}

// BenchmarkE2EDicomBurst300 stores a 300-instance CT study (3 series × 100)
// through the workspace's DICOM front at once — 300 concurrent STOW-RS
// requests of one instance each — and waits until the ImagingStudy lists
// all 300 instances. It reports seconds to converge and the WADO-RS and
// FHIR requests the handler made (counting proxies in front of the DICOM
// and FHIR fronts).
func BenchmarkE2EDicomBurst300(b *testing.B) {
	w := startWorkspace(b, e2eOptions{proxyFHIR: true, proxyDICOM: true})
	client, err := dicomweb.New(w.DICOMOrigin, dicomweb.Options{Kind: dicomweb.KindAzure})
	if err != nil {
		b.Fatal(err)
	}
	var studies []string
	b.Cleanup(func() {
		for _, s := range studies {
			orthancDeleteStudy(b, w.st.Orthanc, s)
		}
	})
	var converge time.Duration
	var wado, metadata, fhirReqs, fhirWrites int64
	n := 0
	for b.Loop() {
		uid := "2.25." + uniqueID(true)
		studies = append(studies, uid)
		files, err := synth.Files(synth.CTStudy(uid, "E2E-"+uniqueID(false), 3, 100))
		if err != nil {
			b.Fatal(err)
		}
		w.fhirProxy.reset()
		w.dicomProxy.reset()
		began := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, len(files))
		for _, f := range files {
			wg.Go(func() {
				res, err := client.Store(context.Background(), "", uid, f)
				if err == nil && res.Status != http.StatusOK {
					err = fmt.Errorf("STOW-RS = %d %s", res.Status, res.Body)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		stored := time.Since(began)
		q := url.Values{"identifier": {"urn:dicom:uid|urn:oid:" + uid}}
		var got float64
		if !poll(120*time.Second, 100*time.Millisecond, func() bool {
			status, bundle, _ := fhirRead(w.st.FHIR + "/ImagingStudy?" + q.Encode())
			if status != http.StatusOK {
				return false
			}
			entries, _ := bundle["entry"].([]any)
			if len(entries) != 1 {
				return false
			}
			got, _ = entries[0].(map[string]any)["resource"].(map[string]any)["numberOfInstances"].(float64)
			return got == 300
		}) {
			b.Fatalf("ImagingStudy %s lists %v instances 120 s after the burst, want 300", uid, got)
		}
		took := time.Since(began)
		b.Logf("300 STOWs in %v, ImagingStudy with 300 instances after %v", stored.Round(time.Millisecond), took.Round(time.Millisecond))
		converge += took
		wado += w.dicomProxy.gets.Load()
		metadata += w.dicomProxy.metadata.Load()
		fhirReqs += w.fhirProxy.total.Load()
		fhirWrites += w.fhirProxy.total.Load() - w.fhirProxy.gets.Load()
		n++
	}
	b.ReportMetric(converge.Seconds()/float64(n), "s-to-converge")
	b.ReportMetric(float64(wado)/float64(n), "wado-req/study")
	b.ReportMetric(float64(metadata)/float64(n), "metadata-req/study")
	b.ReportMetric(float64(fhirReqs)/float64(n), "fhir-req/study")
	b.ReportMetric(float64(fhirWrites)/float64(n), "fhir-writes/study")
}

// orthancDeleteStudy deletes a study straight in Orthanc (no events).
func orthancDeleteStudy(t testing.TB, orthanc, uid string) {
	t.Helper()
	res, err := http.Post(orthanc+"/tools/lookup", "text/plain", strings.NewReader(uid))
	if err != nil {
		t.Error(err)
		return
	}
	var found []struct{ ID, Type string }
	_ = json.NewDecoder(res.Body).Decode(&found)
	res.Body.Close()
	for _, f := range found {
		if f.Type == "Study" {
			req, _ := http.NewRequest(http.MethodDelete, orthanc+"/studies/"+f.ID, nil)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		}
	}
}
