package tests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/devicesim"
	"github.com/ahds-events/ahds/tests/sharedcases"
)

// medtechSystem is the MedTech service system of Observation identifiers.
const medtechSystem = "https://azure.microsoft.com/en-us/services/iomt-fhir-connector/"

// observationID is MedTech's Observation id (medtech.md §12), computed here
// independently of shared/medtech.
func observationID(patient, device, typ string, start, end time.Time) string {
	f := func(t time.Time) string { return t.UTC().Format("20060102150405") + "Z" }
	sum := sha256.Sum256([]byte(medtechSystem + "_" + patient + "." + device + "." + typ + "." + f(start) + "." + f(end)))
	return hex.EncodeToString(sum[:])
}

// randomPast is a second in 2001–2020 unique to this run, so the
// Observations a run writes have ids and effective times no other run uses.
func randomPast() time.Time {
	base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(rand.Int64N(int64(20*365*24*time.Hour/time.Second))) * time.Second)
}

// telemetryLoad is a generated device load: Event Hubs send batches of
// seed-format messages with poison messages mixed in.
type telemetryLoad struct {
	start    time.Time
	window   url.Values // date bounds of every message's time
	batches  [][]hubEvent
	messages []devicesim.Message
	poison   int
}

func newTelemetryLoad(devices, ticks, poison int) *telemetryLoad {
	l := &telemetryLoad{start: randomPast(), poison: poison}
	end := l.start.Add(time.Duration(ticks) * time.Second)
	l.window = url.Values{"date": {"ge" + l.start.Format(time.RFC3339), "lt" + end.Format(time.RFC3339)}}
	fleet := devicesim.New(devicesim.Options{Devices: devices, Interval: time.Second, Start: l.start, Seed: uint64(l.start.Unix())})
	var all []hubEvent
	every := devices * ticks / max(poison, 1)
	p := 0
	for range ticks {
		for _, m := range fleet.Next() {
			l.messages = append(l.messages, m)
			all = append(all, hubEvent{Body: string(m.Body), PartitionKey: m.DeviceID})
			if p < poison && len(l.messages)%every == every/2 {
				all = append(all, hubEvent{Body: poisonBody(p, l.start), PartitionKey: fmt.Sprintf("poison-%d", p)})
				p++
			}
		}
	}
	for len(all) > 0 {
		n := min(100, len(all))
		l.batches = append(l.batches, all[:n])
		all = all[n:]
	}
	return l
}

// poisonBody is poison message i: alternately not JSON, and a heart-rate
// reading without its required value (distinct bytes each).
func poisonBody(i int, t time.Time) string {
	if i%2 == 0 {
		return fmt.Sprintf(`{"deviceId": "poison-%d", "readings": `, i)
	}
	return fmt.Sprintf(`{"deviceId":"poison-%d","patientId":"poison-patient","measurementTime":%q,"readings":{"heartRate":{"unit":"beats/min"}}}`, i, t.Format(time.RFC3339))
}

func (l *telemetryLoad) events() int {
	n := 0
	for _, b := range l.batches {
		n += len(b)
	}
	return n
}

// sendAll posts every batch, in order: a device's messages keep their
// time order within its partition.
func (l *telemetryLoad) sendAll(t testing.TB, w *e2eWorkspace) {
	t.Helper()
	for _, b := range l.batches {
		w.send(t, b...)
	}
}

// waitDelivered waits until the workspace has handled n events.
func waitDelivered(t testing.TB, w *e2eWorkspace, n int64, timeout time.Duration) {
	t.Helper()
	var got int64
	var err error
	if !poll(timeout, 100*time.Millisecond, func() bool {
		got, err = w.delivered(context.Background())
		return err == nil && got >= n
	}) {
		t.Fatalf("the device-telemetry consumers handled %d of %d events within %v (err %v)", got, n, timeout, err)
	}
	if got != n {
		t.Fatalf("the device-telemetry consumers handled %d events, want %d", got, n)
	}
}

type seedReading struct {
	DeviceID, PatientID, MeasurementTime string
	Readings                             struct {
		HeartRate struct{ Value float64 }
	}
}

