package jsonpath

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// This file parses filter expressions: [?(left op right && …)].

func (c *compiler) parseQuery(closeCh byte, scan bool) (filter, error) {
	c.pos++
	if c.pos >= len(c.s) {
		return nil, c.errorf("path ended with open indexer")
	}
	if c.s[c.pos] != '(' {
		return nil, c.errorf("unexpected character while parsing path indexer: %q", c.s[c.pos])
	}
	c.pos++
	expr, err := c.parseExpression()
	if err != nil {
		return nil, err
	}
	c.pos++
	if c.pos >= len(c.s) {
		return nil, c.errorf("path ended with open indexer")
	}
	c.eatWS()
	if c.pos >= len(c.s) || c.s[c.pos] != closeCh {
		return nil, c.errorf("unexpected character while parsing path indexer")
	}
	if scan {
		return queryScanFilter{expr: expr}, nil
	}
	return queryFilter{expr: expr}, nil
}

func (c *compiler) parseExpression() (expr, error) {
	var root, parent *composite
	for c.pos < len(c.s) {
		c.eatWS()
		left, err := c.parseSide()
		if err != nil {
			return nil, err
		}
		cmp := &comparison{op: opExists, left: left}
		if ch := c.s[c.pos]; ch != ')' && ch != '|' && ch != '&' {
			if cmp.op, err = c.parseOperator(); err != nil {
				return nil, err
			}
			if cmp.right, err = c.parseSide(); err != nil {
				return nil, err
			}
			if cmp.op == opRegex {
				if lit, ok := cmp.right.(literal); ok && lit.v.Kind == jsontree.String {
					re, err := compileRegex(lit.v.Str)
					if err != nil {
						return nil, c.errorf("%v", err)
					}
					cmp.re = re
				}
			}
		}
		switch c.s[c.pos] {
		case ')':
			if parent != nil {
				parent.items = append(parent.items, cmp)
				return root, nil
			}
			return cmp, nil
		case '&', '|':
			op := c.s[c.pos]
			if c.pos+1 >= len(c.s) || c.s[c.pos+1] != op {
				return nil, c.errorf("unexpected character while parsing path query: %q", op)
			}
			c.pos += 2
			and := op == '&'
			if parent == nil || parent.and != and {
				n := &composite{and: and}
				if parent != nil {
					parent.items = append(parent.items, n)
				}
				parent = n
				if root == nil {
					root = parent
				}
			}
			parent.items = append(parent.items, cmp)
		}
	}
	return nil, c.errorf("path ended with open query")
}

func (c *compiler) parseSide() (operand, error) {
	c.eatWS()
	if c.pos >= len(c.s) {
		return nil, c.errorf("path ended with open query")
	}
	var o operand
	switch ch := c.s[c.pos]; ch {
	case '$', '@':
		var filters []filter
		if ch == '$' {
			filters = append(filters, rootFilter{})
		}
		c.pos++
		atEnd, err := c.parsePath(&filters, c.pos, true)
		if err != nil {
			return nil, err
		}
		if atEnd {
			return nil, c.errorf("path ended with open query")
		}
		o = pathOperand(filters)
	default:
		v, err := c.parseValue()
		if err != nil {
			return nil, err
		}
		o = literal{v}
	}
	c.eatWS()
	if c.pos >= len(c.s) {
		return nil, c.errorf("path ended with open query")
	}
	return o, nil
}

func (c *compiler) parseOperator() (op, error) {
	if c.pos+1 >= len(c.s) {
		return 0, c.errorf("path ended with open query")
	}
	for _, o := range operators {
		if strings.HasPrefix(c.s[c.pos:], o.text) {
			c.pos += len(o.text)
			return o.op, nil
		}
	}
	return 0, c.errorf("could not read query operator")
}

var operators = []struct {
	text string
	op   op
}{
	{"===", opStrictEq}, {"==", opEq}, {"=~", opRegex}, {"!==", opStrictNe}, {"!=", opNe}, {"<>", opNe},
	{"<=", opLe}, {"<", opLt}, {">=", opGe}, {">", opGt},
}

// compileRegex compiles a /pattern/flags literal with .NET flag letters.
func compileRegex(lit string) (*regexp.Regexp, error) {
	i := strings.LastIndexByte(lit, '/')
	if i <= 0 {
		return nil, fmt.Errorf("invalid regular expression %q", lit)
	}
	pattern, flags := lit[1:i], lit[i+1:]
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's':
			if !strings.ContainsRune(prefix, f) {
				prefix += string(f)
			}
		case 'x':
		default:
			return nil, fmt.Errorf("invalid regular expression option %q in %q", f, lit)
		}
	}
	if prefix != "" {
		pattern = "(?" + prefix + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q not supported: %w", lit, err)
	}
	return re, nil
}

// parseValue parses a literal operand: 'string', number, true, false,
// null or /regex/flags.
func (c *compiler) parseValue() (*jsontree.Value, error) {
	ch := c.s[c.pos]
	switch {
	case ch == '\'':
		s, err := c.readQuoted()
		if err != nil {
			return nil, err
		}
		return jsontree.NewString(s), nil
	case ch == '-' || (ch >= '0' && ch <= '9'):
		start := c.pos
		c.pos++
		for c.pos < len(c.s) && c.s[c.pos] != ' ' && c.s[c.pos] != ')' {
			c.pos++
		}
		if c.pos >= len(c.s) {
			return nil, c.errorf("path ended with open query")
		}
		num := c.s[start:c.pos]
		if strings.ContainsAny(num, ".eE") {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return nil, c.errorf("invalid number %q in query", num)
			}
			return &jsontree.Value{Kind: jsontree.Float, Str: strconv.FormatFloat(f, 'g', -1, 64), Offset: -1}, nil
		}
		if _, err := strconv.ParseInt(num, 10, 64); err != nil {
			return nil, c.errorf("invalid number %q in query", num)
		}
		return &jsontree.Value{Kind: jsontree.Int, Str: num, Offset: -1}, nil
	case strings.HasPrefix(c.s[c.pos:], "true"):
		c.pos += 4
		return jsontree.TrueValue, nil
	case strings.HasPrefix(c.s[c.pos:], "false"):
		c.pos += 5
		return jsontree.FalseValue, nil
	case strings.HasPrefix(c.s[c.pos:], "null"):
		c.pos += 4
		return jsontree.NullValue, nil
	case ch == '/':
		start := c.pos
		c.pos++
		for c.pos < len(c.s) {
			switch c.s[c.pos] {
			case '\\':
				c.pos += 2
				continue
			case '/':
				c.pos++
				for c.pos < len(c.s) && isLetter(c.s[c.pos]) {
					c.pos++
				}
				return jsontree.NewString(c.s[start:c.pos]), nil
			}
			c.pos++
		}
		return nil, c.errorf("path ended with an open regex")
	}
	return nil, c.errorf("unexpected character while parsing path query: %q", ch)
}

func isLetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }
