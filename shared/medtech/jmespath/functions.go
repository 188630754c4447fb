package jmespath

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

type function struct {
	min, max int // max < 0: variadic
	call     func(args []*jsontree.Value, refs []*node) (*jsontree.Value, error)
}

var functions = map[string]*function{
	"abs": {1, 1, fnAbs}, "avg": {1, 1, fnAvg}, "ceil": {1, 1, fnRound(math.Ceil)}, "floor": {1, 1, fnRound(math.Floor)},
	"contains": {2, 2, fnContains}, "ends_with": {2, 2, fnAffix(strings.HasSuffix)}, "starts_with": {2, 2, fnAffix(strings.HasPrefix)},
	"join": {2, 2, fnJoin}, "keys": {1, 1, fnKeys}, "values": {1, 1, fnValues}, "length": {1, 1, fnLength},
	"map": {2, 2, fnMap}, "max": {1, 1, fnExtreme(1)}, "min": {1, 1, fnExtreme(-1)},
	"max_by": {2, 2, fnExtremeBy(1)}, "min_by": {2, 2, fnExtremeBy(-1)}, "merge": {1, -1, fnMerge},
	"not_null": {1, -1, fnNotNull}, "reverse": {1, 1, fnReverse}, "sort": {1, 1, fnSort}, "sort_by": {2, 2, fnSortBy},
	"sum": {1, 1, fnSum}, "to_array": {1, 1, fnToArray}, "to_string": {1, 1, fnToString}, "to_number": {1, 1, fnToNumber},
	"type": {1, 1, fnType},
	// MedTech custom functions (iomt: src/lib/Microsoft.Health.Expressions).
	"add":          {2, 2, arith(func(a, b int64) (int64, error) { return a + b, nil }, func(a, b float64) float64 { return a + b })},
	"subtract":     {2, 2, arith(func(a, b int64) (int64, error) { return a - b, nil }, func(a, b float64) float64 { return a - b })},
	"multiply":     {2, 2, arith(func(a, b int64) (int64, error) { return a * b, nil }, func(a, b float64) float64 { return a * b })},
	"divide":       {2, 2, arith(intDivide, func(a, b float64) float64 { return a / b })},
	"pow":          {2, 2, arith(intPow, math.Pow)},
	"insertString": {3, 3, fnInsertString}, "fromUnixTimestamp": {1, 1, fnFromUnix(time.Second)},
	"fromUnixTimestampMs": {1, 1, fnFromUnix(time.Millisecond)},
}

func lookup(name string, n int) (*function, error) {
	f, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %s()", name)
	}
	if n < f.min || (f.max >= 0 && n > f.max) {
		want := strconv.Itoa(f.min)
		if f.max < 0 {
			want = "at least " + want
		}
		return nil, fmt.Errorf("function %s() takes %s argument(s), got %d", name, want, n)
	}
	return f, nil
}

func typeName(v *jsontree.Value) string {
	switch v.Kind {
	case jsontree.Int, jsontree.Float:
		return "number"
	case jsontree.Bool:
		return "boolean"
	}
	return v.Kind.String()
}

func typeErr(i int, want string, got *jsontree.Value) error {
	return fmt.Errorf("argument %d: expected %s, got %s", i+1, want, typeName(got))
}

func fnAbs(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	switch v := a[0]; v.Kind {
	case jsontree.Int:
		if n, ok := v.Int64(); ok {
			if n < 0 {
				n = -n
			}
			return jsontree.NewInt(n), nil
		}
		return &jsontree.Value{Kind: jsontree.Int, Str: strings.TrimPrefix(v.Str, "-"), Offset: -1}, nil
	case jsontree.Float:
		return jsontree.NewFloat(math.Abs(v.Float64())), nil
	}
	return nil, typeErr(0, "number", a[0])
}

func numbers(v *jsontree.Value) ([]*jsontree.Value, error) {
	if v.Kind != jsontree.Array {
		return nil, typeErr(0, "array[number]", v)
	}
	for _, it := range v.Items {
		if !it.IsNumber() {
			return nil, typeErr(0, "array[number]", it)
		}
	}
	return v.Items, nil
}

func fnAvg(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	items, err := numbers(a[0])
	if err != nil || len(items) == 0 {
		return null, err
	}
	s := 0.0
	for _, it := range items {
		s += it.Float64()
	}
	return jsontree.NewFloat(s / float64(len(items))), nil
}