// TestE2E_DeviceTelemetry10k sends 10,000 seed-format messages (100 devices
// × 100 ticks, Direct identity mode) and 10 poison messages through the
// Event Hubs REST send API in batches of 100: every message lands as its
// Observations, the poison messages are dead-lettered, and re-sending
// everything creates no duplicates and no new versions.
func TestE2E_DeviceTelemetry10k(t *testing.T) {
	w := startWorkspace(t, e2eOptions{})
	l := newTelemetryLoad(100, 100, 10)
	total := l.events()
	if len(l.messages) != 10000 || total != 10010 {
		t.Fatalf("load has %d messages, %d events", len(l.messages), total)
	}
	hr := cloneValues(l.window)
	hr.Set("code", "http://loinc.org|8867-4")
	spo2 := cloneValues(l.window)
	spo2.Set("code", "http://loinc.org|2708-6")

	began := time.Now()
	l.sendAll(t, w)
	sentIn := time.Since(began)
	waitDelivered(t, w, int64(total), 120*time.Second)
	elapsed := time.Since(began)
	t.Logf("10,010 events sent in %v (%d POSTs), all handled after %v: %.0f msgs/s end to end",
		sentIn.Round(time.Millisecond), len(l.batches), elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())

	if n := fhirCount(w.st.FHIR, "Observation", hr); n != 10000 {
		t.Errorf("heart-rate Observations in the load's window = %d, want 10000", n)
	}
	if n := fhirCount(w.st.FHIR, "Observation", spo2); n != 10000 {
		t.Errorf("SpO2 Observations in the load's window = %d, want 10000", n)
	}
	checkPoisonDeadLetters(t, w, l, 1)

	// A few Observations, by their computed ids: values and versions.
	samples := []int{0, 4242, 5099, 9999}
	versions := map[string]string{}
	for _, i := range samples {
		var m seedReading
		if err := json.Unmarshal(l.messages[i].Body, &m); err != nil {
			t.Fatal(err)
		}
		at, _ := time.Parse(time.RFC3339, m.MeasurementTime)
		id := observationID(m.PatientID, m.DeviceID, "heartRate", at, at)
		status, obs, etag := fhirRead(w.st.FHIR + "/Observation/" + id)
		if status != http.StatusOK {
			t.Errorf("message %d: GET Observation/%s = %d", i, id, status)
			continue
		}
		if i == 0 {
			validR4(t, obs)
		}
		q, _ := obs["valueQuantity"].(map[string]any)
		if q["value"] != m.Readings.HeartRate.Value || obs["effectiveDateTime"] != m.MeasurementTime ||
			ref(obs, "subject") != "Patient/"+m.PatientID || ref(obs, "device") != "Device/"+m.DeviceID {
			t.Errorf("message %d %s: Observation/%s = %v", i, l.messages[i].Body, id, obs)
		}
		meta, _ := obs["meta"].(map[string]any)
		versions[id] = fmt.Sprint(meta["versionId"]) + " " + etag
	}

	// Re-send everything: no new Observations, versions or dead letters.
	began = time.Now()
	l.sendAll(t, w)
	waitDelivered(t, w, int64(2*total), 120*time.Second)
	t.Logf("re-send handled after %v", time.Since(began).Round(time.Millisecond))
	if n := fhirCount(w.st.FHIR, "Observation", hr); n != 10000 {
		t.Errorf("after the re-send, heart-rate Observations = %d, want 10000", n)
	}
	for id, v := range versions {
		status, obs, etag := fhirRead(w.st.FHIR + "/Observation/" + id)
		meta, _ := obs["meta"].(map[string]any)
		if got := fmt.Sprint(meta["versionId"]) + " " + etag; status != http.StatusOK || got != v {
			t.Errorf("after the re-send Observation/%s = %d, version %s, want %s", id, status, got, v)
		}
	}
	// A re-send is a new delivery (new sequence numbers): each poison
	// message is dead-lettered once per delivery, records being keyed by
	// partition, sequence number and body (shared/medtech DeadLetterDetail).
	checkPoisonDeadLetters(t, w, l, 2)
}

