package jsonpath

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

// EvalError reports a failure while evaluating a valid expression (a
// negative array index, an impossible comparison).
type EvalError struct {
	Expr string
	Err  error
}

// Error implements error.
func (e *EvalError) Error() string { return fmt.Sprintf("evaluate JSONPath %q: %v", e.Expr, e.Err) }

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// Select returns every token the expression selects on root, in document
// order. root is also what `$` denotes.
func (p *Path) Select(root *jsontree.Value) ([]*jsontree.Value, error) {
	out, err := evaluate(p.filters, root, root)
	if err != nil {
		return nil, &EvalError{Expr: p.text, Err: err}
	}
	return out, nil
}

func evaluate(filters []filter, root, t *jsontree.Value) ([]*jsontree.Value, error) {
	cur := []*jsontree.Value{t}
	for _, f := range filters {
		var err error
		if cur, err = f.apply(root, cur, nil); err != nil {
			return nil, err
		}
		if len(cur) == 0 {
			return nil, nil
		}
	}
	return cur, nil
}

type filter interface {
	apply(root *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error)
}

type rootFilter struct{}

func (rootFilter) apply(root *jsontree.Value, _, out []*jsontree.Value) ([]*jsontree.Value, error) {
	return append(out, root), nil
}

type fieldFilter struct {
	all   bool
	names []string
}

func (f fieldFilter) apply(_ *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error) {
	for _, t := range cur {
		if t.Kind != jsontree.Object {
			continue
		}
		if f.all {
			for _, m := range t.Members {
				out = append(out, m.Value)
			}
			continue
		}
		for _, n := range f.names {
			if v := t.Get(n); v != nil {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

type scanFilter struct {
	all   bool
	names []string
}

func (f scanFilter) apply(_ *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error) {
	for _, t := range cur {
		if f.all {
			out = append(out, t)
		}
		out = f.scan(t, out)
	}
	return out, nil
}

func (f scanFilter) scan(t *jsontree.Value, out []*jsontree.Value) []*jsontree.Value {
	switch t.Kind {
	case jsontree.Object:
		for _, m := range t.Members {
			if f.all || contains(f.names, m.Key) {
				out = append(out, m.Value)
			}
			out = f.scan(m.Value, out)
		}
	case jsontree.Array:
		for _, it := range t.Items {
			if f.all {
				out = append(out, it)
			}
			out = f.scan(it, out)
		}
	}
	return out
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}

type indexFilter struct {
	all     bool
	indexes []int
}

func (f indexFilter) apply(_ *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error) {
	for _, t := range cur {
		if t.Kind != jsontree.Array {
			continue
		}
		if f.all {
			out = append(out, t.Items...)
			continue
		}
		for _, i := range f.indexes {
			if i < 0 {
				return nil, fmt.Errorf("index %d is negative", i)
			}
			if i < len(t.Items) {
				out = append(out, t.Items[i])
			}
		}
	}
	return out, nil
}

type sliceFilter struct {
	start, end, step *int
}

func (f sliceFilter) apply(_ *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error) {
	for _, t := range cur {
		if t.Kind != jsontree.Array {
			continue
		}
		n := len(t.Items)
		step := 1
		if f.step != nil {
			step = *f.step
		}
		start, stop := 0, n
		if step < 0 {
			start, stop = n-1, -1
		}
		if f.start != nil {
			start = *f.start
			if start < 0 {
				start += n
			}
		}
		if f.end != nil {
			stop = *f.end
			if stop < 0 {
				stop += n
			}
		}
		if step > 0 {
			start = min(max(start, 0), n)
		} else {
			start = min(start, n-1)
		}
		stop = min(max(stop, -1), n)
		for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
			out = append(out, t.Items[i])
		}
	}
	return out, nil
}

type queryFilter struct{ expr expr }

func (f queryFilter) apply(root *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error) {
	for _, t := range cur {
		if t.Kind != jsontree.Array {
			continue
		}
		for _, it := range t.Items {
			ok, err := f.expr.match(root, it)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, it)
			}
		}
	}
	return out, nil
}

type queryScanFilter struct{ expr expr }

func (f queryScanFilter) apply(root *jsontree.Value, cur, out []*jsontree.Value) ([]*jsontree.Value, error) {
	var err error
	for _, t := range cur {
		if out, err = f.scan(root, t, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (f queryScanFilter) scan(root, t *jsontree.Value, out []*jsontree.Value) ([]*jsontree.Value, error) {
	ok, err := f.expr.match(root, t)
	if err != nil {
		return nil, err
	}
	if ok {
		out = append(out, t)
	}
	switch t.Kind {
	case jsontree.Object:
		for _, m := range t.Members {
			if out, err = f.scan(root, m.Value, out); err != nil {
				return nil, err
			}
		}
	case jsontree.Array:
		for _, it := range t.Items {
			if out, err = f.scan(root, it, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// SelectFirst returns the first selected token and the number of tokens
// selected, counted up to 2 (enough to detect "multiple tokens"). Paths
// made only of single member names are walked without allocating.
func (p *Path) SelectFirst(root *jsontree.Value) (*jsontree.Value, int, error) {
	if p.simple() {
		v := root
		for _, f := range p.filters {
			if v = v.Get(f.(fieldFilter).names[0]); v == nil {
				return nil, 0, nil
			}
		}
		return v, 1, nil
	}
	vs, err := p.Select(root)
	if err != nil || len(vs) == 0 {
		return nil, 0, err
	}
	return vs[0], min(len(vs), 2), nil
}

func (p *Path) simple() bool {
	for _, f := range p.filters {
		if ff, ok := f.(fieldFilter); !ok || ff.all || len(ff.names) != 1 {
			return false
		}
	}
	return true
}
