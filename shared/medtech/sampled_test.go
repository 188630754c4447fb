package medtech

import (
	"strconv"
	"testing"
	"time"
)

func TestEncodeSampled(t *testing.T) {
	s := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	t.Run("minute values", func(t *testing.T) {
		var vals []TimedValue
		for i := range 11 {
			vals = append(vals, TimedValue{Time: s.Add(time.Duration(i) * time.Minute), Value: itoa(i)})
		}
		got, err := encodeSampled(vals, s, s.Add(10*time.Minute-time.Millisecond), periodTicks(60000))
		if err != nil || got != "0 1 2 3 4 5 6 7 8 9" {
			t.Errorf("encodeSampled = %q, %v", got, err)
		}
	})
	t.Run("second value of each pair wins", func(t *testing.T) {
		var vals []TimedValue
		for i := range 20 {
			vals = append(vals, TimedValue{Time: s.Add(time.Millisecond + time.Duration(i)*500*time.Millisecond), Value: itoa(i)})
		}
		got, err := encodeSampled(vals, s, s.Add(10*time.Second-time.Millisecond), periodTicks(1000))
		if err != nil || got != "1 3 5 7 9 11 13 15 17 19" {
			t.Errorf("encodeSampled = %q, %v", got, err)
		}
	})
	t.Run("whitespace value", func(t *testing.T) {
		if _, err := encodeSampled([]TimedValue{{Time: s, Value: "1 2"}}, s, s, periodTicks(1000)); err == nil {
			t.Error("encodeSampled accepted a value with a space")
		}
	})
	t.Run("decode and merge", func(t *testing.T) {
		old := decodeSampled("1 E 3", s, time.Second)
		merged := mergeValues(old, []TimedValue{{Time: s.Add(time.Second), Value: "2"}, {Time: s.Add(2 * time.Second), Value: "9"}})
		got, _ := encodeSampled(merged, s, s.Add(3*time.Second), time.Second)
		if got != "1 2 9 E" {
			t.Errorf("merged = %q", got)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestParseDecimal(t *testing.T) {
	for give, want := range map[string]string{"98.60": "98.60", " 1,000 ": "1000", "5-": "-5", "+7": "7", ".5": "0.5", "-0": "0", "007": "7", "1.": "1"} {
		if got, ok := parseDecimal(give); !ok || got != want {
			t.Errorf("parseDecimal(%q) = %q, %v, want %q", give, got, ok, want)
		}
	}
	for _, give := range []string{"", "1e3", "abc", "1.2.3", "NaN", "123456789012345678901234567890", ",1"} {
		if got, ok := parseDecimal(give); ok {
			t.Errorf("parseDecimal(%q) = %q, want failure", give, got)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 1, 15, 14, 30, 0, 0, time.UTC)
	for _, give := range []string{"2024-01-15T14:30:00Z", "2024-01-15 14:30:00Z", "2024-01-15T15:30:00+01:00", "2024-01-15T15:30:00+0100",
		"2024-01-15T15:30+01", "2024-01-15T14:30:00.00000000001Z", "01/15/2024 14:30:00", "01/15/2024 02:30 PM", "Mon, 15 Jan 2024 14:30:00 GMT", "2024-01-15T14:30"} {
		if got, ok := ParseTime(give); !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", give, got, ok)
		}
	}
	if got, ok := ParseTime("2024-01-15T14:30:00.12345678Z"); !ok || got.Nanosecond() != 123456700 {
		t.Errorf("fraction = %v, %v (want truncation to 100 ns)", got, ok)
	}
	for _, give := range []string{"yesterday", "1705329000", "2024-13-01"} {
		if _, ok := ParseTime(give); ok {
			t.Errorf("ParseTime(%q) succeeded", give)
		}
	}
}
