package medtech

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
)

func writeMappings(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	dev, fh := filepath.Join(dir, "device.json"), filepath.Join(dir, "fhir.json")
	if err := os.WriteFile(dev, readTestdata(t, "seed-device-mapping.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fh, readTestdata(t, "seed-fhir-mapping.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dev, fh
}

func newTestProcessor(t *testing.T, client FHIR, env map[string]string) *Processor {
	t.Helper()
	dev, fh := writeMappings(t)
	vars := map[string]string{"MEDTECH_DEVICE_MAPPING": dev, "MEDTECH_FHIR_MAPPING": fh}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := LoadConfig(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	clock := seedNow
	p, err := NewProcessor(cfg, client, Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seedMessage(device, patient, when string, hr int) event.Message {
	body := fmt.Sprintf(`{"deviceId":%q,"patientId":%q,"measurementTime":%q,"readings":{"heartRate":{"value":%d,"unit":"beats/min"},"oxygenSaturation":{"value":98,"unit":"%%"}}}`, device, patient, when, hr)
	return event.Message{Body: []byte(body), PartitionID: "0", SequenceNumber: 7, EnqueuedTime: seedNow.Add(-time.Second)}
}

func TestProcessor_DirectSeed(t *testing.T) {
	mem := newMemFHIR()
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	msgs := []event.Message{seedMessage("SpO2-Monitor-001", "patient-12345", "2024-01-15T14:30:00.000Z", 72)}
	if err := p.Process(t.Context(), msgs); err != nil {
		t.Fatalf("Process = %v", err)
	}
	o := mem.get("Observation/89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e")
	if o == nil || o["effectiveDateTime"] != "2024-01-15T14:30:00.000Z" || mem.get("Observation/be979e8a0ae7b2184433195cd253a6ea3abc86cfa7c163e86f5f12090c39720d") == nil {
		t.Fatalf("observations not written: %v", mem.resources)
	}
	validateR4(t, o)
	puts := mem.methods["PUT"]
	if err := p.Process(t.Context(), msgs); err != nil {
		t.Fatalf("re-run Process = %v", err)
	}
	if mem.methods["PUT"] != puts {
		t.Errorf("re-processing wrote %d more resources, want 0", mem.methods["PUT"]-puts)
	}
}

func TestProcessor_PermanentAndGoodMessages(t *testing.T) {
	mem := newMemFHIR()
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	msgs := []event.Message{
		{Body: []byte("not json")},
		seedMessage("dev-1", "pat-1", "2024-01-15T14:30:00Z", 70),
		seedMessage("dev_2", "pat-1", "2024-01-15T14:30:00Z", 71), // '_' is not a FHIR id
		{Body: []byte(`{"deviceId":"dev-3","readings":{"heartRate":{"value":1}}}`)},
	}
	err := p.Process(t.Context(), msgs)
	var be *event.BatchError
	if !errors.As(err, &be) || be.Transient() {
		t.Fatalf("Process = %v, want a permanent *event.BatchError", err)
	}
	want := map[int]string{0: "InvalidDataFormatException", 2: "InvalidResourceIdException", 3: "IncompatibleDataException"}
	if len(be.Failed) != len(want) {
		t.Errorf("failed = %v", be.Failed)
	}
	for i, name := range want {
		e := be.Failed[i]
		if e == nil || !event.IsPermanent(e) || !strings.Contains(e.Error(), name) || !strings.Contains(e.Error(), fmt.Sprintf("message %d", i)) {
			t.Errorf("message %d error = %v, want permanent %s", i, e, name)
		}
	}
	if !strings.Contains(be.Failed[3].Error(), "timestampExpression") || !strings.Contains(be.Failed[3].Error(), "$.measurementTime") {
		t.Errorf("error does not name the field and expression: %v", be.Failed[3])
	}
	if mem.methods["PUT"] != 2 {
		t.Errorf("PUTs = %d, want 2 (message 1's observations)", mem.methods["PUT"])
	}
}

func TestProcessor_LookupIdentity(t *testing.T) {
	mem := newMemFHIR()
	mem.put("Device/dv9", map[string]any{"resourceType": "Device", "id": "dv9",
		"identifier": []any{map[string]any{"system": "urn:sys", "value": "SpO2-Monitor-001"}}, "patient": map[string]any{"reference": "Patient/pt9"}})
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_DEVICE_IDENTIFIER_SYSTEM": "urn:sys"})
	msgs := []event.Message{seedMessage("SpO2-Monitor-001", "ignored", "2024-01-15T14:30:00Z", 72), seedMessage("unknown", "x", "2024-01-15T14:30:00Z", 72)}
	err := p.Process(t.Context(), msgs)
	var be *event.BatchError
	if !errors.As(err, &be) || len(be.Failed) != 1 || !strings.Contains(be.Failed[1].Error(), ErrFhirResourceNotFound) {
		t.Fatalf("Process = %v, want message 1 FhirResourceNotFoundException", err)
	}
	found := 0
	for k, r := range mem.resources {
		if strings.HasPrefix(k, "Observation/") {
			found++
			if r["subject"].(map[string]any)["reference"] != "Patient/pt9" || r["device"].(map[string]any)["reference"] != "Device/dv9" {
				t.Errorf("references = %v %v", r["subject"], r["device"])
			}
		}
	}
	if found != 2 {
		t.Errorf("observations = %d, want 2", found)
	}
	gets := mem.methods["GET"]
	if err := p.Process(t.Context(), msgs[:1]); err != nil {
		t.Fatal(err)
	}
	// Cached identity: only the Observation read (one _id search for both ids).
	if n := mem.methods["GET"] - gets; n != 1 {
		t.Errorf("GET entries on re-run = %d, want 1 (no Device search)", n)
	}
}

func TestProcessor_CreateIdentity(t *testing.T) {
	mem := newMemFHIR()
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Create"})
	if err := p.Process(t.Context(), []event.Message{seedMessage("device123", "patient-12345", "2024-01-15T14:30:00Z", 72)}); err != nil {
		t.Fatalf("Process = %v", err)
	}
	pat := mem.get("Patient/83bb50ad5a2017912d937de50fac513f0265a7d20470888534c2116b7e4a5c28")
	dev := mem.get("Device/e06accbb3e1dc2ca4773724cfc492354e84ec2a5d8e31394675041c8a88d8717")
	if pat == nil || dev == nil {
		t.Fatalf("Patient/Device not created: %v", mem.resources)
	}
	if dev["patient"].(map[string]any)["reference"] != "Patient/83bb50ad5a2017912d937de50fac513f0265a7d20470888534c2116b7e4a5c28" {
		t.Errorf("device patient = %v", dev["patient"])
	}
}

func TestProcessor_TransientFailure(t *testing.T) {
	mem := newMemFHIR()
	mem.batchErr["PUT"] = &fhir.Error{Method: "POST", Status: 503}
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	err := p.Process(t.Context(), []event.Message{seedMessage("d1", "p1", "2024-01-15T14:30:00Z", 72), {Body: []byte("{")}})
	var be *event.BatchError
	if !errors.As(err, &be) || !be.Transient() || event.IsPermanent(be.Failed[0]) || !event.IsPermanent(be.Failed[1]) {
		t.Fatalf("Process = %v, want message 0 transient and message 1 permanent", err)
	}
}

func TestProcessor_ConflictRetry(t *testing.T) {
	mem := newMemFHIR()
	conflicts := 1
	mem.inject = func(e fhir.Entry) *fhir.EntryResult {
		if e.Method == "PUT" && conflicts > 0 && strings.HasPrefix(e.URL, "Observation/8928") {
			conflicts--
			// A concurrent writer created the resource first.
			mem.resources[e.URL] = map[string]any{"resourceType": "Observation", "id": strings.TrimPrefix(e.URL, "Observation/"),
				"meta": map[string]any{"versionId": "1"}, "status": "final", "code": map[string]any{"text": "x"},
				"effectiveDateTime": "2024-01-15T14:29:59.000Z"}
			r := status(412, e)
			return &r
		}
		return nil
	}
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	if err := p.Process(t.Context(), []event.Message{seedMessage("SpO2-Monitor-001", "patient-12345", "2024-01-15T14:30:00Z", 72)}); err != nil {
		t.Fatalf("Process = %v", err)
	}
	o := mem.get("Observation/89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e")
	if o["status"] != "amended" || o["effectiveDateTime"] != "2024-01-15T14:30:00.000Z" || o["meta"].(map[string]any)["versionId"] != "2" {
		t.Errorf("after conflict retry: %v", o)
	}
}

func TestProcessor_BundleSize(t *testing.T) {
	mem := newMemFHIR()
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct"})
	var msgs []event.Message
	for i := range 300 {
		msgs = append(msgs, seedMessage("d1", "p1", seedNow.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 60+i%40))
	}
	if err := p.Process(t.Context(), msgs); err != nil {
		t.Fatal(err)
	}
	if mem.methods["PUT"] != 600 || mem.maxBundle > 500 {
		t.Errorf("PUTs %d, largest bundle %d; want 600 and ≤ 500", mem.methods["PUT"], mem.maxBundle)
	}
}

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{"MEDTECH_DEVICE_MAPPING": "d.json", "MEDTECH_FHIR_MAPPING": "f.json", "MEDTECH_OUTPUT_MODE": "azure-medtech"}[k]
	})
	if err != nil || cfg.Mode != ModeAzureMedTech || cfg.Identity != IdentityLookup || cfg.IdentityCacheTTL != 5*time.Minute ||
		cfg.FHIRConcurrency != 4 || !cfg.IdentifierLookupOnMiss {
		t.Errorf("LoadConfig = %+v, %v", cfg, err)
	}
	_, err = LoadConfig(func(k string) string {
		return map[string]string{"MEDTECH_OUTPUT_MODE": "x", "MEDTECH_IDENTITY_MODE": "y", "MEDTECH_IDENTITY_CACHE_TTL": "soon", "MEDTECH_FHIR_CONCURRENCY": "0"}[k]
	})
	for _, want := range []string{"MEDTECH_DEVICE_MAPPING", "MEDTECH_FHIR_MAPPING", "MEDTECH_OUTPUT_MODE", "MEDTECH_IDENTITY_MODE", "MEDTECH_IDENTITY_CACHE_TTL", "MEDTECH_FHIR_CONCURRENCY"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadConfig error %v does not name %s", err, want)
		}
	}
}

func TestProcessor_InvalidMapping(t *testing.T) {
	dir := t.TempDir()
	dev, fh := filepath.Join(dir, "d.json"), filepath.Join(dir, "f.json")
	os.WriteFile(dev, []byte(`{"templateType":"CollectionContent","template":[{"templateType":"Nope","template":{}}]}`), 0o600)
	os.WriteFile(fh, readTestdata(t, "seed-fhir-mapping.json"), 0o600)
	clock := seedNow
	cfg := Config{DeviceMapping: dev, FHIRMapping: fh, Identity: IdentityDirect, MappingRefresh: time.Minute}
	p, err := NewProcessor(cfg, newMemFHIR(), Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Ready(t.Context()); !errors.Is(err, ErrNoMapping) || !strings.Contains(err.Error(), "No match found for template type Nope") {
		t.Fatalf("Ready = %v, want ErrNoMapping naming the problem", err)
	}
	if err := p.Process(t.Context(), []event.Message{seedMessage("d", "p", "2024-01-15T14:30:00Z", 1)}); err == nil || event.IsPermanent(err) {
		t.Fatalf("Process without mapping = %v, want a transient error", err)
	}
	// Fixed after the refresh interval: the new mapping is picked up.
	os.WriteFile(dev, readTestdata(t, "seed-device-mapping.json"), 0o600)
	clock = clock.Add(time.Minute)
	if err := p.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after fix = %v", err)
	}
	// A later invalid change is rejected; the valid mapping stays active.
	os.WriteFile(dev, []byte(`{}`), 0o600)
	clock = clock.Add(time.Minute)
	if err := p.Process(t.Context(), []event.Message{seedMessage("d", "p", "2024-01-15T14:30:00Z", 1)}); err != nil {
		t.Fatalf("Process with the previous valid mapping = %v", err)
	}
}

func TestProcessor_AzureMedTechIdentifierLookup(t *testing.T) {
	mem := newMemFHIR()
	value := "patient-12345.SpO2-Monitor-001.heartRate.20240115143000Z.20240115143000Z"
	mem.put("Observation/legacy-1", map[string]any{"resourceType": "Observation", "id": "legacy-1", "meta": map[string]any{"versionId": "4"},
		"identifier": []any{map[string]any{"system": ServiceSystem, "value": value}}, "status": "final",
		"code": map[string]any{"text": "heartRate"}, "effectivePeriod": map[string]any{"start": "2024-01-15T14:30:00.0000000Z", "end": "2024-01-15T14:30:00.0000000Z"},
		"valueQuantity": map[string]any{"value": 70}})
	p := newTestProcessor(t, mem, map[string]string{"MEDTECH_IDENTITY_MODE": "Direct", "MEDTECH_OUTPUT_MODE": "azure-medtech"})
	if err := p.Process(t.Context(), []event.Message{seedMessage("SpO2-Monitor-001", "patient-12345", "2024-01-15T14:30:00.000Z", 72)}); err != nil {
		t.Fatalf("Process = %v", err)
	}
	o := mem.get("Observation/legacy-1")
	if o["meta"].(map[string]any)["versionId"] != "5" || o["status"] != "amended" || o["valueQuantity"].(map[string]any)["value"] != 72.0 {
		t.Errorf("legacy observation not merged: %v", o)
	}
	if mem.get("Observation/89283930f407bf9299233911a9fb72fb221485e8621a8e2d469a8ad00445ee6e") != nil {
		t.Error("a duplicate was created under the computed id")
	}
}
