package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// maxDepth bounds sequence nesting (and any nested JSON skipped) so hostile
// input cannot exhaust the stack.
const maxDepth = 64

// SyntaxError reports DICOM JSON that is not well-formed, with the byte
// offset and the instance (array index) where decoding stopped.
type SyntaxError struct {
	Offset   int
	Instance int
	Msg      string
}

// Error names the instance and byte offset.
func (e *SyntaxError) Error() string {
	if e.Instance >= 0 {
		return fmt.Sprintf("dicom json: instance %d: offset %d: %s", e.Instance, e.Offset, e.Msg)
	}
	return fmt.Sprintf("dicom json: offset %d: %s", e.Offset, e.Msg)
}

// ErrNotArray is returned (wrapped) when the metadata is not a JSON array.
var ErrNotArray = errors.New("dicom json: not an array of instances")

// DecodeMetadata decodes a WADO-RS metadata answer (a DICOM JSON array per
// PS3.18 F.2) into one Dataset per instance. It is a single-pass scanner that
// keeps only the attributes the mapping reads and skips the rest (including
// BulkDataURI and InlineBinary) without allocating.
//
// It is tolerant of odd values: tag keys match case-insensitively; numbers and
// strings are interchangeable (a number keeps its JSON spelling); a PN may be
// an object ({"Alphabetic": …}) or a bare string; values of unexpected JSON
// types (arrays, booleans, null) count as absent; members other than 8-digit
// tags are ignored. Only malformed JSON, or a top level that is not an array,
// is an error.
func DecodeMetadata(b []byte) ([]Dataset, error) {
	s := scanner{b: b, inst: -1}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		return nil, fmt.Errorf("%w (found %s)", ErrNotArray, s.what())
	}
	s.i++
	// Guess the instance count from the input size so the backing arrays are
	// allocated in one block.
	out := make([]Dataset, 0, 1+len(b)/2048)
	var block []([numSlots]value)
	s.ws()
	if s.peek() == ']' {
		s.i++
		return out, s.end()
	}
	for {
		s.inst = len(out)
		s.ws()
		if s.peek() != '{' {
			return nil, s.errf("expected an instance object, found %s", s.what())
		}
		if len(block) == 0 {
			n := cap(out) - len(out)
			if n < 16 {
				n = 16
			}
			block = make([][numSlots]value, n)
		}
		d := Dataset{vals: &block[0]}
		block = block[1:]
		if err := s.dataset(d, 0); err != nil {
			return nil, err
		}
		out = append(out, d)
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.inst = -1
			return out, s.end()
		default:
			return nil, s.errf("expected ',' or ']' after instance, found %s", s.what())
		}
	}
}

type scanner struct {
	b    []byte
	i    int
	inst int
}

func (s *scanner) errf(format string, args ...any) error {
	return &SyntaxError{Offset: s.i, Instance: s.inst, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) what() string {
	if s.i >= len(s.b) {
		return "end of input"
	}
	return strconv.QuoteRune(rune(s.b[s.i]))
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) end() error {
	s.ws()
	if s.i != len(s.b) {
		return s.errf("unexpected data after the array: %s", s.what())
	}
	return nil
}

// dataset parses an object of tag members into d; s.i is at '{'.
func (s *scanner) dataset(d Dataset, depth int) error {
	return s.object(depth, func(key []byte) error {
		t, ok := parseTag(key)
		if !ok {
			return s.skip(depth + 1)
		}
		i := slot(t)
		if i < 0 {
			return s.skip(depth + 1)
		}
		return s.element(&d.vals[i], depth+1)
	})
}

// object walks an object's members, calling member with s.i at the value.
func (s *scanner) object(depth int, member func(key []byte) error) error {
	if depth > maxDepth {
		return s.errf("nesting deeper than %d", maxDepth)
	}
	s.i++ // '{'
	s.ws()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if s.peek() != '"' {
			return s.errf("expected a member name, found %s", s.what())
		}
		key, _, err := s.rawString()
		if err != nil {
			return err
		}
		s.ws()
		if s.peek() != ':' {
			return s.errf("expected ':' after member name, found %s", s.what())
		}
		s.i++
		s.ws()
		if err := member(key); err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errf("expected ',' or '}' in object, found %s", s.what())
		}
	}
}

