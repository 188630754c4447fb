package medtech

import (
	"encoding/json"
	"strings"
)

// parseDecimal parses s as .NET decimal.Parse with NumberStyles.Number and
// the invariant culture: surrounding whitespace, a leading or trailing sign,
// digits with optional ',' group separators, an optional '.' fraction, no
// exponent, at most 29 significant digits. It returns the canonical JSON
// number text (separators removed, scale kept).
func parseDecimal(s string) (string, bool) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasSuffix(s, "-"):
		neg, s = true, s[:len(s)-1]
	case strings.HasSuffix(s, "+"):
		s = s[:len(s)-1]
	}
	s = strings.TrimSpace(s)
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return "", false
	}
	if strings.HasPrefix(intPart, ",") {
		return "", false
	}
	var digits strings.Builder
	for _, c := range intPart {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c == ',':
		default:
			return "", false
		}
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	ip := strings.TrimLeft(digits.String(), "0")
	if ip == "" {
		ip = "0"
	}
	sig := strings.TrimLeft(ip+frac, "0")
	if len(sig) > 29 {
		return "", false
	}
	out := ip
	if hasDot && frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, true
}

func jsonNumber(s string) json.Number { return json.Number(s) }
