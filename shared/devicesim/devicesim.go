// Package devicesim generates realistic device telemetry in the mission's
// seed message format (a pulse oximeter with heart rate, SpO2 and blood
// pressure readings), deterministically from a seed, for the local workspace,
// load tests and demos. It only generates messages; senders live with their
// transports.
package devicesim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Options shape the generated fleet. Zero values have defaults.
type Options struct {
	// Devices is the number of devices (default 10); Patients the number of
	// patients they are attached to, round-robin (default = Devices).
	Devices, Patients int
	// Interval is each device's reporting period (default 1 s).
	Interval time.Duration
	// Start is the first measurement time (default: now, truncated to the
	// second).
	Start time.Time
	// Seed makes the values reproducible.
	Seed uint64
}

// Message is one device message and the key to partition it by.
type Message struct {
	DeviceID string
	Body     []byte
}

// Fleet produces messages in time order, one per device per interval.
type Fleet struct {
	opts  Options
	rng   *rand.Rand
	tick  int
	state []deviceState
}

type deviceState struct {
	hr, spo2, sys, dia float64
}

// New returns a Fleet.
func New(opts Options) *Fleet {
	if opts.Devices <= 0 {
		opts.Devices = 10
	}
	if opts.Patients <= 0 {
		opts.Patients = opts.Devices
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Start.IsZero() {
		opts.Start = time.Now().UTC().Truncate(time.Second)
	}
	f := &Fleet{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	for range opts.Devices {
		f.state = append(f.state, deviceState{hr: 60 + f.rng.Float64()*30, spo2: 95 + f.rng.Float64()*4, sys: 110 + f.rng.Float64()*25, dia: 70 + f.rng.Float64()*15})
	}
	return f
}

type reading struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type seedMessage struct {
	DeviceID        string `json:"deviceId"`
	PatientID       string `json:"patientId"`
	MeasurementTime string `json:"measurementTime"`
	Readings        struct {
		HeartRate        reading `json:"heartRate"`
		OxygenSaturation reading `json:"oxygenSaturation"`
		BloodPressure    struct {
			Systolic  float64 `json:"systolic"`
			Diastolic float64 `json:"diastolic"`
			Unit      string  `json:"unit"`
		} `json:"bloodPressure"`
	} `json:"readings"`
}

// DeviceID returns the id of device i.
func DeviceID(i int) string { return fmt.Sprintf("SpO2-Monitor-%03d", i+1) }

// PatientID returns the id of patient i.
func PatientID(i int) string { return fmt.Sprintf("patient-%05d", 12345+i) }

// Next returns the messages of the next interval, one per device.
func (f *Fleet) Next() []Message {
	t := f.opts.Start.Add(time.Duration(f.tick) * f.opts.Interval)
	f.tick++
	out := make([]Message, len(f.state))
	for i := range f.state {
		s := &f.state[i]
		// A bounded random walk keeps values physiological.
		s.hr = clamp(s.hr+f.rng.NormFloat64()*1.5, 45, 150)
		s.spo2 = clamp(s.spo2+f.rng.NormFloat64()*0.4, 85, 100)
		s.sys = clamp(s.sys+f.rng.NormFloat64()*2, 90, 180)
		s.dia = clamp(s.dia+f.rng.NormFloat64()*1.5, 50, 110)
		var m seedMessage
		m.DeviceID = DeviceID(i)
		m.PatientID = PatientID(i % f.opts.Patients)
		m.MeasurementTime = t.UTC().Format("2006-01-02T15:04:05.000Z")
		m.Readings.HeartRate = reading{math.Round(s.hr), "beats/min"}
		m.Readings.OxygenSaturation = reading{math.Round(s.spo2), "%"}
		m.Readings.BloodPressure.Systolic = math.Round(s.sys)
		m.Readings.BloodPressure.Diastolic = math.Round(s.dia)
		m.Readings.BloodPressure.Unit = "mmHg"
		body, _ := json.Marshal(m)
		out[i] = Message{DeviceID: m.DeviceID, Body: body}
	}
	return out
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