// checkPoisonDeadLetters checks the dead letters of l's poison messages
// delivered times times: half are not JSON (InvalidDataFormatException),
// half lack the required heart-rate value (IncompatibleDataException); each
// record keeps the message's bytes.
func checkPoisonDeadLetters(t testing.TB, w *e2eWorkspace, l *telemetryLoad, times int) {
	t.Helper()
	poison := map[string]int{}
	for i := range l.poison {
		poison[poisonBody(i, l.start)] = 0
	}
	store := deadletter.NewBlob(w.blob, w.container)
	dls := w.deadLetters(t)
	names := map[string]int{}
	for _, d := range dls {
		for _, n := range []string{"InvalidDataFormatException", "IncompatibleDataException"} {
			if strings.Contains(d.Error, n) {
				names[n]++
			}
		}
		rec, err := store.Get(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := poison[string(rec.Event)]; !ok {
			t.Errorf("dead letter %s (%s) holds %q, not one of the poison messages", d.ID, d.Error, rec.Event)
			continue
		}
		poison[string(rec.Event)]++
	}
	want := l.poison * times
	if len(dls) != want || names["InvalidDataFormatException"] != want/2 || names["IncompatibleDataException"] != want/2 {
		t.Errorf("dead letters = %d %v, want %d: half InvalidDataFormatException, half IncompatibleDataException: %+v", len(dls), names, want, dls)
	}
	for body, n := range poison {
		if n != times {
			t.Errorf("poison message %q dead-lettered %d times, want %d", body, n, times)
		}
	}
}

// TestE2E_LookupModeMissingDevice: in Lookup identity mode a message from a
// device no Device resource has is dead-lettered, naming
// FhirResourceNotFoundException.
func TestE2E_LookupModeMissingDevice(t *testing.T) {
	w := startWorkspace(t, e2eOptions{env: map[string]string{"MEDTECH_IDENTITY_MODE": "Lookup"}})
	device := "e2e-missing-" + uniqueID(false)
	body := fmt.Sprintf(`{"deviceId":%q,"patientId":"e2e-patient","measurementTime":"2024-01-15T14:30:00.000Z","readings":{"heartRate":{"value":72,"unit":"beats/min"}}}`, device)
	w.send(t, hubEvent{Body: body, PartitionKey: device})
	waitDelivered(t, w, 1, 30*time.Second)
	dls := w.deadLetters(t)
	if len(dls) != 1 {
		t.Fatalf("dead letters = %+v, want 1", dls)
	}
	if !strings.Contains(dls[0].Error, "FhirResourceNotFoundException") || !strings.Contains(dls[0].Error, "Device") {
		t.Errorf("dead-letter reason = %q, want FhirResourceNotFoundException naming the Device", dls[0].Error)
	}
	t.Logf("dead-letter reason: %s", dls[0].Error)
}

// TestE2E_SampledDataAcrossBatches: with case05's mappings (hourly
// SampledData blood pressure), the readings of one hour sent in separate
// POSTs, each handled before the next is sent, merge into one Observation
// whose SampledData holds every value at its offset.
func TestE2E_SampledDataAcrossBatches(t *testing.T) {
	src := sharedcases.Path(t, "cases", "medtech", "case05-end-to-end-bloodpressure-sampleddata")
	dir := t.TempDir()
	for _, f := range []string{"devicecontent.json", "fhirmapping.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w := startWorkspace(t, e2eOptions{env: map[string]string{
		"MEDTECH_DEVICE_MAPPING": filepath.Join(dir, "devicecontent.json"),
		"MEDTECH_FHIR_MAPPING":   filepath.Join(dir, "fhirmapping.json"),
		"MEDTECH_IDENTITY_MODE":  "Direct",
	}})
	id := uniqueID(false)
	device, patient := "e2e-bp-"+id, "e2e-pt-"+id
	hour := randomPast().Truncate(time.Hour)
	type reading struct {
		offset        int // seconds into the hour
		systolic, dia string
	}
	posts := [][]reading{
		{{0, "120", "80"}, {1103, "60", "80"}},
		{{1800, "131", "85"}},
		{{5, "118", "79"}, {3599, "140", "90"}},
	}
	handled := int64(0)
	for _, post := range posts {
		var evs []hubEvent
		for _, r := range post {
			evs = append(evs, hubEvent{PartitionKey: device, Body: fmt.Sprintf(`{"systolic":%q,"diastolic":%q,"device":%q,"date":%q,"session":"abcdefg","patient":%q}`,
				r.systolic, r.dia, device, hour.Add(time.Duration(r.offset)*time.Second).Format(time.RFC3339), patient)})
		}
		w.send(t, evs...)
		handled += int64(len(evs))
		waitDelivered(t, w, handled, 30*time.Second)
	}
	if dls := w.deadLetters(t); len(dls) != 0 {
		t.Fatalf("dead letters: %+v", dls)
	}
	obsID := observationID(patient, device, "bloodpressure", hour, hour.Add(time.Hour-time.Second))
	status, obs, _ := fhirRead(w.st.FHIR + "/Observation/" + obsID)
	if status != http.StatusOK {
		t.Fatalf("GET Observation/%s = %d", obsID, status)
	}
	validR4(t, obs)
	meta, _ := obs["meta"].(map[string]any)
	t.Logf("Observation/%s at version %v after %d POSTs", obsID, meta["versionId"], len(posts))
	if meta["versionId"] == "1" {
		t.Errorf("one version only: the later batches did not merge into the Observation")
	}
	period, _ := obs["effectivePeriod"].(map[string]any)
	if period["start"] != hour.Format("2006-01-02T15:04:05")+".000Z" || period["end"] != hour.Add(time.Hour-time.Millisecond).Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("effectivePeriod = %v, want the hour from %v", period, hour)
	}
	want := map[string]map[int]string{"systolic": {}, "diastolic": {}}
	for _, post := range posts {
		for _, r := range post {
			want["systolic"][r.offset], want["diastolic"][r.offset] = r.systolic, r.dia
		}
	}
	comps, _ := obs["component"].([]any)
	if len(comps) != 2 {
		t.Fatalf("components = %v, want diastolic and systolic", obs["component"])
	}
	for _, c := range comps {
		cm := c.(map[string]any)
		name, _ := cm["code"].(map[string]any)["text"].(string)
		sd, _ := cm["valueSampledData"].(map[string]any)
		data, _ := sd["data"].(string)
		tokens := strings.Split(data, " ")
		if want[name] == nil || len(tokens) != 3600 || sd["period"] != 1000.0 {
			t.Errorf("component %q: %d tokens, period %v; want systolic/diastolic with 3600 tokens, period 1000", name, len(tokens), sd["period"])
			continue
		}
		for i, tok := range tokens {
			exp, ok := want[name][i]
			if !ok {
				exp = "E"
			}
			if tok != exp {
				t.Errorf("component %s token %d = %q, want %q", name, i, tok, exp)
			}
		}
	}
}
