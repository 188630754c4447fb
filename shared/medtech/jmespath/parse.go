package jmespath

import (
	"fmt"
	"strconv"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

type nodeKind uint8

const (
	nIdentity nodeKind = iota
	nCurrent
	nField
	nLiteral
	nSubexpr
	nIndex
	nSlice
	nProjection      // left projected through right
	nValueProjection // object values projected
	nFilterProjection
	nFlatten
	nMultiList
	nMultiHash
	nPipe
	nOr
	nAnd
	nNot
	nCompare
	nFunction
	nExpref
	nIndexExpr
)

type node struct {
	kind     nodeKind
	name     string
	value    *jsontree.Value
	index    int
	slice    [3]*int
	op       tokKind
	children []*node
	keys     []string
	fn       *function
}

// Expr is a compiled JMESPath expression.
type Expr struct {
	text string
	root *node
}

// String returns the expression text.
func (e *Expr) String() string { return e.text }

// IsProjection reports whether the expression's result is a projection
// (MedTech fans a projected typeMatch result out into one match per element).
func (e *Expr) IsProjection() bool { return isProjection(e.root) }

func isProjection(n *node) bool {
	switch n.kind {
	case nProjection, nValueProjection, nFilterProjection:
		return true
	case nPipe:
		return isProjection(n.children[1])
	}
	return false
}

type parser struct {
	expr string
	toks []token
	i    int
}

// Compile parses a JMESPath expression and checks function names and
// argument counts.
func Compile(expr string) (*Expr, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{expr: expr, toks: toks}
	root, err := p.parse(0)
	if err != nil {
		return nil, err
	}
	if p.cur().kind != tEOF {
		return nil, p.errorf("unexpected token %q", p.cur().text)
	}
	return &Expr{text: expr, root: root}, nil
}

func (p *parser) cur() token       { return p.toks[p.i] }
func (p *parser) peek(n int) token { return p.toks[min(p.i+n, len(p.toks)-1)] }
func (p *parser) advance()         { p.i = min(p.i+1, len(p.toks)-1) }

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Expr: p.expr, Offset: p.cur().pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expect(k tokKind, what string) error {
	if p.cur().kind != k {
		return p.errorf("expected %s", what)
	}
	p.advance()
	return nil
}

func (p *parser) parse(bp int) (*node, error) {
	t := p.cur()
	p.advance()
	left, err := p.nud(t)
	if err != nil {
		return nil, err
	}
	for bp < bindingPower[p.cur().kind] {
		t := p.cur()
		p.advance()
		if left, err = p.led(t, left); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) nud(t token) (*node, error) {
	switch t.kind {
	case tLiteral:
		if t.num == 1 {
			return &node{kind: nLiteral, value: jsontree.NewString(t.text)}, nil
		}
		v, err := jsontree.ParseString(t.text)
		if err != nil {
			// JMESPath allows unquoted string literals (`foo`).
			if v, err = jsontree.ParseString(strconv.Quote(t.text)); err != nil {
				return nil, &SyntaxError{Expr: p.expr, Offset: t.pos, Msg: "invalid JSON literal"}
			}
		}
		return &node{kind: nLiteral, value: v}, nil
	case tIdent:
		return &node{kind: nField, name: t.text}, nil
	case tQuoted:
		v, err := jsontree.ParseString(t.text)
		if err != nil || v.Kind != jsontree.String {
			return nil, &SyntaxError{Expr: p.expr, Offset: t.pos, Msg: "invalid quoted identifier"}
		}
		if p.cur().kind == tLparen {
			return nil, p.errorf("quoted identifier not allowed for function names")
		}
		return &node{kind: nField, name: v.Str}, nil
	case tStar:
		right, err := p.projectionRHS(bindingPower[tStar])
		if err != nil {
			return nil, err
		}
		return &node{kind: nValueProjection, children: []*node{{kind: nIdentity}, right}}, nil
	case tFilter:
		return p.led(t, &node{kind: nIdentity})
	case tLbrace:
		return p.multiHash()
	case tLparen:
		n, err := p.parse(0)
		if err != nil {
			return nil, err
		}
		return n, p.expect(tRparen, "')'")
	case tFlatten:
		right, err := p.projectionRHS(bindingPower[tFlatten])
		if err != nil {
			return nil, err
		}
		return &node{kind: nProjection, children: []*node{{kind: nFlatten, children: []*node{{kind: nIdentity}}}, right}}, nil
	case tNot:
		n, err := p.parse(bindingPower[tNot])
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, children: []*node{n}}, nil
	case tLbracket:
		switch k := p.cur().kind; {
		case k == tNumber || k == tColon:
			right, err := p.indexExpr()
			if err != nil {
				return nil, err
			}
			return p.projectIfSlice(&node{kind: nIdentity}, right)
		case k == tStar && p.peek(1).kind == tRbracket:
			p.advance()
			p.advance()
			right, err := p.projectionRHS(bindingPower[tStar])
			if err != nil {
				return nil, err
			}
			return &node{kind: nProjection, children: []*node{{kind: nIdentity}, right}}, nil
		}
		return p.multiList()
	case tCurrent:
		return &node{kind: nCurrent}, nil
	case tExpref:
		n, err := p.parse(0)
		if err != nil {
			return nil, err
		}
		return &node{kind: nExpref, children: []*node{n}}, nil
	case tEOF:
		return nil, &SyntaxError{Expr: p.expr, Offset: t.pos, Msg: "unexpected end of expression"}
	}
	return nil, &SyntaxError{Expr: p.expr, Offset: t.pos, Msg: fmt.Sprintf("unexpected token %q", t.text)}
}

func (p *parser) led(t token, left *node) (*node, error) {
	switch t.kind {
	case tDot:
		if p.cur().kind != tStar {
			right, err := p.dotRHS(bindingPower[tDot])
			if err != nil {
				return nil, err
			}
			return &node{kind: nSubexpr, children: []*node{left, right}}, nil
		}
		p.advance()
		right, err := p.projectionRHS(bindingPower[tDot])
		if err != nil {
			return nil, err
		}
		return &node{kind: nValueProjection, children: []*node{left, right}}, nil
	case tPipe, tOr, tAnd:
		right, err := p.parse(bindingPower[t.kind])
		if err != nil {
			return nil, err
		}
		k := map[tokKind]nodeKind{tPipe: nPipe, tOr: nOr, tAnd: nAnd}[t.kind]
		return &node{kind: k, children: []*node{left, right}}, nil
	case tLparen:
		if left.kind != nField {
			return nil, p.errorf("invalid function call")
		}
		var args []*node
		for p.cur().kind != tRparen {
			a, err := p.parse(0)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.cur().kind == tComma {
				p.advance()
				if p.cur().kind == tRparen {
					return nil, p.errorf("expected an argument")
				}
			} else if p.cur().kind != tRparen {
				return nil, p.errorf("expected ',' or ')'")
			}
		}
		p.advance()
		fn, err := lookup(left.name, len(args))
		if err != nil {
			return nil, &SyntaxError{Expr: p.expr, Offset: t.pos, Msg: err.Error()}
		}
		return &node{kind: nFunction, name: left.name, fn: fn, children: args}, nil
	case tFilter:
		cond, err := p.parse(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRbracket, "']'"); err != nil {
			return nil, err
		}
		var right *node
		if p.cur().kind == tFlatten {
			right = &node{kind: nIdentity}
		} else if right, err = p.projectionRHS(bindingPower[tFilter]); err != nil {
			return nil, err
		}
		return &node{kind: nFilterProjection, children: []*node{left, right, cond}}, nil
	case tFlatten:
		right, err := p.projectionRHS(bindingPower[tFlatten])
		if err != nil {
			return nil, err
		}
		return &node{kind: nProjection, children: []*node{{kind: nFlatten, children: []*node{left}}, right}}, nil
	case tEQ, tNE, tLT, tLTE, tGT, tGTE:
		right, err := p.parse(bindingPower[t.kind])
		if err != nil {
			return nil, err
		}
		return &node{kind: nCompare, op: t.kind, children: []*node{left, right}}, nil
	case tLbracket:
		if k := p.cur().kind; k == tNumber || k == tColon {
			right, err := p.indexExpr()
			if err != nil {
				return nil, err
			}
			return p.projectIfSlice(left, right)
		}
		if err := p.expect(tStar, "'*' or an index"); err != nil {
			return nil, err
		}
		if err := p.expect(tRbracket, "']'"); err != nil {
			return nil, err
		}
		right, err := p.projectionRHS(bindingPower[tStar])
		if err != nil {
			return nil, err
		}
		return &node{kind: nProjection, children: []*node{left, right}}, nil
	}
	return nil, &SyntaxError{Expr: p.expr, Offset: t.pos, Msg: fmt.Sprintf("unexpected token %q", t.text)}
}

// indexExpr parses an index or slice after '['.
func (p *parser) indexExpr() (*node, error) {
	var parts [3]*int
	idx := 0
	for p.cur().kind != tRbracket {
		switch p.cur().kind {
		case tColon:
			idx++
			if idx > 2 {
				return nil, p.errorf("too many colons in slice")
			}
		case tNumber:
			n := p.cur().num
			parts[idx] = &n
		default:
			return nil, p.errorf("expected a number or ':'")
		}
		p.advance()
	}
	p.advance()
	if idx == 0 {
		if parts[0] == nil {
			return nil, p.errorf("expected an index")
		}
		return &node{kind: nIndex, index: *parts[0]}, nil
	}
	if parts[2] != nil && *parts[2] == 0 {
		return nil, p.errorf("slice step cannot be 0")
	}
	return &node{kind: nSlice, slice: parts}, nil
}

func (p *parser) projectIfSlice(left, right *node) (*node, error) {
	ie := &node{kind: nIndexExpr, children: []*node{left, right}}
	if right.kind != nSlice {
		return ie, nil
	}
	rhs, err := p.projectionRHS(bindingPower[tStar])
	if err != nil {
		return nil, err
	}
	return &node{kind: nProjection, children: []*node{ie, rhs}}, nil
}

func (p *parser) projectionRHS(bp int) (*node, error) {
	switch k := p.cur().kind; {
	case bindingPower[k] < 10:
		return &node{kind: nIdentity}, nil
	case k == tLbracket || k == tFilter:
		return p.parse(bp)
	case k == tDot:
		p.advance()
		return p.dotRHS(bp)
	}
	return nil, p.errorf("unexpected token after projection")
}

func (p *parser) dotRHS(bp int) (*node, error) {
	switch p.cur().kind {
	case tIdent, tQuoted, tStar:
		return p.parse(bp)
	case tLbracket:
		p.advance()
		return p.multiList()
	case tLbrace:
		p.advance()
		return p.multiHash()
	}
	return nil, p.errorf("expected an identifier, '*', '[' or '{' after '.'")
}

func (p *parser) multiList() (*node, error) {
	n := &node{kind: nMultiList}
	for {
		e, err := p.parse(0)
		if err != nil {
			return nil, err
		}
		n.children = append(n.children, e)
		if p.cur().kind == tRbracket {
			p.advance()
			return n, nil
		}
		if err := p.expect(tComma, "',' or ']'"); err != nil {
			return nil, err
		}
	}
}

func (p *parser) multiHash() (*node, error) {
	n := &node{kind: nMultiHash}
	for {
		k := p.cur()
		if k.kind != tIdent && k.kind != tQuoted {
			return nil, p.errorf("expected a key name")
		}
		name := k.text
		if k.kind == tQuoted {
			v, err := jsontree.ParseString(k.text)
			if err != nil {
				return nil, p.errorf("invalid quoted key")
			}
			name = v.Str
		}
		p.advance()
		if err := p.expect(tColon, "':'"); err != nil {
			return nil, err
		}
		e, err := p.parse(0)
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, name)
		n.children = append(n.children, e)
		if p.cur().kind == tRbrace {
			p.advance()
			return n, nil
		}
		if err := p.expect(tComma, "',' or '}'"); err != nil {
			return nil, err
		}
	}
}
