package check

import (
	"strings"
)

// File is one parsed .bicep file with its declarations indexed by symbol.
type File struct {
	Path      string // as given to the checker; used in findings
	Src       []byte
	Root      *Node
	Params    map[string]*Decl
	Vars      map[string]*Decl
	Resources []*Resource
	Modules   []*Decl
	Outputs   []*Decl
	Imports   []*Node
	// Statements in source order, decorators attached to the next declaration.
	Decls []*Decl
}

// Decl is a top-level declaration with its decorators.
type Decl struct {
	Kind       string // parameter_declaration, variable_declaration, …
	Name       string
	Node       *Node
	Decorators []*Node // call_expression of each decorator
	Value      *Node   // default value, variable value, output value, module path
}

// Decorator returns the call expression of the named decorator (also the
// sys.-qualified form) or nil.
func (d *Decl) Decorator(name string) *Node {
	for _, c := range d.Decorators {
		fn := c.Child(0)
		if fn == nil {
			continue
		}
		if fn.Text == name || fn.Text == "sys."+name {
			return c
		}
	}
	return nil
}

// Args returns the arguments of a call expression.
func Args(call *Node) []*Node {
	call = unparen(call)
	if call == nil || call.Kind != "call_expression" {
		return nil
	}
	for _, c := range call.Children {
		if c.Kind == "arguments" {
			return c.Children
		}
	}
	return nil
}

// CallName returns the function name of a call expression ("" otherwise).
func CallName(n *Node) string {
	n = unparen(n)
	if n == nil || n.Kind != "call_expression" || len(n.Children) == 0 {
		return ""
	}
	return n.Children[0].Text
}

// Resource is a resource declaration, top-level or nested.
type Resource struct {
	Symbol   string
	Type     string // full type, e.g. Microsoft.Storage/storageAccounts/blobServices
	Version  string
	Existing bool
	Body     *Node // the object literal ({…}), nil if not an object
	Node     *Node // the resource_declaration
	TypeNode *Node // the type string
	Parent   *Resource
}

// FullType returns Type@Version.
func (r *Resource) FullType() string { return r.Type + "@" + r.Version }

// Is reports whether the resource type equals t (case-insensitive).
func (r *Resource) Is(t string) bool { return strings.EqualFold(r.Type, t) }

func newFile(path string, src []byte, root *Node) *File {
	f := &File{Path: path, Src: src, Root: root, Params: map[string]*Decl{}, Vars: map[string]*Decl{}}
	var pending []*Node
	for _, st := range root.Children {
		if st.Kind == "decorators" {
			for _, d := range st.Children {
				if c := d.Child(0); c != nil {
					pending = append(pending, c)
				}
			}
			continue
		}
		d := &Decl{Kind: st.Kind, Node: st, Decorators: pending}
		pending = nil
		if id := firstOf(st, "identifier"); id != nil {
			d.Name = id.Text
		}
		switch st.Kind {
		case "parameter_declaration", "variable_declaration", "output_declaration":
			if len(st.Children) >= 2 {
				last := st.Children[len(st.Children)-1]
				if last.Kind != "type" && last != st.Children[0] {
					d.Value = last
				}
			}
		case "module_declaration":
			d.Value = firstOf(st, "string")
		}
		switch st.Kind {
		case "parameter_declaration":
			f.Params[d.Name] = d
		case "variable_declaration":
			f.Vars[d.Name] = d
		case "output_declaration":
			f.Outputs = append(f.Outputs, d)
		case "module_declaration":
			f.Modules = append(f.Modules, d)
		case "resource_declaration":
			f.addResource(st, nil)
		case "import_statement", "import_functionality", "import_with_statement":
			f.Imports = append(f.Imports, st)
		}
		f.Decls = append(f.Decls, d)
	}
	return f
}

func firstOf(n *Node, kind string) *Node {
	for _, c := range n.Children {
		if c.Kind == kind {
			return c
		}
	}
	return nil
}

// addResource records a resource_declaration and its nested children.
func (f *File) addResource(n *Node, parent *Resource) {
	hdr := strings.Fields(headerText(n))
	r := &Resource{Node: n, Parent: parent, Existing: len(hdr) > 0 && hdr[len(hdr)-1] == "existing"}
	if id := firstOf(n, "identifier"); id != nil {
		r.Symbol = id.Text
	}
	r.TypeNode = firstOf(n, "string")
	typ, _ := r.TypeNode.StringValue()
	r.Type, r.Version, _ = strings.Cut(typ, "@")
	if parent != nil && !strings.Contains(r.Type, "/") {
		r.Type = parent.Type + "/" + r.Type
		if r.Version == "" {
			r.Version = parent.Version
		}
	}
	r.Body = resourceBody(n)
	f.Resources = append(f.Resources, r)
	for _, p := range r.Body.objectChildrenResources() {
		f.addResource(p, r)
	}
}

// headerText is the declaration text before the body.
func headerText(n *Node) string {
	if i := strings.Index(n.Text, "="); i >= 0 {
		return n.Text[:i]
	}
	return n.Text
}

// resourceBody finds the object literal of a resource or module: direct, in
// an if, or in a for (possibly with an if).
func resourceBody(n *Node) *Node {
	for _, c := range n.Children {
		switch c.Kind {
		case "object":
			return c
		case "if_statement":
			return firstOf(c, "object")
		case "for_statement":
			for _, fc := range c.Children[1:] {
				if fc.Kind == "object" {
					return fc
				}
				if fc.Kind == "if_statement" {
					return firstOf(fc, "object")
				}
			}
		}
	}
	return nil
}

// Condition returns the if-condition of a resource or nil.
func (r *Resource) Condition() *Node {
	for _, c := range r.Node.Children {
		if c.Kind == "if_statement" {
			return c.Child(0)
		}
	}
	return nil
}

func (n *Node) objectChildrenResources() []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	for _, c := range n.Children {
		if c.Kind == "object_property" && len(c.Children) == 1 && c.Children[0].Kind == "resource_declaration" {
			out = append(out, c.Children[0])
		}
	}
	return out
}

// Resolve follows identifiers to variable values and parameter defaults, and
// member accesses into variable object literals, returning the literal node
// it ends at (or the input when it cannot go further).
func (f *File) Resolve(n *Node) *Node {
	for i := 0; i < 8; i++ {
		n = unparen(n)
		if n == nil {
			return nil
		}
		switch n.Kind {
		case "identifier":
			if v, ok := f.Vars[n.Text]; ok && v.Value != nil {
				n = v.Value
				continue
			}
			if p, ok := f.Params[n.Text]; ok && p.Value != nil {
				n = p.Value
				continue
			}
			return n
		case "member_expression":
			obj := f.Resolve(n.Child(0))
			prop := n.Child(1)
			if obj == nil || prop == nil || obj.Kind != "object" {
				return n
			}
			v := obj.Get(prop.Text)
			if v == nil {
				return n
			}
			n = v
			continue
		}
		return n
	}
	return n
}

// ResolveString resolves n and returns its string value.
func (f *File) ResolveString(n *Node) (string, bool) {
	return f.Resolve(n).StringValue()
}

// ResourceBySymbol returns the resource declared as sym, or nil.
func (f *File) ResourceBySymbol(sym string) *Resource {
	for _, r := range f.Resources {
		if r.Symbol == sym {
			return r
		}
	}
	return nil
}

// walk calls fn for n and every descendant.
func walk(n *Node, fn func(*Node)) {
	if n == nil {
		return
	}
	fn(n)
	for _, c := range n.Children {
		walk(c, fn)
	}
}
