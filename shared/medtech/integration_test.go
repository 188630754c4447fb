package medtech

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/tests/stack"
)

// countingFHIR counts bundle requests (one HTTP request each).
type countingFHIR struct {
	FHIR
	requests atomic.Int64
}

func (c *countingFHIR) Batch(ctx context.Context, entries []fhir.Entry) ([]fhir.EntryResult, error) {
	c.requests.Add(1)
	return c.FHIR.Batch(ctx, entries)
}

// realFHIR returns a client for the stack's FHIR server and a Device id
// linked to a fresh Patient, registered under a unique identifier.
func realFHIR(t testing.TB) (*fhir.Client, string, string) {
	t.Helper()
	ep := stack.Require(t)
	c, err := fhir.New(ep.FHIR, fhir.Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	tag := hex.EncodeToString(suffix)
	ctx := context.Background()
	pat, _ := json.Marshal(map[string]any{"resourceType": "Patient", "id": "pt-" + tag, "identifier": []any{map[string]any{"value": "pid-" + tag}}})
	if _, err := c.Update(ctx, "Patient", "pt-"+tag, pat, ""); err != nil {
		t.Fatalf("create Patient: %v", err)
	}
	dev, _ := json.Marshal(map[string]any{"resourceType": "Device", "id": "dv-" + tag,
		"identifier": []any{map[string]any{"system": "urn:ahds:test", "value": "monitor-" + tag}}, "patient": map[string]any{"reference": "Patient/pt-" + tag}})
	if _, err := c.Update(ctx, "Device", "dv-"+tag, dev, ""); err != nil {
		t.Fatalf("create Device: %v", err)
	}
	return c, "monitor-" + tag, tag
}

func TestProcessor_RealFHIR(t *testing.T) {
	c, device, tag := realFHIR(t)
	p := newTestProcessor(t, c, map[string]string{"MEDTECH_DEVICE_IDENTIFIER_SYSTEM": "urn:ahds:test"})
	msgs := []event.Message{seedMessage(device, "ignored", "2024-01-15T14:30:00.000Z", 72), seedMessage(device, "ignored", "2024-01-15T14:31:00.000Z", 74)}
	if err := p.Process(t.Context(), msgs); err != nil {
		t.Fatalf("Process = %v", err)
	}
	value := "pt-" + tag + ".dv-" + tag + ".heartRate.20240115143000Z.20240115143000Z"
	id := HashID(ServiceSystem, value)
	r, err := c.Read(t.Context(), "Observation", id)
	if err != nil {
		t.Fatalf("read Observation/%s: %v", id, err)
	}
	var o Observation
	if err := json.Unmarshal(r.Body, &o); err != nil {
		t.Fatal(err)
	}
	if o.Subject.Reference != "Patient/pt-"+tag || o.Device.Reference != "Device/dv-"+tag || o.Quantity.Value != "72" || o.Identifier[0].Value != value {
		t.Errorf("observation = %s", r.Body)
	}
	validateR4(t, json.RawMessage(r.Body))
	version := r.VersionID
	if err := p.Process(t.Context(), msgs); err != nil {
		t.Fatalf("re-run Process = %v", err)
	}
	r2, err := c.Read(t.Context(), "Observation", id)
	if err != nil {
		t.Fatal(err)
	}
	if r2.VersionID != version {
		t.Errorf("re-processing created version %s (was %s)", r2.VersionID, version)
	}
	// A newer reading in the same second updates the Observation.
	if err := p.Process(t.Context(), []event.Message{seedMessage(device, "ignored", "2024-01-15T14:30:00.500Z", 80)}); err != nil {
		t.Fatal(err)
	}
	r3, _ := c.Read(t.Context(), "Observation", id)
	var o3 Observation
	_ = json.Unmarshal(r3.Body, &o3)
	if o3.Status != "amended" || o3.Quantity.Value != "80" || r3.VersionID == version {
		t.Errorf("after newer reading: %s", r3.Body)
	}
}

// BenchmarkProcessorRealFHIR processes batches of seed messages (100 or
// 1,000 per invocation, identities cached after the first) against the
// FHIR dev server and reports messages/s and FHIR requests per 1,000
// messages.
func BenchmarkProcessorRealFHIR(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchmarkRealFHIR(b, batch) })
	}
}

