package jsonpath

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

type op uint8

const (
	opExists op = iota
	opEq
	opNe
	opStrictEq
	opStrictNe
	opLt
	opLe
	opGt
	opGe
	opRegex
)

// expr is a filter expression.
type expr interface {
	match(root, t *jsontree.Value) (bool, error)
}

type composite struct {
	and   bool
	items []expr
}

func (c *composite) match(root, t *jsontree.Value) (bool, error) {
	for _, e := range c.items {
		ok, err := e.match(root, t)
		if err != nil {
			return false, err
		}
		if ok != c.and {
			return ok, nil
		}
	}
	return c.and, nil
}

// operand is a path or a literal.
type operand interface {
	values(root, t *jsontree.Value) ([]*jsontree.Value, error)
}

type pathOperand []filter

func (p pathOperand) values(root, t *jsontree.Value) ([]*jsontree.Value, error) {
	return evaluate(p, root, t)
}

type literal struct{ v *jsontree.Value }

func (l literal) values(_, _ *jsontree.Value) ([]*jsontree.Value, error) {
	return []*jsontree.Value{l.v}, nil
}

type comparison struct {
	op          op
	left, right operand
	re          *regexp.Regexp
}

func (c *comparison) match(root, t *jsontree.Value) (bool, error) {
	left, err := c.left.values(root, t)
	if err != nil || len(left) == 0 {
		return false, err
	}
	if c.op == opExists {
		return true, nil
	}
	right, err := c.right.values(root, t)
	if err != nil {
		return false, err
	}
	_, lit := c.right.(literal)
	for _, l := range left {
		for _, r := range right {
			ok, err := c.matchTokens(l, r, lit)
			if ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

func scalar(v *jsontree.Value) bool { return v.Kind != jsontree.Array && v.Kind != jsontree.Object }

// matchTokens compares one pair; a literal right operand is never a Date.
func (c *comparison) matchTokens(l, r *jsontree.Value, lit bool) (bool, error) {
	if !scalar(l) || !scalar(r) {
		return c.op == opNe, nil
	}
	switch c.op {
	case opRegex:
		if l.Kind != jsontree.String || r.Kind != jsontree.String {
			return false, nil
		}
		if _, isDate := jsontree.DateValue(l.Str); isDate {
			return false, nil
		}
		re := c.re
		if re == nil {
			var err error
			if re, err = compileRegex(r.Str); err != nil {
				return false, err
			}
		}
		return re.MatchString(l.Str), nil
	case opEq:
		return equalsCoerce(l, r, lit), nil
	case opNe:
		return !equalsCoerce(l, r, lit), nil
	case opStrictEq:
		return equalsStrict(l, r, lit), nil
	case opStrictNe:
		return !equalsStrict(l, r, lit), nil
	}
	n, err := compare(l, r, lit)
	if err != nil {
		return false, err
	}
	switch c.op {
	case opLt:
		return n < 0, nil
	case opLe:
		return n <= 0, nil
	case opGt:
		return n > 0, nil
	default:
		return n >= 0, nil
	}
}

// tokenKind is the Json.NET JTokenType of a value: strings that are Date
// values have their own kind.
type tokenKind uint8

const kindDate = tokenKind(jsontree.Object + 1)

func kindOf(v *jsontree.Value) (tokenKind, time.Time) {
	if v.Kind == jsontree.String {
		if t, ok := jsontree.DateValue(v.Str); ok {
			return kindDate, t
		}
	}
	return tokenKind(v.Kind), time.Time{}
}

func equalsStrict(l, r *jsontree.Value, lit bool) bool {
	if l.IsNumber() && r.IsNumber() {
		return compareNumbers(l, r) == 0
	}
	lk, lt := kindOf(l)
	rk, rt := kindOf(r)
	if lit && r.Kind == jsontree.String {
		rk = tokenKind(jsontree.String)
	}
	if lk != rk {
		return false
	}
	return valueEquals(l, r, lk, lt, rt)
}

func valueEquals(l, r *jsontree.Value, k tokenKind, lt, rt time.Time) bool {
	switch k {
	case kindDate:
		return lt.Equal(rt)
	case tokenKind(jsontree.Null):
		return true
	case tokenKind(jsontree.Bool):
		return l.Bool == r.Bool
	case tokenKind(jsontree.String):
		return l.Str == r.Str
	default:
		return compareNumbers(l, r) == 0
	}
}

func equalsCoerce(l, r *jsontree.Value, lit bool) bool {
	if l.IsNumber() && r.IsNumber() {
		return compareNumbers(l, r) == 0
	}
	lk, lt := kindOf(l)
	rk, rt := kindOf(r)
	if lit && r.Kind == jsontree.String {
		rk = tokenKind(jsontree.String)
	}
	if lk == rk {
		return valueEquals(l, r, lk, lt, rt)
	}
	if rk != tokenKind(jsontree.String) || lk != kindDate {
		return false
	}
	return jsontree.ISODate(lt) == r.Str
}

func compareNumbers(l, r *jsontree.Value) int {
	if l.Kind == jsontree.Int && r.Kind == jsontree.Int {
		a, ok1 := l.Int64()
		b, ok2 := r.Int64()
		if ok1 && ok2 {
			return cmpOrdered(a, b)
		}
		x, _ := new(big.Int).SetString(l.Str, 10)
		y, _ := new(big.Int).SetString(r.Str, 10)
		if x != nil && y != nil {
			return x.Cmp(y)
		}
	}
	return cmpFloat(l.Float64(), r.Float64())
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return -1
	}
	return 1
}

func cmpOrdered[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare orders two scalars as Json.NET's JValue.CompareTo does: by the
// left operand's kind, converting the right operand to it.
func compare(l, r *jsontree.Value, lit bool) (int, error) {
	lk, lt := kindOf(l)
	rk, rt := kindOf(r)
	if lit && r.Kind == jsontree.String {
		rk = tokenKind(jsontree.String)
	}
	switch {
	case lk == tokenKind(jsontree.Null) && rk == tokenKind(jsontree.Null):
		return 0, nil
	case rk == tokenKind(jsontree.Null):
		return 1, nil
	case lk == tokenKind(jsontree.Null):
		return -1, nil
	}
	switch lk {
	case tokenKind(jsontree.Int), tokenKind(jsontree.Float):
		switch rk {
		case tokenKind(jsontree.Int), tokenKind(jsontree.Float):
			return compareNumbers(l, r), nil
		case tokenKind(jsontree.Bool):
			b := 0.0
			if r.Bool {
				b = 1
			}
			return cmpFloat(l.Float64(), b), nil
		case tokenKind(jsontree.String):
			f, err := strconv.ParseFloat(strings.TrimSpace(r.Str), 64)
			if err != nil {
				return 0, fmt.Errorf("cannot compare number %s with string %q", l.Str, r.Str)
			}
			return cmpFloat(l.Float64(), f), nil
		}
		return 0, fmt.Errorf("cannot compare number %s with a date", l.Str)
	case tokenKind(jsontree.String):
		return cmpOrdered(l.Str, text(r, rk, rt)), nil
	case tokenKind(jsontree.Bool):
		var b bool
		switch rk {
		case tokenKind(jsontree.Bool):
			b = r.Bool
		case tokenKind(jsontree.Int), tokenKind(jsontree.Float):
			b = r.Float64() != 0
		case tokenKind(jsontree.String):
			switch strings.ToLower(strings.TrimSpace(r.Str)) {
			case "true":
				b = true
			case "false":
			default:
				return 0, fmt.Errorf("cannot compare boolean with string %q", r.Str)
			}
		default:
			return 0, fmt.Errorf("cannot compare boolean with a date")
		}
		return cmpOrdered(boolInt(l.Bool), boolInt(b)), nil
	default: // date
		var t time.Time
		switch rk {
		case kindDate:
			t = rt
		case tokenKind(jsontree.String):
			var ok bool
			if t, ok = jsontree.DateValue(r.Str); !ok {
				return 0, fmt.Errorf("cannot compare date with string %q", r.Str)
			}
		default:
			return 0, fmt.Errorf("cannot compare date with %s", jsontree.Kind(rk))
		}
		return lt.Compare(t), nil
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// text is Convert.ToString of a scalar under the invariant culture.
func text(v *jsontree.Value, k tokenKind, t time.Time) string {
	switch k {
	case kindDate:
		return t.Format("01/02/2006 15:04:05")
	case tokenKind(jsontree.Bool):
		if v.Bool {
			return "True"
		}
		return "False"
	case tokenKind(jsontree.Float):
		return jsontree.FormatFloat(v.Float64())
	}
	return v.Str
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
