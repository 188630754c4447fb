package medtech

import (
	"os"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNormalize_Cases(t *testing.T) {
	tests := []struct {
		name      string
		mapping   []byte
		env       func(t testing.TB) *Envelope
		want      string
		wantWarns int
	}{
		{
			name:    "seed",
			mapping: readTestdata(t, "seed-device-mapping.json"),
			env:     func(t testing.TB) *Envelope { return bodyEnvelope(t, readTestdata(t, "seed-message.json")) },
			want: `[{"type":"heartRate","occurrenceTimeUtc":"2024-01-15T14:30:00Z","deviceId":"SpO2-Monitor-001","patientId":"patient-12345","properties":[{"name":"heartRate","value":"72"}]},` +
				`{"type":"oxygenSaturation","occurrenceTimeUtc":"2024-01-15T14:30:00Z","deviceId":"SpO2-Monitor-001","patientId":"patient-12345","properties":[{"name":"spo2","value":"98"}]}]`,
			wantWarns: 10,
		},
		{
			name:    "case01",
			mapping: readCase(t, "case01-calculated-multiple-matches-parent-scope", "devicecontent.json"),
			env: func(t testing.TB) *Envelope {
				return envelopeFrom(t, readCase(t, "case01-calculated-multiple-matches-parent-scope", "message.json"))
			},
			want: `[{"type":"heartrate","occurrenceTimeUtc":"2021-07-13T17:29:01.061144Z","deviceId":"device123","properties":[{"name":"systolic","value":"120"},{"name":"diastolic","value":"80"}]},` +
				`{"type":"heartrate","occurrenceTimeUtc":"2021-07-13T17:28:01.061122Z","deviceId":"device123","properties":[{"name":"systolic","value":"122"},{"name":"diastolic","value":"82"}]}]`,
		},
		{
			name:    "case02",
			mapping: readCase(t, "case02-calculated-jmespath-transform", "devicecontent.json"),
			env: func(t testing.TB) *Envelope {
				return envelopeFrom(t, readCase(t, "case02-calculated-jmespath-transform", "message.json"))
			},
			want: `[{"type":"heightInMeters","occurrenceTimeUtc":"2019-02-01T22:46:01.875Z","deviceId":"device123","properties":[{"name":"height","value":"1.9811999999999999"}]},` +
				`{"type":"heightInMeters","occurrenceTimeUtc":"2019-02-01T23:46:01.875Z","deviceId":"device123","properties":[{"name":"height","value":"1.9304"}]}]`,
		},
		{
			name:    "case03 with creation time",
			mapping: wrapCollection(readCase(t, "case03-iotjsonpath-iothub-system-properties", "devicecontent-template.json")),
			env: func(t testing.TB) *Envelope {
				return envelopeFrom(t, readCase(t, "case03-iotjsonpath-iothub-system-properties", "message-with-creation-time.json"))
			},
			want: `[{"type":"heartrate","occurrenceTimeUtc":"2019-01-30T22:45:02.6073744Z","deviceId":"ev-d795-1d04-55ae","properties":[{"name":"hr","value":"203"}]}]`,
		},
		{
			name:    "case03 missing creation time",
			mapping: wrapCollection(readCase(t, "case03-iotjsonpath-iothub-system-properties", "devicecontent-template.json")),
			env: func(t testing.TB) *Envelope {
				return envelopeFrom(t, readCase(t, "case03-iotjsonpath-iothub-system-properties", "message-missing-creation-time.json"))
			},
			want: `[{"type":"heartrate","occurrenceTimeUtc":"2019-02-01T22:46:01.875Z","deviceId":"ev-d795-1d04-55ae","properties":[{"name":"hr","value":"203"}]}]`,
		},
		{
			name: "case03 blood pressure",
			mapping: wrapCollection(append(readCase(t, "case03-iotjsonpath-iothub-system-properties", "devicecontent-template.json"),
				[]byte(`,{"templateType":"IotJsonPathContent","template":{"typeName":"bloodpressure","typeMatchExpression":"$..[?(@Body.systolic && @Body.diastolic)]",
				"values":[{"required":"true","valueExpression":"$.Body.systolic","valueName":"systolic"},{"required":"true","valueExpression":"$.Body.diastolic","valueName":"diastolic"}]}}`)...)),
			env: func(t testing.TB) *Envelope {
				return envelopeFrom(t, readCase(t, "case03-iotjsonpath-iothub-system-properties", "message-bloodpressure.json"))
			},
			want: `[{"type":"bloodpressure","occurrenceTimeUtc":"2019-01-30T22:45:02.6073744Z","deviceId":"ev-d795-1d04-55ae","properties":[{"name":"systolic","value":"111"},{"name":"diastolic","value":"75"}]}]`,
		},
		{
			name:    "case04",
			mapping: readCase(t, "case04-iotcentral-multiple-messages", "devicecontent.json"),
			env: func(t testing.TB) *Envelope {
				return envelopeFrom(t, readCase(t, "case04-iotcentral-multiple-messages", "message.json"))
			},
			want: `[{"type":"heartrate","occurrenceTimeUtc":"2021-06-08T19:45:20.202Z","deviceId":"1qsi9p8t5l2","patientId":"1qsi9p8t5l2","properties":[{"name":"hr","value":"75"}]},` +
				`{"type":"heartrate","occurrenceTimeUtc":"2021-06-08T19:44:04.941Z","deviceId":"1qsi9p8t5l2","patientId":"1qsi9p8t5l2","properties":[{"name":"hr","value":"69"}]},` +
				`{"type":"respiratoryrate","occurrenceTimeUtc":"2021-06-08T19:45:20.202Z","deviceId":"1qsi9p8t5l2","patientId":"1qsi9p8t5l2","properties":[{"name":"respiratoryrate","value":"15"}]},` +
				`{"type":"respiratoryrate","occurrenceTimeUtc":"2021-06-08T19:44:04.941Z","deviceId":"1qsi9p8t5l2","patientId":"1qsi9p8t5l2","properties":[{"name":"respiratoryrate","value":"15"}]},` +
				`{"type":"bloodpressure","occurrenceTimeUtc":"2021-06-08T19:45:20.202Z","deviceId":"1qsi9p8t5l2","patientId":"1qsi9p8t5l2","properties":[{"name":"systolic","value":"62"},{"name":"diastolic","value":"30"}]},` +
				`{"type":"bloodpressure","occurrenceTimeUtc":"2021-06-08T19:44:04.941Z","deviceId":"1qsi9p8t5l2","patientId":"1qsi9p8t5l2","properties":[{"name":"systolic","value":"43"},{"name":"diastolic","value":"34"}]}]`,
		},
		{
			name:    "case06 A",
			mapping: readCase(t, "case06-ahds-jmespath-functions", "deviceMapping.json"),
			env: func(t testing.TB) *Envelope {
				return bodyEnvelope(t, readCase(t, "case06-ahds-jmespath-functions", "testMessageA.json"))
			},
			want: `[{"type":"DeviceADataElements","occurrenceTimeUtc":"2023-05-13T23:45:44Z","deviceId":"device123","patientId":"user123","properties":[{"name":"heightInMeters","value":"1.8288"},{"name":"distanceInMeters","value":"1000.0463616"}]}]`,
		},
		{
			name:    "case06 B",
			mapping: readCase(t, "case06-ahds-jmespath-functions", "deviceMapping.json"),
			env: func(t testing.TB) *Envelope {
				return bodyEnvelope(t, readCase(t, "case06-ahds-jmespath-functions", "testMessageB.json"))
			},
			want: `[{"type":"DeviceBDataElements","occurrenceTimeUtc":"2023-05-23T23:01:00Z","deviceId":"deviceTypeB_456","patientId":"user123","properties":[{"name":"heightInMeters","value":"1.8288"},{"name":"distanceInMeters","value":"27.980980248719828"}]},` +
				`{"type":"DeviceBDataElements","occurrenceTimeUtc":"2023-05-23T23:02:00Z","deviceId":"deviceTypeB_456","patientId":"user123","properties":[{"name":"heightInMeters","value":"1.8288"},{"name":"distanceInMeters","value":"29.35259692757864"}]},` +
				`{"type":"DeviceBDataElements","occurrenceTimeUtc":"2023-05-23T23:03:00Z","deviceId":"deviceTypeB_456","patientId":"user123","properties":[{"name":"heightInMeters","value":"1.8288"},{"name":"distanceInMeters","value":"27.24945135332846"}]}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := NewNormalizer(mustDevice(t, tt.mapping))
			var warns []Warning
			got, err := n.Normalize(tt.env(t), &warns)
			if err != nil {
				t.Fatalf("Normalize = %v", err)
			}
			if s := measurementsJSON(got); s != tt.want {
				t.Errorf("Normalize =\n%s\nwant\n%s", s, tt.want)
			}
			fallbacks := 0
			for _, w := range warns {
				if w.Code == WarnBodyFallback {
					fallbacks++
				}
			}
			if fallbacks != tt.wantWarns {
				t.Errorf("BodyFallback warnings = %d, want %d (%v)", fallbacks, tt.wantWarns, warns)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add(string(readTestdata(f, "seed-message.json")))
	f.Add(`{"Body":[{"systolic":"1","diastolic":2,"date":"2021-07-13T17:29:01Z"}],"deviceId":"x"}`)
	f.Add(`[1,"2",{"readings":{"heartRate":{"value":[1]}}}]`)
	seed := NewNormalizer(mustDevice(f, readTestdata(f, "seed-device-mapping.json")))
	calc := NewNormalizer(mustDevice(f, []byte(`{"templateType":"CollectionContent","template":[
 {"templateType":"CalculatedContent","template":{"typeName":"a","typeMatchExpression":{"value":"to_array(@.Body)[?systolic]","language":"JmesPath"},
  "deviceIdExpression":"$.Body.deviceId","timestampExpression":"$.matchedToken.date","values":[
  {"valueName":"s","valueExpression":{"value":"multiply(to_number(matchedToken.systolic), to_number('2'))","language":"JmesPath"},"required":true}]}}]}`)))
	f.Fuzz(func(t *testing.T, body string) {
		v, err := ParseBody([]byte(body))
		if err != nil {
			return
		}
		env := NewEnvelope(v, nil, nil, testTime)
		for _, n := range []*Normalizer{seed, calc} {
			var warns []Warning
			ms, err := n.Normalize(env, &warns)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("Normalize error %T is not *Error: %v", err, err)
				}
				continue
			}
			for _, m := range ms {
				if m.DeviceID == "" {
					t.Fatalf("measurement without device: %+v", m)
				}
			}
		}
	})
}
