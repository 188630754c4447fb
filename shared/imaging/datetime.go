package imaging

import "strings"

// fhirDate converts DA YYYYMMDD to YYYY-MM-DD; ok is false when the value is
// not a valid calendar date.
func fhirDate(da string) (string, bool) {
	if len(da) != 8 || !allDigits(da) {
		return "", false
	}
	y, m, d := atoi(da[0:4]), atoi(da[4:6]), atoi(da[6:8])
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", false
	}
	return da[0:4] + "-" + da[4:6] + "-" + da[6:8], true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// fhirTime converts TM HH[MM[SS[.F{1,6}]]] (colons tolerated) to
// hh:mm:ss[.F].
func fhirTime(tm string) (string, bool) {
	tm = strings.ReplaceAll(tm, ":", "")
	frac := ""
	if i := strings.IndexByte(tm, '.'); i >= 0 {
		frac = tm[i+1:]
		tm = tm[:i]
		if len(frac) < 1 || len(frac) > 6 || !allDigits(frac) || len(tm) != 6 {
			return "", false
		}
	}
	if (len(tm) != 2 && len(tm) != 4 && len(tm) != 6) || !allDigits(tm) {
		return "", false
	}
	hh, mm, ss := tm[0:2], "00", "00"
	if len(tm) >= 4 {
		mm = tm[2:4]
	}
	if len(tm) == 6 {
		ss = tm[4:6]
	}
	// FHIR time allows seconds up to 60 (leap second) only; DICOM allows 60.
	if atoi(hh) > 23 || atoi(mm) > 59 || atoi(ss) > 60 {
		return "", false
	}
	if atoi(ss) == 60 {
		ss = "59"
	}
	out := hh + ":" + mm + ":" + ss
	if frac != "" {
		out += "." + frac
	}
	return out, true
}

// fhirOffset converts ±HHMM to ±HH:MM; ok is false when malformed.
func fhirOffset(off string) (string, bool) {
	if len(off) != 5 || (off[0] != '+' && off[0] != '-') || !allDigits(off[1:]) {
		return "", false
	}
	if atoi(off[1:3]) > 14 || atoi(off[3:5]) > 59 {
		return "", false
	}
	return off[0:3] + ":" + off[3:5], true
}

// dateTime applies the P4 date-time rules. warn receives the name of the
// offending attribute keyword and a reason.
func dateTime(da, tm, off string, warn func(code, detail string)) string {
	if da == "" {
		if tm != "" {
			warn("invalid-datetime", "time without date")
		}
		return ""
	}
	date, ok := fhirDate(da)
	if !ok {
		warn("invalid-datetime", "invalid date")
		return ""
	}
	if tm == "" {
		return date
	}
	t, ok := fhirTime(tm)
	if !ok {
		warn("invalid-datetime", "invalid time")
		return date
	}
	zone := "Z"
	if off != "" {
		if z, ok := fhirOffset(off); ok {
			zone = z
		} else {
			warn("invalid-timezone-offset", "malformed TimezoneOffsetFromUTC, UTC assumed")
		}
	}
	return date + "T" + t + zone
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
