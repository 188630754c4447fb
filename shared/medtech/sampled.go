package medtech

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// periodTicks converts a SampledData period in milliseconds to whole 100 ns
// ticks (truncated), the step MedTech advances slot boundaries by.
func periodTicks(ms float64) time.Duration {
	ticks := math.Trunc(ms * 10000)
	if ticks < 1 {
		ticks = 1
	}
	return time.Duration(ticks) * 100
}

// encodeSampled renders values (sorted by time) over [start, end] with the
// given period: one token per slot while the slot start ≤ end; the latest
// value in a slot wins; empty slots are "E"; values after the last slot
// are discarded (medtech.md §13).
func encodeSampled(values []TimedValue, start, end time.Time, period time.Duration) (string, error) {
	if end.Before(start) {
		end = start
	}
	slots := int(end.Sub(start)/period) + 1
	tokens := make([]string, slots)
	for _, v := range values {
		if v.Value == "" || strings.ContainsAny(v.Value, " \t\r\n\v\f") {
			return "", &Error{Name: ErrInvalidSampledDataValue, Stage: StageMapping,
				Message: fmt.Sprintf("SampledData value %q is empty or contains whitespace", v.Value)}
		}
		if v.Time.Before(start) {
			continue
		}
		i := int(v.Time.Sub(start) / period)
		if i >= slots {
			continue
		}
		tokens[i] = v.Value
	}
	var b strings.Builder
	b.Grow(slots * 2)
	for i, t := range tokens {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t == "" {
			t = "E"
		}
		b.WriteString(t)
	}
	return b.String(), nil
}

// decodeSampled returns the values of an existing data stream that starts at
// start: token k is at start + k·period; "E" tokens are dropped.
func decodeSampled(data string, start time.Time, period time.Duration) []TimedValue {
	var out []TimedValue
	t := start
	for _, tok := range strings.Fields(data) {
		if tok != "E" {
			out = append(out, TimedValue{Time: t, Value: tok})
		}
		t = t.Add(period)
	}
	return out
}

// mergeValues merges two time-sorted value lists; on an identical instant
// the newer list wins.
func mergeValues(old, new []TimedValue) []TimedValue {
	out := make([]TimedValue, 0, len(old)+len(new))
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i].Time.Before(new[j].Time)):
			out = append(out, old[i])
			i++
		case i == len(old) || new[j].Time.Before(old[i].Time):
			out = append(out, new[j])
			j++
		default:
			out = append(out, new[j])
			i++
			j++
		}
	}
	return out
}
