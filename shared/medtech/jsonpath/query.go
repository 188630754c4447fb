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

func (c *comparison) leftLiteral() bool {
	_, ok := c.left.(literal)
	return ok
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
	n, err := compare(l, r, c.leftLiteral(), lit)
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
// left operand's kind, except that a string left operand takes the right
// operand's kind (so "26" > 3 compares numbers); each side is converted to
// that kind, and a failed conversion is an evaluation error. litL/litR
// mark query literals, whose strings are never Date values.
func compare(l, r *jsontree.Value, litL, litR bool) (int, error) {
	lk, lt := kindOf(l)
	rk, rt := kindOf(r)
	if litL && l.Kind == jsontree.String {
		lk = tokenKind(jsontree.String)
	}
	if litR && r.Kind == jsontree.String {
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
	ck := lk
	if lk == tokenKind(jsontree.String) && rk != lk {
		ck = rk
	}
	switch ck {
	case tokenKind(jsontree.Int), tokenKind(jsontree.Float):
		if lk == tokenKind(jsontree.Int) && rk == tokenKind(jsontree.Int) {
			return compareNumbers(l, r), nil
		}
		if ck == tokenKind(jsontree.Int) && lk != tokenKind(jsontree.Float) && rk != tokenKind(jsontree.Float) {
			a, err := toInt64(l, lk)
			if err != nil {
				return 0, err
			}
			b, err := toInt64(r, rk)
			if err != nil {
				return 0, err
			}
			return cmpOrdered(a, b), nil
		}
		a, err := toDouble(l, lk)
		if err != nil {
			return 0, err
		}
		b, err := toDouble(r, rk)
		if err != nil {
			return 0, err
		}
		return cmpFloat(a, b), nil
	case tokenKind(jsontree.String):
		return cmpOrdered(l.Str, r.Str), nil
	case tokenKind(jsontree.Bool):
		a, err := toBool(l, lk)
		if err != nil {
			return 0, err
		}
		b, err := toBool(r, rk)
		if err != nil {
			return 0, err
		}
		return cmpOrdered(boolInt(a), boolInt(b)), nil
	default: // date
		if lk != kindDate {
			return 0, fmt.Errorf("cannot compare %s %q with a date", jsontree.Kind(lk), l.Str)
		}
		var t time.Time
		switch rk {
		case kindDate:
			t = rt
		case tokenKind(jsontree.String):
			var ok bool
			if t, ok = jsontree.DateValue(strings.TrimSpace(r.Str)); !ok {
				return 0, fmt.Errorf("cannot compare date with string %q", r.Str)
			}
		default:
			return 0, fmt.Errorf("cannot compare date with %s", jsontree.Kind(rk))
		}
		return lt.Compare(t), nil
	}
}

// toInt64 is Convert.ToInt64 for the operand kinds that reach it.
func toInt64(v *jsontree.Value, k tokenKind) (int64, error) {
	switch k {
	case tokenKind(jsontree.Int):
		n, ok := v.Int64()
		if !ok {
			return 0, fmt.Errorf("integer %s is outside the int64 range", v.Str)
		}
		return n, nil
	case tokenKind(jsontree.Bool):
		return boolInt(v.Bool), nil
	case tokenKind(jsontree.String):
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(v.Str), "+"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cannot compare string %q as an integer", v.Str)
		}
		return n, nil
	}
	return 0, fmt.Errorf("cannot compare a date as an integer")
}

// toDouble is Convert.ToDouble for the operand kinds that reach it.
func toDouble(v *jsontree.Value, k tokenKind) (float64, error) {
	switch k {
	case tokenKind(jsontree.Int), tokenKind(jsontree.Float):
		return v.Float64(), nil
	case tokenKind(jsontree.Bool):
		return float64(boolInt(v.Bool)), nil
	case tokenKind(jsontree.String):
		s := strings.ReplaceAll(strings.TrimSpace(v.Str), ",", "")
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || strings.ContainsAny(s, "xXpP_") {
			return 0, fmt.Errorf("cannot compare string %q as a number", v.Str)
		}
		return f, nil
	}
	return 0, fmt.Errorf("cannot compare a date as a number")
}

// toBool is Convert.ToBoolean for the operand kinds that reach it.
func toBool(v *jsontree.Value, k tokenKind) (bool, error) {
	switch k {
	case tokenKind(jsontree.Bool):
		return v.Bool, nil
	case tokenKind(jsontree.Int), tokenKind(jsontree.Float):
		return v.Float64() != 0, nil
	case tokenKind(jsontree.String):
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("cannot compare string %q as a boolean", v.Str)
	}
	return false, fmt.Errorf("cannot compare a date as a boolean")
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
