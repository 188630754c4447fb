package medtech

import (
	"strconv"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// valueString converts a selected value to the measurement string
// (medtech.md §7.4). ok is false for objects and arrays; date reports a
// Date value that was stringified.
func valueString(v *jsontree.Value) (s string, ok, date bool) {
	switch v.Kind {
	case jsontree.String:
		if t, isDate := jsontree.DateValue(v.Str); isDate {
			return t.Format("01/02/2006 15:04:05"), true, true
		}
		return v.Str, true, false
	case jsontree.Int:
		return v.Str, true, false
	case jsontree.Float:
		return jsontree.FormatFloat(v.Float64()), true, false
	case jsontree.Bool:
		if v.Bool {
			return "True", true, false
		}
		return "False", true, false
	}
	return "", false, false
}

// timestamp converts a selected value to an instant (medtech.md §7.5).
func timestamp(v *jsontree.Value) (time.Time, bool) {
	if v.Kind != jsontree.String {
		return time.Time{}, false
	}
	if t, ok := jsontree.DateValue(v.Str); ok {
		return t, true
	}
	return ParseTime(v.Str)
}

var timeLayouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07", "2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04Z0700", "2006-01-02T15:04Z07", "2006-01-02T15:04",
	"2006-01-02",
	"01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006 03:04:05 PM", "01/02/2006 03:04 PM", "01/02/2006",
	"1/2/2006 15:04:05", "1/2/2006 3:04:05 PM", "1/2/2006",
	time.RFC1123, time.RFC1123Z,
}

// ParseTime parses the timestamp forms MedTech templates see: ISO 8601 with
// 'T' or a space, optional seconds, any fraction (truncated to 100 ns) and
// a Z, ±hh:mm, ±hhmm, ±hh or no zone (= UTC); yyyy-MM-dd;
// MM/dd/yyyy[ HH:mm[:ss]][ AM|PM]; RFC 1123. The result is UTC.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' && s[4] == '-' {
		s = s[:10] + "T" + s[11:]
	}
	// Strip the fraction: Go layouts need a fixed position for it.
	frac := 0
	if i := strings.IndexByte(s, '.'); i > 0 && strings.IndexByte(s, 'T') > 0 {
		j := i + 1
		n := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if n < 7 {
				frac = frac*10 + int(s[j]-'0')
			}
			n++
			j++
		}
		if n == 0 {
			return time.Time{}, false
		}
		for ; n < 7; n++ {
			frac *= 10
		}
		s = s[:i] + s[j:]
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Add(time.Duration(frac) * 100).UTC(), true
		}
	}
	return time.Time{}, false
}

// FormatTime formats an instant RFC 3339 UTC with the fraction's trailing
// zeros removed (the debugger's occurrenceTimeUtc form).
func FormatTime(t time.Time) string { return jsontree.ISODate(t) }

// formatFixed formats t in UTC with exactly digits fraction digits,
// truncated.
func formatFixed(t time.Time, digits int) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if digits > 0 {
		f := strconv.Itoa(t.Nanosecond() + 1e9)[1 : 1+digits]
		s += "." + f
	}
	return s
}