func fnRound(f func(float64) float64) func([]*jsontree.Value, []*node) (*jsontree.Value, error) {
	return func(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
		switch v := a[0]; v.Kind {
		case jsontree.Int:
			return v, nil
		case jsontree.Float:
			r := f(v.Float64())
			if r >= -(1<<63) && r < 1<<63 {
				return jsontree.NewInt(int64(r)), nil
			}
			return jsontree.NewFloat(r), nil
		}
		return nil, typeErr(0, "number", a[0])
	}
}

func fnSum(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	items, err := numbers(a[0])
	if err != nil {
		return nil, err
	}
	allInt, si := true, int64(0)
	sf := 0.0
	for _, it := range items {
		sf += it.Float64()
		if n, ok := it.Int64(); ok && allInt {
			si += n
		} else {
			allInt = false
		}
	}
	if allInt {
		return jsontree.NewInt(si), nil
	}
	if sf == math.Trunc(sf) && math.Abs(sf) < 1<<63 {
		return jsontree.NewInt(int64(sf)), nil
	}
	return jsontree.NewFloat(sf), nil
}

func fnContains(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	switch a[0].Kind {
	case jsontree.String:
		if a[1].Kind != jsontree.String {
			return jsontree.FalseValue, nil
		}
		return jsontree.NewBool(strings.Contains(a[0].Str, a[1].Str)), nil
	case jsontree.Array:
		for _, it := range a[0].Items {
			if Equal(it, a[1]) {
				return jsontree.TrueValue, nil
			}
		}
		return jsontree.FalseValue, nil
	}
	return nil, typeErr(0, "array or string", a[0])
}

func fnAffix(f func(s, affix string) bool) func([]*jsontree.Value, []*node) (*jsontree.Value, error) {
	return func(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
		for i := range 2 {
			if a[i].Kind != jsontree.String {
				return nil, typeErr(i, "string", a[i])
			}
		}
		return jsontree.NewBool(f(a[0].Str, a[1].Str)), nil
	}
}

func fnJoin(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	if a[0].Kind != jsontree.String {
		return nil, typeErr(0, "string", a[0])
	}
	if a[1].Kind != jsontree.Array {
		return nil, typeErr(1, "array[string]", a[1])
	}
	parts := make([]string, len(a[1].Items))
	for i, it := range a[1].Items {
		if it.Kind != jsontree.String {
			return nil, typeErr(1, "array[string]", it)
		}
		parts[i] = it.Str
	}
	return jsontree.NewString(strings.Join(parts, a[0].Str)), nil
}

func fnKeys(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	if a[0].Kind != jsontree.Object {
		return nil, typeErr(0, "object", a[0])
	}
	out := make([]*jsontree.Value, len(a[0].Members))
	for i, m := range a[0].Members {
		out[i] = jsontree.NewString(m.Key)
	}
	return jsontree.NewArray(out), nil
}

func fnValues(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	if a[0].Kind != jsontree.Object {
		return nil, typeErr(0, "object", a[0])
	}
	out := make([]*jsontree.Value, len(a[0].Members))
	for i, m := range a[0].Members {
		out[i] = m.Value
	}
	return jsontree.NewArray(out), nil
}

func fnLength(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	switch v := a[0]; v.Kind {
	case jsontree.String:
		n := 0
		for _, r := range v.Str {
			n += utf16.RuneLen(r)
		}
		return jsontree.NewInt(int64(n)), nil
	case jsontree.Array:
		return jsontree.NewInt(int64(len(v.Items))), nil
	case jsontree.Object:
		return jsontree.NewInt(int64(len(v.Members))), nil
	}
	return nil, typeErr(0, "string, array or object", a[0])
}

func refOf(refs []*node) (*node, error) {
	if len(refs) != 1 {
		return nil, errors.New("expected an expression reference (&expr)")
	}
	return refs[0], nil
}

func fnMap(a []*jsontree.Value, refs []*node) (*jsontree.Value, error) {
	ref, err := refOf(refs)
	if err != nil {
		return nil, err
	}
	if a[1].Kind != jsontree.Array {
		return nil, typeErr(1, "array", a[1])
	}
	out := make([]*jsontree.Value, len(a[1].Items))
	for i, it := range a[1].Items {
		if out[i], err = eval(ref, it); err != nil {
			return nil, err
		}
	}
	return jsontree.NewArray(out), nil
}

// sortable checks that items are all numbers or all strings.
func sortable(items []*jsontree.Value, i int) error {
	if len(items) == 0 {
		return nil
	}
	num := items[0].IsNumber()
	for _, it := range items {
		if (num && !it.IsNumber()) || (!num && it.Kind != jsontree.String) {
			return typeErr(i, "array[number] or array[string]", it)
		}
	}
	return nil
}

