package jmespath

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// The MedTech custom functions (iomt: src/lib/Microsoft.Health.Expressions;
// medtech.md §6.4).

// arith applies integer arithmetic when both arguments are integers and
// float64 arithmetic otherwise.
func arith(ints func(a, b int64) (int64, error), floats func(a, b float64) float64) func([]*jsontree.Value, []*node) (*jsontree.Value, error) {
	return func(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
		for i := range 2 {
			if !a[i].IsNumber() {
				return nil, typeErr(i, "number", a[i])
			}
		}
		if a[0].Kind == jsontree.Int && a[1].Kind == jsontree.Int {
			x, ok1 := a[0].Int64()
			y, ok2 := a[1].Int64()
			if !ok1 || !ok2 {
				return nil, errors.New("integer argument outside the int64 range")
			}
			n, err := ints(x, y)
			if err != nil {
				return nil, err
			}
			return jsontree.NewInt(n), nil
		}
		return jsontree.NewFloat(floats(a[0].Float64(), a[1].Float64())), nil
	}
}

func intDivide(a, b int64) (int64, error) {
	if b == 0 {
		return 0, errors.New("attempted to divide by zero")
	}
	if a == math.MinInt64 && b == -1 {
		return 0, errors.New("arithmetic operation resulted in an overflow")
	}
	return a / b, nil
}

func intPow(a, b int64) (int64, error) {
	f := math.RoundToEven(math.Pow(float64(a), float64(b)))
	if math.IsNaN(f) || math.IsInf(f, 0) || f < -(1<<63) || f >= 1<<63 {
		return 0, fmt.Errorf("pow(%d, %d) is outside the int64 range", a, b)
	}
	return int64(f), nil
}

func fnInsertString(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	for i := range 2 {
		if a[i].Kind != jsontree.String {
			return nil, typeErr(i, "string", a[i])
		}
		if _, isDate := jsontree.DateValue(a[i].Str); isDate {
			return nil, fmt.Errorf("argument %d: expected string, got a date", i+1)
		}
	}
	if a[2].Kind != jsontree.Int {
		return nil, typeErr(2, "integer", a[2])
	}
	pos, ok := a[2].Int64()
	if !ok || pos > math.MaxInt32 || pos < math.MinInt32 {
		return nil, errors.New("argument 3: integer outside the int32 range")
	}
	u := utf16.Encode([]rune(a[0].Str))
	if pos < 0 || pos > int64(len(u)) {
		return nil, fmt.Errorf("argument 3: position %d is outside the string (length %d)", pos, len(u))
	}
	out := append(slices.Clone(u[:pos]), utf16.Encode([]rune(a[1].Str))...)
	out = append(out, u[pos:]...)
	return jsontree.NewString(decodeUTF16(out)), nil
}

func decodeUTF16(u []uint16) string {
	var b strings.Builder
	for _, r := range utf16.Decode(u) {
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	minDate = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

func fnFromUnix(unit time.Duration) func([]*jsontree.Value, []*node) (*jsontree.Value, error) {
	return func(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
		if a[0].Kind != jsontree.Int {
			return nil, typeErr(0, "integer", a[0])
		}
		n, ok := a[0].Int64()
		perSec := int64(time.Second / unit)
		secs := n / perSec
		if !ok || secs < minDate.Unix()-1 || secs > maxDate.Unix() {
			return nil, fmt.Errorf("timestamp %s is outside years 0001-9999", a[0].Str)
		}
		t := time.Unix(secs, (n%perSec)*int64(unit)).UTC()
		if t.Before(minDate) || !t.Before(maxDate) {
			return nil, fmt.Errorf("timestamp %s is outside years 0001-9999", a[0].Str)
		}
		return jsontree.NewString(jsontree.ISODate(t)), nil
	}
}
