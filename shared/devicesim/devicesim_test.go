package devicesim

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFleet_SeedFormatAndDeterminism(t *testing.T) {
	start := time.Date(2024, 1, 15, 14, 30, 0, 0, time.UTC)
	a := New(Options{Devices: 3, Patients: 2, Start: start, Seed: 7})
	b := New(Options{Devices: 3, Patients: 2, Start: start, Seed: 7})
	for tick := range 60 {
		ma, mb := a.Next(), b.Next()
		if diff := cmp.Diff(ma, mb); diff != "" {
			t.Fatalf("tick %d differs for the same seed:\n%s", tick, diff)
		}
		for i, m := range ma {
			var v struct {
				DeviceID, PatientID, MeasurementTime string
				Readings                             struct {
					HeartRate, OxygenSaturation struct {
						Value float64
						Unit  string
					}
				}
			}
			if err := json.Unmarshal(m.Body, &v); err != nil {
				t.Fatal(err)
			}
			wantTime := start.Add(time.Duration(tick) * time.Second).Format("2006-01-02T15:04:05.000Z")
			if v.DeviceID != fmt.Sprintf("SpO2-Monitor-%03d", i+1) || v.PatientID != PatientID(i%2) || v.MeasurementTime != wantTime {
				t.Fatalf("message = %s", m.Body)
			}
			if hr := v.Readings.HeartRate.Value; hr < 45 || hr > 150 || v.Readings.HeartRate.Unit != "beats/min" {
				t.Errorf("heart rate %v out of range", hr)
			}
			if s := v.Readings.OxygenSaturation.Value; s < 85 || s > 100 {
				t.Errorf("spo2 %v out of range", s)
			}
		}
	}
}
