package hostwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AppendString appends s as a JSON string literal escaped the way
// Newtonsoft.Json escapes by default: quote, backslash, control characters
// (\b \t \n \f \r short, others \u00xx) and U+0085, U+2028, U+2029. HTML
// characters and other non-ASCII text are written raw. Invalid UTF-8 becomes
// U+FFFD (.NET strings cannot hold it).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				dst = append(dst, '\\', '"')
			case c == '\\':
				dst = append(dst, '\\', '\\')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20:
				dst = append(dst, `\u00`...)
				dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\u0085', '\u2028', '\u2029':
			dst = fmt.Appendf(dst, `\u%04x`, r)
		default:
			dst = utf8.AppendRune(dst, r)
		}
		i += size
	}
	return append(dst, '"')
}

// quote returns s as a JSON string literal (AppendString).
func quote(s string) []byte { return AppendString(nil, s) }

// RenderOptions choose how Render re-writes values.
type RenderOptions struct {
	// Dates re-renders every string that Newtonsoft's default
	// DateParseHandling.DateTime would parse as a date: fraction trimmed of
	// trailing zeros, "Z" kept, an offset converted to Local (see Local).
	Dates bool
	// Floats re-renders every non-integer number (or one with an exponent)
	// as Newtonsoft writes a .NET double: shortest round-trip digits, ".0"
	// added to integral values, E notation outside 1e-4 ≤ |x| < 1e15.
	Floats bool
	// Local is the host's local time zone for dates with an offset. Nil
	// means UTC, as on Azure.
	Local *time.Location
}

// Newtonsoft is what JToken.Parse / JsonConvert.DeserializeObject followed
// by a re-serialisation do to JSON with default settings (contract §5.1
// "Dates"), on a host whose local zone is UTC.
var Newtonsoft = RenderOptions{Dates: true, Floats: true}

// Render re-writes one JSON value compactly: object key order kept, strings
// re-escaped with AppendString, numbers verbatim unless opts say otherwise.
// Trailing data after the value is an error.
func Render(raw []byte, opts RenderOptions) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	out, err := renderValue(nil, dec, opts)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("render json: data after the top-level value")
	}
	return out, nil
}

func renderValue(dst []byte, dec *json.Decoder, opts RenderOptions) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("render json at byte %d: %w", dec.InputOffset(), err)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			dst = append(dst, '{')
			for first := true; dec.More(); first = false {
				if !first {
					dst = append(dst, ',')
				}
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("render json at byte %d: %w", dec.InputOffset(), err)
				}
				dst = AppendString(dst, kt.(string))
				dst = append(dst, ':')
				if dst, err = renderValue(dst, dec, opts); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("render json at byte %d: %w", dec.InputOffset(), err)
			}
			return append(dst, '}'), nil
		case '[':
			dst = append(dst, '[')
			for first := true; dec.More(); first = false {
				if !first {
					dst = append(dst, ',')
				}
				if dst, err = renderValue(dst, dec, opts); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("render json at byte %d: %w", dec.InputOffset(), err)
			}
			return append(dst, ']'), nil
		}
		return nil, fmt.Errorf("render json: unexpected %q at byte %d", v, dec.InputOffset())
	case string:
		if opts.Dates {
			if s, ok := reformatDate(v, opts.Local); ok {
				return AppendString(dst, s), nil
			}
		}
		return AppendString(dst, v), nil
	case json.Number:
		if opts.Floats {
			return append(dst, formatNumber(string(v))...), nil
		}
		return append(dst, v...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case nil:
		return append(dst, "null"...), nil
	}
	return nil, fmt.Errorf("render json: unexpected token %T", tok)
}

// isoDate is the shape Newtonsoft's DateTimeParser accepts (Utils/DateTimeParser.cs):
// fraction of 1-7 digits, zone Z, ±hh, ±hhmm or ±hh:mm, or none.
var isoDate = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,7})?(Z|[+-]\d{2}(?::?\d{2})?)?$`)

// reformatDate re-renders s as Newtonsoft would after parsing it as a
// DateTime with DateTimeZoneHandling.RoundtripKind.
func reformatDate(s string, local *time.Location) (string, bool) {
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	if local == nil {
		local = time.UTC
	}
	zone := m[3]
	layout := "2006-01-02T15:04:05"
	value := m[1] + m[2]
	if m[2] != "" {
		layout += ".9999999"
	}
	switch {
	case zone == "":
		t, err := time.Parse(layout, value)
		if err != nil {
			return "", false
		}
		return FormatDateTime(t, KindUnspecified), true
	case zone == "Z":
		t, err := time.Parse(layout, value)
		if err != nil {
			return "", false
		}
		return FormatDateTime(t, KindUTC), true
	default:
		z := strings.ReplaceAll(zone, ":", "")
		if len(z) == 3 {
			z += "00"
		}
		t, err := time.Parse(layout+"-0700", value+z)
		if err != nil {
			return "", false
		}
		return FormatDateTime(t.In(local), KindLocal), true
	}
}

// Kind is a .NET DateTimeKind, which decides the zone suffix Newtonsoft
// writes.
type Kind int

// The DateTimeKind values.
const (
	// KindUnspecified writes no zone suffix.
	KindUnspecified Kind = iota
	// KindUTC writes "Z".
	KindUTC
	// KindLocal (and a DateTimeOffset) writes the offset as ±hh:mm.
	KindLocal
)

// FormatDateTime writes t as Newtonsoft's IsoDateFormat
// "yyyy-MM-ddTHH:mm:ss.FFFFFFFK" does: at most 7 fraction digits, trailing
// zeros (and a zero fraction) dropped, zone by kind. KindUTC converts t to
// UTC first; KindUnspecified writes t's wall clock.
func FormatDateTime(t time.Time, k Kind) string {
	if k == KindUTC {
		t = t.UTC()
	}
	b := t.AppendFormat(nil, "2006-01-02T15:04:05")
	if ticks := t.Nanosecond() / 100; ticks != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%07d", ticks), "0")
		b = append(b, '.')
		b = append(b, frac...)
	}
	switch k {
	case KindUTC:
		b = append(b, 'Z')
	case KindLocal:
		b = t.AppendFormat(b, "-07:00")
	}
	return string(b)
}

// formatNumber renders a JSON number as Newtonsoft does after parsing it
// with FloatParseHandling.Double: integers stay integers (big ones too),
// anything with a fraction or exponent becomes a .NET double.
func formatNumber(n string) string {
	if !strings.ContainsAny(n, ".eE") {
		if i, ok := new(big.Int).SetString(n, 10); ok {
			return i.String()
		}
		return n
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || math.IsInf(f, 0) {
		return n
	}
	return FormatDouble(f)
}

// FormatDouble writes f as .NET Core's double.ToString("R") followed by
// Newtonsoft's EnsureDecimalPlace: shortest round-trip digits; E notation
// (mantissa, "E", sign, at least two exponent digits) when the decimal
// exponent is ≥ 15 or < -4; ".0" appended to integral fixed-point values.
// [DERIVED] from .NET's number formatting rules; re-check against a real host.
func FormatDouble(f float64) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	if exp >= 15 || exp < -4 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		return fmt.Sprintf("%sE%s%02d", mant, sign, exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