// element parses {"vr":…, "Value":[…], …} into v. Anything but an object is
// skipped (tolerance).
func (s *scanner) element(v *value, depth int) error {
	if s.peek() != '{' {
		return s.skip(depth)
	}
	return s.object(depth, func(key []byte) error {
		if !bytes.EqualFold(key, []byte("Value")) || s.peek() != '[' {
			return s.skip(depth + 1)
		}
		return s.values(v, depth+1)
	})
}

// values parses a Value array; s.i is at '['.
func (s *scanner) values(v *value, depth int) error {
	if depth > maxDepth {
		return s.errf("nesting deeper than %d", maxDepth)
	}
	s.i++
	s.ws()
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for n := 0; ; n++ {
		s.ws()
		switch c := s.peek(); {
		case c == '"':
			raw, esc, err := s.rawString()
			if err != nil {
				return err
			}
			if n == 0 {
				v.s = textOf(raw, esc)
			}
		case c == '{':
			item := Dataset{vals: new([numSlots]value)}
			var alpha string
			err := s.object(depth+1, func(key []byte) error {
				if t, ok := parseTag(key); ok {
					if i := slot(t); i >= 0 {
						return s.element(&item.vals[i], depth+2)
					}
					return s.skip(depth + 2)
				}
				if bytes.EqualFold(key, []byte("Alphabetic")) && s.peek() == '"' {
					raw, esc, err := s.rawString()
					if err != nil {
						return err
					}
					alpha = textOf(raw, esc)
					return nil
				}
				return s.skip(depth + 2)
			})
			if err != nil {
				return err
			}
			if alpha != "" {
				if n == 0 {
					v.s = alpha
				}
			} else {
				v.items = append(v.items, item)
			}
		case c == '-' || (c >= '0' && c <= '9'):
			start := s.i
			if err := s.number(); err != nil {
				return err
			}
			if n == 0 {
				v.s = string(s.b[start:s.i])
			}
		default:
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errf("expected ',' or ']' in Value, found %s", s.what())
		}
	}
}

// rawString reads a JSON string at s.i and returns its raw contents (without
// quotes) and whether it holds escapes.
func (s *scanner) rawString() ([]byte, bool, error) {
	s.i++ // opening quote
	start := s.i
	esc := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			return raw, esc, nil
		case c == '\\':
			esc = true
			s.i += 2
			continue
		case c < 0x20:
			return nil, false, s.errf("control character in string")
		}
		s.i++
	}
	return nil, false, s.errf("unterminated string")
}

// number checks a JSON number's syntax and advances past it.
func (s *scanner) number() error {
	start := s.i
	if s.peek() == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return s.errf("malformed number")
	}
	if s.peek() == '.' {
		s.i++
		if digits() == 0 {
			return s.errf("malformed number")
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if digits() == 0 {
			return s.errf("malformed number")
		}
	}
	if s.i == start {
		return s.errf("malformed number")
	}
	return nil
}

// skip advances past any JSON value, checking its syntax.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return s.errf("nesting deeper than %d", maxDepth)
	}
	s.ws()
	switch c := s.peek(); {
	case c == '"':
		_, _, err := s.rawString()
		return err
	case c == '{':
		return s.object(depth, func([]byte) error { return s.skip(depth + 1) })
	case c == '[':
		s.i++
		s.ws()
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.ws()
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return s.errf("expected ',' or ']' in array, found %s", s.what())
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.errf("unexpected %s", s.what())
}

func (s *scanner) literal(w string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		return s.errf("invalid literal, expected %s", w)
	}
	s.i += len(w)
	return nil
}

// parseTag reads 8 hex digits in either case.
func parseTag(k []byte) (Tag, bool) {
	if len(k) != 8 {
		return 0, false
	}
	var t uint32
	for _, c := range k {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		t = t<<4 | uint32(c)
	}
	return Tag(t), true
}