func less(a, b *jsontree.Value) int {
	if a.IsNumber() {
		x, y := a.Float64(), b.Float64()
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a.Str, b.Str)
}

func fnExtreme(sign int) func([]*jsontree.Value, []*node) (*jsontree.Value, error) {
	return func(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
		if a[0].Kind != jsontree.Array {
			return nil, typeErr(0, "array", a[0])
		}
		items := a[0].Items
		if err := sortable(items, 0); err != nil || len(items) == 0 {
			return null, err
		}
		best := items[0]
		allInt := best.Kind != jsontree.Float
		for _, it := range items[1:] {
			allInt = allInt && it.Kind != jsontree.Float
			if less(it, best)*sign > 0 {
				best = it
			}
		}
		if best.IsNumber() && !allInt {
			return jsontree.NewFloat(best.Float64()), nil
		}
		return best, nil
	}
}

func keyed(a []*jsontree.Value, refs []*node) ([]*jsontree.Value, []*jsontree.Value, error) {
	ref, err := refOf(refs)
	if err != nil {
		return nil, nil, err
	}
	if a[0].Kind != jsontree.Array {
		return nil, nil, typeErr(0, "array", a[0])
	}
	keys := make([]*jsontree.Value, len(a[0].Items))
	for i, it := range a[0].Items {
		if keys[i], err = eval(ref, it); err != nil {
			return nil, nil, err
		}
	}
	if err := sortable(keys, 1); err != nil {
		return nil, nil, err
	}
	return a[0].Items, keys, nil
}

func fnExtremeBy(sign int) func([]*jsontree.Value, []*node) (*jsontree.Value, error) {
	return func(a []*jsontree.Value, refs []*node) (*jsontree.Value, error) {
		items, keys, err := keyed(a, refs)
		if err != nil || len(items) == 0 {
			return null, err
		}
		best := 0
		for i := 1; i < len(items); i++ {
			if less(keys[i], keys[best])*sign > 0 {
				best = i
			}
		}
		return items[best], nil
	}
}

func fnSortBy(a []*jsontree.Value, refs []*node) (*jsontree.Value, error) {
	items, keys, err := keyed(a, refs)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return less(keys[x], keys[y]) })
	out := make([]*jsontree.Value, len(items))
	for i, j := range idx {
		out[i] = items[j]
	}
	return jsontree.NewArray(out), nil
}

func fnSort(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	if a[0].Kind != jsontree.Array {
		return nil, typeErr(0, "array", a[0])
	}
	if err := sortable(a[0].Items, 0); err != nil {
		return nil, err
	}
	out := slices.Clone(a[0].Items)
	slices.SortStableFunc(out, less)
	return jsontree.NewArray(out), nil
}

func fnMerge(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	var out []jsontree.Member
	for i, o := range a {
		if o.Kind != jsontree.Object {
			return nil, typeErr(i, "object", o)
		}
		for _, m := range o.Members {
			if j := slices.IndexFunc(out, func(x jsontree.Member) bool { return x.Key == m.Key }); j >= 0 {
				out[j].Value = m.Value
			} else {
				out = append(out, m)
			}
		}
	}
	return jsontree.NewObject(out), nil
}

func fnNotNull(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	for _, v := range a {
		if v.Kind != jsontree.Null {
			return v, nil
		}
	}
	return null, nil
}

func fnReverse(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	switch v := a[0]; v.Kind {
	case jsontree.String:
		r := []rune(v.Str)
		slices.Reverse(r)
		return jsontree.NewString(string(r)), nil
	case jsontree.Array:
		out := slices.Clone(v.Items)
		slices.Reverse(out)
		return jsontree.NewArray(out), nil
	}
	return nil, typeErr(0, "array or string", a[0])
}

func fnToArray(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	if a[0].Kind == jsontree.Array {
		return a[0], nil
	}
	return jsontree.NewArray([]*jsontree.Value{a[0]}), nil
}

func fnToString(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	if a[0].Kind == jsontree.String {
		return a[0], nil
	}
	return jsontree.NewString(a[0].JSON()), nil
}

func fnToNumber(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	switch v := a[0]; v.Kind {
	case jsontree.Int, jsontree.Float:
		return v, nil
	case jsontree.String:
		s := strings.TrimSpace(v.Str)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return jsontree.NewInt(n), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") && !strings.EqualFold(s, "nan") {
			return jsontree.NewFloat(f), nil
		}
	}
	return null, nil
}

func fnType(a []*jsontree.Value, _ []*node) (*jsontree.Value, error) {
	return jsontree.NewString(typeName(a[0])), nil
}
