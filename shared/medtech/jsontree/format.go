package jsontree

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AppendJSON appends v as compact JSON. Numbers keep their literal text.
func AppendJSON(b []byte, v *Value) []byte {
	switch v.Kind {
	case Null:
		return append(b, "null"...)
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Int, Float:
		return append(b, v.Str...)
	case String:
		return AppendQuoted(b, v.Str)
	case Array:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, it)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i, m := range v.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendQuoted(b, m.Key)
			b = append(b, ':')
			b = AppendJSON(b, m.Value)
		}
		return append(b, '}')
	}
}

// JSON returns v as compact JSON text.
func (v *Value) JSON() string { return string(AppendJSON(nil, v)) }

const hexDigits = "0123456789abcdef"

// AppendQuoted appends s as a JSON string literal.
func AppendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FormatFloat formats f as .NET 8 double.ToString() does: the shortest
// digits that round-trip, positional when the decimal exponent x satisfies
// -4 <= x < max(digits, 15), else d.dddE±XX.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.dddde±xx
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	mant, expText, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	n := len(digits)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if x >= -4 && x < max(n, 15) {
		switch {
		case x < 0:
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -x-1))
			b.WriteString(digits)
		case x+1 >= n:
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", x+1-n))
		default:
			b.WriteString(digits[:x+1])
			b.WriteByte('.')
			b.WriteString(digits[x+1:])
		}
		return b.String()
	}
	b.WriteByte(digits[0])
	if n > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('E')
	if x < 0 {
		b.WriteByte('-')
		x = -x
	} else {
		b.WriteByte('+')
	}
	if x < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(x))
	return b.String()
}

// DateValue reports whether s is a Json.NET date string
// (yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±hh[[:]mm]] or /Date(ms[±hhmm])/) and
// returns its instant in UTC; a missing zone means UTC.
func DateValue(s string) (time.Time, bool) {
	if strings.HasPrefix(s, "/Date(") && strings.HasSuffix(s, ")/") {
		return msDate(s[6 : len(s)-2])
	}
	if len(s) < 19 || len(s) > 40 || s[0] < '0' || s[0] > '9' || s[10] != 'T' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for j := i; j < i+n; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || mi > 59 || sec > 59 || h > 24 {
		return time.Time{}, false
	}
	i := 19
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if n == 7 {
				return time.Time{}, false
			}
			frac = frac*10 + int(s[i]-'0')
			n++
			i++
		}
		if n == 0 {
			return time.Time{}, false
		}
		for ; n < 7; n++ {
			frac *= 10
		}
	}
	if h == 24 && (mi != 0 || sec != 0 || frac != 0) {
		return time.Time{}, false
	}
	offset := 0
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			i++
			if i+2 > len(s) {
				return time.Time{}, false
			}
			oh, ok := num(i, 2)
			if !ok || oh > 14 {
				return time.Time{}, false
			}
			i += 2
			om := 0
			if i < len(s) {
				if s[i] == ':' {
					i++
				}
				if i+2 > len(s) {
					return time.Time{}, false
				}
				if om, ok = num(i, 2); !ok || om > 59 {
					return time.Time{}, false
				}
				i += 2
			}
			offset = sign * (oh*3600 + om*60)
		default:
			return time.Time{}, false
		}
	}
	if i != len(s) {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, frac*100, time.UTC).Add(-time.Duration(offset) * time.Second)
	return t, true
}

func msDate(s string) (time.Time, bool) {
	end := len(s)
	if k := strings.LastIndexAny(s, "+-"); k > 0 {
		end = k
	}
	ms, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ISODate formats an instant as Json.NET writes a UTC DateTime:
// yyyy-MM-ddTHH:mm:ss[.FFFFFFF]Z (fraction trimmed).
func ISODate(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if ns := t.Nanosecond() / 100; ns != 0 {
		f := strconv.Itoa(ns + 10000000)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	return s + "Z"
}
