package medtech

import (
	"encoding/json"
	"testing"
)

// BenchmarkNormalizeSeed measures the seed device mapping over the seed
// message, body decoding included; BenchmarkDecodeSeed is the floor it is
// compared with (encoding/json decoding the same body into any).
func BenchmarkNormalizeSeed(b *testing.B) {
	body := readTestdata(b, "seed-message.json")
	n := NewNormalizer(mustDevice(b, readTestdata(b, "seed-device-mapping.json")))
	b.ReportAllocs()
	for b.Loop() {
		v, err := ParseBody(body)
		if err != nil {
			b.Fatal(err)
		}
		ms, err := n.Normalize(NewEnvelope(v, nil, nil, testTime), nil)
		if err != nil || len(ms) != 2 {
			b.Fatalf("Normalize = %d, %v", len(ms), err)
		}
	}
}

// BenchmarkDecodeSeed decodes the seed message with encoding/json.
func BenchmarkDecodeSeed(b *testing.B) {
	body := readTestdata(b, "seed-message.json")
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
