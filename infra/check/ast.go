package check

import (
	"fmt"
	"strconv"
	"strings"

	bicep "github.com/tree-sitter-grammars/tree-sitter-bicep/bindings/go"
	sitter "github.com/tree-sitter/go-tree-sitter"
)

// Node is a Go copy of a named tree-sitter node: the rules walk it without
// holding cgo memory. Comments are dropped.
type Node struct {
	Kind     string
	Line     int // 1-based
	Col      int // 1-based, in bytes
	Text     string
	Children []*Node
}

// Child returns the i-th named child or nil.
func (n *Node) Child(i int) *Node {
	if n == nil || i < 0 || i >= len(n.Children) {
		return nil
	}
	return n.Children[i]
}

// unparen strips parentheses around an expression.
func unparen(n *Node) *Node {
	for n != nil && n.Kind == "parenthesized_expression" && len(n.Children) == 1 {
		n = n.Children[0]
	}
	return n
}

// StringValue returns the value of a string literal without interpolation.
func (n *Node) StringValue() (string, bool) {
	n = unparen(n)
	if n == nil || n.Kind != "string" {
		return "", false
	}
	for _, c := range n.Children {
		if c.Kind == "interpolation" {
			return "", false
		}
	}
	return unquote(n.Text), true
}

// IsInterpolated reports whether n is a string with ${…} parts.
func (n *Node) IsInterpolated() bool {
	n = unparen(n)
	if n == nil || n.Kind != "string" {
		return false
	}
	for _, c := range n.Children {
		if c.Kind == "interpolation" {
			return true
		}
	}
	return false
}

// BoolValue returns the value of a boolean literal.
func (n *Node) BoolValue() (bool, bool) {
	n = unparen(n)
	if n == nil || n.Kind != "boolean" {
		return false, false
	}
	return n.Text == "true", true
}

// IntValue returns the value of an integer literal (with an optional minus).
func (n *Node) IntValue() (int64, bool) {
	n = unparen(n)
	if n == nil {
		return 0, false
	}
	if n.Kind == "unary_expression" && strings.HasPrefix(n.Text, "-") && len(n.Children) == 1 {
		v, ok := n.Children[0].IntValue()
		return -v, ok
	}
	if n.Kind != "number" {
		return 0, false
	}
	v, err := strconv.ParseInt(n.Text, 10, 64)
	return v, err == nil
}

// Props returns the key/value pairs of an object literal, in order.
// Nested resource declarations are not included.
func (n *Node) Props() []Prop {
	n = unparen(n)
	if n == nil || n.Kind != "object" {
		return nil
	}
	var ps []Prop
	for _, c := range n.Children {
		if c.Kind != "object_property" || len(c.Children) < 2 {
			continue
		}
		k := c.Children[0]
		key := k.Text
		if k.Kind == "string" {
			key = unquote(k.Text)
		}
		ps = append(ps, Prop{Key: key, KeyNode: k, Value: c.Children[len(c.Children)-1]})
	}
	return ps
}

// Prop is one property of an object literal.
type Prop struct {
	Key     string
	KeyNode *Node
	Value   *Node
}

// Get returns the value of key in an object literal, or nil.
func (n *Node) Get(key string) *Node {
	for _, p := range n.Props() {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}

// Path follows keys through nested object literals.
func (n *Node) Path(keys ...string) *Node {
	for _, k := range keys {
		n = n.Get(k)
		if n == nil {
			return nil
		}
	}
	return n
}

// unquote decodes a Bicep string literal: single-quoted with escapes, or a
// multi-line string between triple quotes (taken verbatim).
func unquote(s string) string {
	if strings.HasPrefix(s, "'''") && strings.HasSuffix(s, "'''") && len(s) >= 6 {
		s = s[3 : len(s)-3]
		if strings.HasPrefix(s, "\r\n") {
			s = s[2:]
		} else if strings.HasPrefix(s, "\n") {
			s = s[1:]
		}
		return s
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = s[1 : len(s)-1]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default: // \\ \' \$ and anything else: the character itself
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// SyntaxError is an ERROR or MISSING node found by the parser.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

var language = sitter.NewLanguage(bicep.Language())

// Parse parses Bicep source with tree-sitter-bicep and returns the root of
// the Go copy of the tree plus every ERROR and MISSING node.
func Parse(src []byte) (*Node, []SyntaxError, error) {
	p := sitter.NewParser()
	defer p.Close()
	if err := p.SetLanguage(language); err != nil {
		return nil, nil, fmt.Errorf("set bicep language: %w", err)
	}
	tree := p.Parse(src, nil)
	if tree == nil {
		return nil, nil, fmt.Errorf("tree-sitter returned no tree")
	}
	defer tree.Close()
	var errs []SyntaxError
	root := convert(tree.RootNode(), src, &errs)
	return root, errs, nil
}

func convert(n *sitter.Node, src []byte, errs *[]SyntaxError) *Node {
	pos := n.StartPosition()
	out := &Node{
		Kind: n.Kind(),
		Line: int(pos.Row) + 1,
		Col:  int(pos.Column) + 1,
		Text: string(src[n.StartByte():n.EndByte()]),
	}
	switch {
	case n.IsMissing():
		*errs = append(*errs, SyntaxError{out.Line, out.Col, fmt.Sprintf("missing %s", n.Kind())})
	case n.IsError():
		*errs = append(*errs, SyntaxError{out.Line, out.Col, fmt.Sprintf("unexpected %s", snippet(out.Text))})
	}
	for i := uint(0); i < n.ChildCount(); i++ {
		c := n.Child(i)
		if c == nil {
			continue
		}
		if !c.IsNamed() {
			// unnamed MISSING tokens (e.g. a closing brace) are errors too
			if c.IsMissing() {
				p := c.StartPosition()
				*errs = append(*errs, SyntaxError{int(p.Row) + 1, int(p.Column) + 1, fmt.Sprintf("missing %q", c.Kind())})
			}
			continue
		}
		if c.Kind() == "comment" || c.Kind() == "diagnostic_comment" {
			continue
		}
		out.Children = append(out.Children, convert(c, src, errs))
	}
	return out
}

func snippet(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + "…"
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}
