package imaging

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// padding is what DICOM and JSON writers leave around values: spaces, NULs
// (UI padding) and line breaks.
const padding = " \x00\t\r\n"

// textOf returns the trimmed string value, unescaping only when needed.
func textOf(raw []byte, esc bool) string {
	if esc {
		return string(bytes.Trim(unescape(raw), padding))
	}
	return string(bytes.Trim(raw, padding))
}

// unescape decodes JSON string escapes; invalid escapes are kept verbatim
// and invalid UTF-8 becomes U+FFFD, as encoding/json does.
func unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b', 'f':
			// Not allowed in FHIR strings: dropped.
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := hex4(raw[i+1:])
			if n == 0 {
				out = append(out, '\\', 'u')
				continue
			}
			i += 4
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				// Control characters are not allowed in FHIR strings;
				// NUL is common DICOM padding.
				continue
			}
			if utf16.IsSurrogate(r) {
				r2, n2 := rune(-1), 0
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, n2 = hex4(raw[i+3:])
				}
				if dec := utf16.DecodeRune(r, r2); n2 != 0 && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, '\\', raw[i])
		}
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out
}

func hex4(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0
		}
	}
	return r, 4
}
