// Package jsonpath evaluates JSONPath expressions in the Json.NET
// (Newtonsoft.Json 13) dialect that Azure MedTech device templates use. It is
// not RFC 9535: bare member names may contain '-', '@', '#' and ':', filters
// without parentheses nest to the right, `..[?()]` tests the start token
// itself, and comparisons follow Json.NET's JValue rules (see the
// specification, medtech.md §6.2).
//
// A compiled Path is immutable and safe for concurrent use.
package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
)

// SyntaxError reports an expression that does not parse.
type SyntaxError struct {
	Expr   string
	Offset int
	Msg    string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSONPath %q at offset %d: %s", e.Expr, e.Offset, e.Msg)
}

// Path is a compiled JSONPath expression.
type Path struct {
	text    string
	filters []filter
}

// String returns the expression text.
func (p *Path) String() string { return p.text }

type compiler struct {
	s   string
	pos int
}

func (c *compiler) errorf(format string, args ...any) error {
	return &SyntaxError{Expr: c.s, Offset: c.pos, Msg: fmt.Sprintf(format, args...)}
}

// Compile parses a JSONPath expression.
func Compile(expr string) (*Path, error) {
	c := &compiler{s: expr}
	p := &Path{text: expr}
	start := c.pos
	c.eatWS()
	if c.pos == len(c.s) {
		return p, nil
	}
	if c.s[c.pos] == '$' {
		if c.pos+1 == len(c.s) {
			return p, nil
		}
		if n := c.s[c.pos+1]; n == '.' || n == '[' {
			c.pos++
			start = c.pos
		}
	}
	// Leading spaces are part of the first member name unless eaten above;
	// Json.NET starts the first part after the whitespace.
	if start < c.pos && c.s[start] == ' ' {
		start = c.pos
	}
	atEnd, err := c.parsePath(&p.filters, start, false)
	if err != nil {
		return nil, err
	}
	if !atEnd {
		last := c.pos
		c.eatWS()
		if c.pos < len(c.s) {
			c.pos = last
			return nil, c.errorf("unexpected character while parsing path: %q", c.s[last])
		}
	}
	return p, nil
}

func (c *compiler) eatWS() {
	for c.pos < len(c.s) && c.s[c.pos] == ' ' {
		c.pos++
	}
}

func memberFilter(name string, scan bool) filter {
	if name == "*" {
		if scan {
			return scanFilter{all: true}
		}
		return fieldFilter{all: true}
	}
	if scan {
		return scanFilter{names: []string{name}}
	}
	return fieldFilter{names: []string{name}}
}

// parsePath parses filters until the end of the path; it reports whether
// the end of the expression was reached.
func (c *compiler) parsePath(filters *[]filter, partStart int, query bool) (bool, error) {
	scan := false
	followingIndexer, followingDot, ended := false, false, false
	for c.pos < len(c.s) && !ended {
		ch := c.s[c.pos]
		switch ch {
		case '[', '(':
			if c.pos > partStart {
				*filters = append(*filters, memberFilter(c.s[partStart:c.pos], scan))
				scan = false
			}
			f, err := c.parseIndexer(ch, scan)
			if err != nil {
				return false, err
			}
			*filters = append(*filters, f)
			scan = false
			c.pos++
			partStart = c.pos
			followingIndexer, followingDot = true, false
		case ']', ')':
			ended = true
		case ' ':
			ended = true
		case '.':
			if c.pos > partStart {
				*filters = append(*filters, memberFilter(c.s[partStart:c.pos], scan))
				scan = false
			}
			if c.pos+1 < len(c.s) && c.s[c.pos+1] == '.' {
				scan = true
				c.pos++
			}
			c.pos++
			partStart = c.pos
			followingIndexer, followingDot = false, true
		default:
			if query && strings.IndexByte("=<!>|&", ch) >= 0 {
				ended = true
			} else {
				if followingIndexer {
					return false, c.errorf("unexpected character following indexer: %q", ch)
				}
				c.pos++
			}
		}
	}
	atEnd := c.pos == len(c.s)
	if c.pos > partStart {
		name := strings.TrimRight(c.s[partStart:c.pos], " ")
		*filters = append(*filters, memberFilter(name, scan))
	} else if followingDot && (atEnd || query) {
		return false, c.errorf("unexpected end while parsing path")
	}
	return atEnd, nil
}

func (c *compiler) parseIndexer(open byte, scan bool) (filter, error) {
	c.pos++
	closeCh := byte(']')
	if open == '(' {
		closeCh = ')'
	}
	if c.pos >= len(c.s) {
		return nil, c.errorf("path ended with open indexer")
	}
	c.eatWS()
	if c.pos >= len(c.s) {
		return nil, c.errorf("path ended with open indexer")
	}
	switch c.s[c.pos] {
	case '\'':
		return c.parseQuotedField(closeCh, scan)
	case '?':
		return c.parseQuery(closeCh, scan)
	}
	return c.parseArrayIndexer(closeCh)
}

func (c *compiler) atoi(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<31-1 || n < -1<<31 {
		return 0, c.errorf("invalid array index %q", s)
	}
	return n, nil
}

func (c *compiler) parseArrayIndexer(closeCh byte) (filter, error) {
	start := c.pos
	end := -1
	var indexes []int
	colons := 0
	var bounds [3]*int
	length := func() int {
		if end >= 0 {
			return end - start
		}
		return c.pos - start
	}
	for c.pos < len(c.s) {
		ch := c.s[c.pos]
		switch {
		case ch == ' ':
			end = c.pos
			c.eatWS()
			continue
		case ch == closeCh:
			n := length()
			switch {
			case indexes != nil:
				if n == 0 {
					return nil, c.errorf("array index expected")
				}
				i, err := c.atoi(c.s[start : start+n])
				if err != nil {
					return nil, err
				}
				return indexFilter{indexes: append(indexes, i)}, nil
			case colons > 0:
				if n > 0 {
					i, err := c.atoi(c.s[start : start+n])
					if err != nil {
						return nil, err
					}
					bounds[min(colons, 2)] = &i
				}
				if bounds[2] != nil && *bounds[2] == 0 {
					return nil, c.errorf("step cannot be zero")
				}
				return sliceFilter{start: bounds[0], end: bounds[1], step: bounds[2]}, nil
			default:
				if n == 0 {
					return nil, c.errorf("array index expected")
				}
				i, err := c.atoi(c.s[start : start+n])
				if err != nil {
					return nil, err
				}
				return indexFilter{indexes: []int{i}}, nil
			}
		case ch == ',':
			n := length()
			if n == 0 {
				return nil, c.errorf("array index expected")
			}
			i, err := c.atoi(c.s[start : start+n])
			if err != nil {
				return nil, err
			}
			if indexes == nil {
				indexes = []int{}
			}
			indexes = append(indexes, i)
			c.pos++
			c.eatWS()
			start, end = c.pos, -1
		case ch == '*':
			c.pos++
			if c.pos >= len(c.s) {
				return nil, c.errorf("path ended with open indexer")
			}
			c.eatWS()
			if c.pos >= len(c.s) || c.s[c.pos] != closeCh {
				return nil, c.errorf("unexpected character while parsing path indexer: %q", ch)
			}
			return indexFilter{all: true}, nil
		case ch == ':':
			n := length()
			if n > 0 {
				i, err := c.atoi(c.s[start : start+n])
				if err != nil {
					return nil, err
				}
				bounds[min(colons, 2)] = &i
			}
			colons++
			c.pos++
			c.eatWS()
			start, end = c.pos, -1
		case (ch < '0' || ch > '9') && ch != '-':
			return nil, c.errorf("unexpected character while parsing path indexer: %q", ch)
		default:
			if end >= 0 {
				return nil, c.errorf("unexpected character while parsing path indexer: %q", ch)
			}
			c.pos++
		}
	}
	return nil, c.errorf("path ended with open indexer")
}

func (c *compiler) parseQuotedField(closeCh byte, scan bool) (filter, error) {
	var names []string
	for c.pos < len(c.s) {
		if c.s[c.pos] != '\'' {
			return nil, c.errorf("unexpected character while parsing path indexer: %q", c.s[c.pos])
		}
		name, err := c.readQuoted()
		if err != nil {
			return nil, err
		}
		c.eatWS()
		if c.pos >= len(c.s) {
			return nil, c.errorf("path ended with open indexer")
		}
		switch c.s[c.pos] {
		case closeCh:
			names = append(names, name)
			if scan {
				return scanFilter{names: names}, nil
			}
			return fieldFilter{names: names}, nil
		case ',':
			c.pos++
			c.eatWS()
			names = append(names, name)
		default:
			return nil, c.errorf("unexpected character while parsing path indexer: %q", c.s[c.pos])
		}
	}
	return nil, c.errorf("path ended with open indexer")
}

// readQuoted reads a single-quoted string starting at the quote.
func (c *compiler) readQuoted() (string, error) {
	var b strings.Builder
	c.pos++
	for c.pos < len(c.s) {
		ch := c.s[c.pos]
		if ch == '\\' && c.pos+1 < len(c.s) {
			c.pos++
			switch e := c.s[c.pos]; e {
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case '\\', '"', '\'', '/':
				b.WriteByte(e)
			default:
				return "", c.errorf("unknown escape character: \\%c", e)
			}
		} else if ch == '\'' {
			c.pos++
			return b.String(), nil
		} else {
			b.WriteByte(ch)
		}
		c.pos++
	}
	return "", c.errorf("path ended with an open string")
}
