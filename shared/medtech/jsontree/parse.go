package jsontree

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// SyntaxError reports input that is not one JSON value.
type SyntaxError struct {
	Offset int
	Msg    string
	src    string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	line, col := LineColumn(e.src, e.Offset)
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, e.Msg)
}

// LineColumn returns the 1-based line and column (in characters) of a byte
// offset in src.
func LineColumn(src string, offset int) (line, col int) {
	if offset > len(src) {
		offset = len(src)
	}
	if offset < 0 {
		return 0, 0
	}
	before := src[:offset]
	line = strings.Count(before, "\n") + 1
	col = utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// Parse parses data as exactly one JSON value (RFC 8259), skipping a leading
// UTF-8 byte order mark. Trailing non-whitespace is an error.
func Parse(data []byte) (*Value, error) {
	return ParseString(string(data))
}

// ParseString is Parse for a string; the returned strings share its memory.
func ParseString(s string) (*Value, error) {
	p := parser{src: s}
	// One value per ~16 bytes of input is a good first guess for the slab.
	p.slab = make([]Value, 0, min(len(s)/16+4, 1024))
	if strings.HasPrefix(s, "\uFEFF") {
		p.pos = 3
	}
	p.skipWS()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q after the JSON value", p.src[p.pos])
	}
	return v, nil
}

const maxDepth = 10000

type parser struct {
	src  string
	pos  int
	slab []Value
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...), src: p.src}
}

func (p *parser) alloc(k Kind, off int) *Value {
	if len(p.slab) == cap(p.slab) {
		n := 2 * cap(p.slab)
		if n < 16 {
			n = 16
		}
		if n > 1024 {
			n = 1024
		}
		p.slab = make([]Value, 0, n)
	}
	p.slab = append(p.slab, Value{Kind: k, Offset: off})
	return &p.slab[len(p.slab)-1]
}

func (p *parser) skipWS() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (*Value, error) {
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input")
	}
	if depth > maxDepth {
		return nil, p.errorf("nesting too deep")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		v := p.alloc(String, start)
		v.Str = s
		return v, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		v := p.alloc(Bool, start)
		v.Bool = true
		return v, nil
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		return p.alloc(Bool, start), nil
	case strings.HasPrefix(p.src[p.pos:], "null"):
		p.pos += 4
		return p.alloc(Null, start), nil
	default:
		return nil, p.errorf("unexpected character %q", c)
	}
}

func (p *parser) object(depth int) (*Value, error) {
	v := p.alloc(Object, p.pos)
	p.pos++
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	members := make([]Member, 0, 4)
	for {
		p.skipWS()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.errorf("expected a member name")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipWS()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorf("expected ':' after member name")
		}
		p.pos++
		p.skipWS()
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		members = append(members, Member{Key: key, Value: val})
		p.skipWS()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input in object")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.Members = members
			return v, nil
		default:
			return nil, p.errorf("expected ',' or '}' in object")
		}
	}
}

func (p *parser) array(depth int) (*Value, error) {
	v := p.alloc(Array, p.pos)
	p.pos++
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		v.Items = []*Value{}
		return v, nil
	}
	items := make([]*Value, 0, 4)
	for {
		p.skipWS()
		item, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
		p.skipWS()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input in array")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.Items = items
			return v, nil
		default:
			return nil, p.errorf("expected ',' or ']' in array")
		}
	}
}

func (p *parser) number() (*Value, error) {
	start := p.pos
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		p.pos = i
		return nil, p.errorf("invalid number")
	}
	kind := Int
	if i < len(s) && s[i] == '.' {
		i++
		kind = Float
		if digits() == 0 {
			p.pos = i
			return nil, p.errorf("invalid number: digit expected after '.'")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		kind = Float
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return nil, p.errorf("invalid number: digit expected in exponent")
		}
	}
	p.pos = i
	v := p.alloc(kind, start)
	v.Str = s[start:i]
	return v, nil
}

// str reads a string starting at the opening quote.
func (p *parser) str() (string, error) {
	p.pos++
	start := p.pos
	s := p.src
	for i := start; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			p.pos = i + 1
			return s[start:i], nil
		}
		if c == '\\' {
			return p.strSlow(start, i)
		}
		if c < 0x20 {
			p.pos = i
			return "", p.errorf("control character in string")
		}
	}
	p.pos = len(s)
	return "", p.errorf("unterminated string")
}

func (p *parser) strSlow(start, i int) (string, error) {
	s := p.src
	var b strings.Builder
	b.WriteString(s[start:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return b.String(), nil
		case c < 0x20:
			p.pos = i
			return "", p.errorf("control character in string")
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		i++
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, ok := hex4(s, i+1)
			if !ok {
				p.pos = i
				return "", p.errorf("invalid \\u escape")
			}
			i += n
			if utf16.IsSurrogate(r) {
				if r2, n2, ok := hex4(s, i+3); ok && strings.HasPrefix(s[i+1:], "\\u") {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += n2 + 2
					}
				}
			}
			b.WriteRune(r)
		default:
			p.pos = i
			return "", p.errorf("invalid escape \\%c", s[i])
		}
		i++
	}
	p.pos = len(s)
	return "", p.errorf("unterminated string")
}

func hex4(s string, i int) (rune, int, bool) {
	if i+4 > len(s) {
		return 0, 0, false
	}
	n, err := strconv.ParseUint(s[i:i+4], 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(n), 4, true
}