func benchmarkRealFHIR(b *testing.B, batch int) {
	c, device, _ := realFHIR(b)
	counter := &countingFHIR{FHIR: c}
	dev, fh := writeMappingsB(b)
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{"MEDTECH_DEVICE_MAPPING": dev, "MEDTECH_FHIR_MAPPING": fh, "MEDTECH_DEVICE_IDENTIFIER_SYSTEM": "urn:ahds:test"}[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewProcessor(cfg, counter, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	round := 0
	next := func() []event.Message {
		msgs := make([]event.Message, batch)
		for i := range msgs {
			at := base.Add(time.Duration(round*batch+i) * time.Second).Format(time.RFC3339)
			msgs[i] = seedMessage(device, "ignored", at, 60+i%40)
		}
		round++
		return msgs
	}
	if err := p.Process(b.Context(), next()); err != nil { // warm the identity cache
		b.Fatal(err)
	}
	counter.requests.Store(0)
	start := time.Now()
	n := 0
	for b.Loop() {
		if err := p.Process(b.Context(), next()); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*batch)/time.Since(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(counter.requests.Load())*1000/float64(n*batch), "requests/1000msgs")
}

func writeMappingsB(b *testing.B) (string, string) {
	b.Helper()
	dir := b.TempDir()
	dev, fh := dir+"/device.json", dir+"/fhir.json"
	for path, name := range map[string]string{dev: "seed-device-mapping.json", fh: "seed-fhir-mapping.json"} {
		if err := writeFile(path, readTestdata(b, name)); err != nil {
			b.Fatal(err)
		}
	}
	return dev, fh
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }

// TestProcessor_RealFHIRSampledData writes case05's hourly SampledData
// Observation in both output modes and merges a second reading into it.
func TestProcessor_RealFHIRSampledData(t *testing.T) {
	c, _, tag := realFHIR(t)
	for _, mode := range []string{"fhir", "azure-medtech"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			dev, fh := dir+"/d.json", dir+"/f.json"
			if err := writeFile(dev, readCase(t, "case05-end-to-end-bloodpressure-sampleddata", "devicecontent.json")); err != nil {
				t.Fatal(err)
			}
			if err := writeFile(fh, readCase(t, "case05-end-to-end-bloodpressure-sampleddata", "fhirmapping.json")); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(func(k string) string {
				return map[string]string{"MEDTECH_DEVICE_MAPPING": dev, "MEDTECH_FHIR_MAPPING": fh, "MEDTECH_IDENTITY_MODE": "Direct", "MEDTECH_OUTPUT_MODE": mode}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewProcessor(cfg, c, Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
			if err != nil {
				t.Fatal(err)
			}
			device := "abc-" + tag + "-" + mode
			msg := func(at, sys string) event.Message {
				return event.Message{Body: []byte(`{"systolic":"` + sys + `","diastolic":"80","device":"` + device + `","date":"` + at + `","patient":"pt-` + tag + `"}`)}
			}
			if err := p.Process(t.Context(), []event.Message{msg("2023-10-09T19:18:23Z", "60")}); err != nil {
				t.Fatalf("Process = %v", err)
			}
			if err := p.Process(t.Context(), []event.Message{msg("2023-10-09T19:20:00Z", "61")}); err != nil {
				t.Fatalf("second Process = %v", err)
			}
			value := "pt-" + tag + "." + device + ".bloodpressure.20231009190000Z.20231009195959Z"
			r, err := c.Read(t.Context(), "Observation", HashID(ServiceSystem, value))
			if err != nil {
				t.Fatal(err)
			}
			var o Observation
			if err := json.Unmarshal(r.Body, &o); err != nil {
				t.Fatal(err)
			}
			validateR4(t, json.RawMessage(r.Body))
			tokens := strings.Fields(o.Component[1].SampledData.Data)
			if o.Status != "amended" || len(tokens) != 3600 || tokens[1103] != "60" || tokens[1200] != "61" {
				t.Errorf("merged observation: status %s, %d tokens", o.Status, len(tokens))
			}
		})
	}
}
