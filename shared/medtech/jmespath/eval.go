package jmespath

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// EvalError reports a runtime failure: a function given an argument of the
// wrong type, an arithmetic error, an out-of-range argument.
type EvalError struct {
	Expr string
	Err  error
}

// Error implements error.
func (e *EvalError) Error() string { return fmt.Sprintf("evaluate JMESPath %q: %v", e.Expr, e.Err) }

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// Search evaluates the expression on v. A nil result never occurs; JSON
// null is jsontree.NullValue.
func (e *Expr) Search(v *jsontree.Value) (*jsontree.Value, error) {
	out, err := eval(e.root, v)
	if err != nil {
		return nil, &EvalError{Expr: e.text, Err: err}
	}
	return out, nil
}

var null = jsontree.NullValue

func eval(n *node, v *jsontree.Value) (*jsontree.Value, error) {
	switch n.kind {
	case nIdentity, nCurrent:
		return v, nil
	case nField:
		if r := v.Get(n.name); r != nil {
			return r, nil
		}
		return null, nil
	case nLiteral:
		return n.value, nil
	case nSubexpr:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		return eval(n.children[1], l)
	case nIndexExpr:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		return eval(n.children[1], l)
	case nIndex:
		if v.Kind != jsontree.Array {
			return null, nil
		}
		i := n.index
		if i < 0 {
			i += len(v.Items)
		}
		if i < 0 || i >= len(v.Items) {
			return null, nil
		}
		return v.Items[i], nil
	case nSlice:
		if v.Kind != jsontree.Array {
			return null, nil
		}
		return jsontree.NewArray(slice(v.Items, n.slice)), nil
	case nProjection:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		if l.Kind != jsontree.Array {
			return null, nil
		}
		return project(l.Items, n.children[1])
	case nValueProjection:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		if l.Kind != jsontree.Object {
			return null, nil
		}
		vals := make([]*jsontree.Value, len(l.Members))
		for i, m := range l.Members {
			vals[i] = m.Value
		}
		return project(vals, n.children[1])
	case nFilterProjection:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		if l.Kind != jsontree.Array {
			return null, nil
		}
		var kept []*jsontree.Value
		for _, it := range l.Items {
			c, err := eval(n.children[2], it)
			if err != nil {
				return nil, err
			}
			if c.Truthy() {
				kept = append(kept, it)
			}
		}
		return project(kept, n.children[1])
	case nFlatten:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		if l.Kind != jsontree.Array {
			return null, nil
		}
		out := make([]*jsontree.Value, 0, len(l.Items))
		for _, it := range l.Items {
			if it.Kind == jsontree.Array {
				out = append(out, it.Items...)
			} else {
				out = append(out, it)
			}
		}
		return jsontree.NewArray(out), nil
	case nMultiList:
		if v.Kind == jsontree.Null {
			return null, nil
		}
		out := make([]*jsontree.Value, len(n.children))
		for i, c := range n.children {
			r, err := eval(c, v)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return jsontree.NewArray(out), nil
	case nMultiHash:
		if v.Kind == jsontree.Null {
			return null, nil
		}
		out := make([]jsontree.Member, len(n.children))
		for i, c := range n.children {
			r, err := eval(c, v)
			if err != nil {
				return nil, err
			}
			out[i] = jsontree.Member{Key: n.keys[i], Value: r}
		}
		return jsontree.NewObject(out), nil
	case nPipe:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		return eval(n.children[1], l)
	case nOr, nAnd:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		if l.Truthy() == (n.kind == nOr) {
			return l, nil
		}
		return eval(n.children[1], v)
	case nNot:
		r, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		return jsontree.NewBool(!r.Truthy()), nil
	case nCompare:
		l, err := eval(n.children[0], v)
		if err != nil {
			return nil, err
		}
		r, err := eval(n.children[1], v)
		if err != nil {
			return nil, err
		}
		return compare(n.op, l, r), nil
	case nFunction:
		args := make([]*jsontree.Value, len(n.children))
		var refs []*node
		for i, c := range n.children {
			if c.kind == nExpref {
				refs = append(refs, c.children[0])
				args[i] = null
				continue
			}
			r, err := eval(c, v)
			if err != nil {
				return nil, err
			}
			args[i] = r
		}
		r, err := n.fn.call(args, refs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.name, err)
		}
		return r, nil
	case nExpref:
		return null, nil
	}
	return nil, fmt.Errorf("unknown node %d", n.kind)
}

func project(items []*jsontree.Value, right *node) (*jsontree.Value, error) {
	out := make([]*jsontree.Value, 0, len(items))
	for _, it := range items {
		r, err := eval(right, it)
		if err != nil {
			return nil, err
		}
		if r.Kind != jsontree.Null {
			out = append(out, r)
		}
	}
	return jsontree.NewArray(out), nil
}

func slice(items []*jsontree.Value, s [3]*int) []*jsontree.Value {
	n := len(items)
	step := 1
	if s[2] != nil {
		step = *s[2]
	}
	cap := func(v int) int {
		if v < 0 {
			v += n
			if v < 0 {
				if step < 0 {
					return -1
				}
				return 0
			}
		} else if v >= n {
			if step < 0 {
				return n - 1
			}
			return n
		}
		return v
	}
	var start, stop int
	if s[0] == nil {
		if step < 0 {
			start = n - 1
		}
	} else {
		start = cap(*s[0])
	}
	if s[1] == nil {
		if step < 0 {
			stop = -1
		} else {
			stop = n
		}
	} else {
		stop = cap(*s[1])
	}
	out := []*jsontree.Value{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, items[i])
	}
	return out
}

func compare(op tokKind, l, r *jsontree.Value) *jsontree.Value {
	switch op {
	case tEQ:
		return jsontree.NewBool(Equal(l, r))
	case tNE:
		return jsontree.NewBool(!Equal(l, r))
	}
	if !l.IsNumber() || !r.IsNumber() {
		return null
	}
	a, b := l.Float64(), r.Float64()
	switch op {
	case tLT:
		return jsontree.NewBool(a < b)
	case tLTE:
		return jsontree.NewBool(a <= b)
	case tGT:
		return jsontree.NewBool(a > b)
	}
	return jsontree.NewBool(a >= b)
}

// Equal is JMESPath deep equality; numbers compare by value.
func Equal(a, b *jsontree.Value) bool {
	if a.IsNumber() && b.IsNumber() {
		return a.Float64() == b.Float64()
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case jsontree.Null:
		return true
	case jsontree.Bool:
		return a.Bool == b.Bool
	case jsontree.String:
		return a.Str == b.Str
	case jsontree.Array:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !Equal(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	}
	if len(a.Members) != len(b.Members) {
		return false
	}
	for _, m := range a.Members {
		o := b.Get(m.Key)
		if o == nil || !Equal(m.Value, o) {
			return false
		}
	}
	return true
}
