package check

import (
	"fmt"
	"sort"
	"strings"
)

// Property gate rule ids (spec infra.md §12.2, checks 1–6).
const (
	RuleTypeKnown     = "P1" // Type@version in the index
	RulePropertyKnown = "P2" // object keys exist
	RuleDiscriminator = "P3" // discriminator values known
	RuleEnum          = "P4" // closed enums and literal kinds
	RuleRange         = "P5" // min/max value and length
	RuleRequired      = "P6" // required present, read-only absent
)

// bicepKeywords are resource-body keys that are Bicep, not ARM, properties.
var bicepKeywords = map[string]bool{"scope": true, "parent": true, "dependsOn": true}

type propChecker struct {
	t    *Types
	f    *File
	res  *Resource
	out  []Finding
	errs []error
}

// Service limits and closed value sets that the generated types leave open
// (spec §12.2 fixtures): keyed by lower-case Type@version and the property
// path below the resource body.
var (
	extraRanges = map[string][2]int64{
		// Standard tier: 1–32 partitions; the type only says minValue 1.
		"microsoft.eventhub/namespaces/eventhubs@2024-01-01 properties.partitionCount": {1, 32},
	}
	extraEnums = map[string][]string{
		// The type is an open union (string); these are the values the service knows.
		"microsoft.storage/storageaccounts@2025-06-01 properties.minimumTlsVersion": {"TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"},
	}
)

// extra applies the limits above to a literal value.
func (c *propChecker) extra(n *Node, path string) {
	if c.res == nil {
		return
	}
	key := strings.ToLower(c.res.FullType()) + " " + strings.TrimPrefix(path, c.res.Symbol+".")
	if r, ok := extraRanges[key]; ok {
		if v, ok := n.IntValue(); ok && (v < r[0] || v > r[1]) {
			c.add(n, RuleRange, "%s: %d is outside the service limit %d–%d", path, v, r[0], r[1])
		}
	}
	if vals, ok := extraEnums[key]; ok {
		if s, ok := n.StringValue(); ok && !contains(vals, s) {
			c.add(n, RuleEnum, "%s: '%s' is not one of %s", path, s, quoteList(vals))
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (c *propChecker) add(n *Node, rule, format string, args ...any) {
	c.out = append(c.out, Finding{File: c.f.Path, Line: n.Line, Col: n.Col, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// checkProperties runs the property gate over every non-existing resource.
func checkProperties(t *Types, f *File) ([]Finding, error) {
	c := &propChecker{t: t, f: f}
	for _, r := range f.Resources {
		if r.Existing {
			continue
		}
		if r.Type == "" || r.Version == "" {
			c.add(r.TypeNode, RuleTypeKnown, "resource %s: type must be a literal 'Type@apiVersion'", r.Symbol)
			continue
		}
		body, ok, err := t.Resource(r.FullType())
		if err != nil {
			return nil, err
		}
		if !ok {
			c.add(r.TypeNode, RuleTypeKnown, "resource %s: %s is not in the bicep type index (unknown type or API version)", r.Symbol, r.FullType())
			continue
		}
		if r.Body == nil {
			continue
		}
		c.res = r
		c.value(r.Body, body, r.Symbol, true)
	}
	if len(c.errs) > 0 {
		return nil, c.errs[0]
	}
	return c.out, nil
}

func (c *propChecker) node(r TypeRef) *rawType {
	n, err := c.t.node(r)
	if err != nil {
		c.errs = append(c.errs, err)
		return nil
	}
	return n
}

func (c *propChecker) ref(from TypeRef, r ref) TypeRef {
	tr, err := c.t.resolve(from.file, r)
	if err != nil {
		c.errs = append(c.errs, err)
	}
	return tr
}

// literalKind names the kind of a literal node, or "" for expressions.
func literalKind(n *Node) string {
	switch n.Kind {
	case "string":
		return "string"
	case "number":
		return "int"
	case "boolean":
		return "bool"
	case "array":
		return "array"
	case "object":
		return "object"
	case "null":
		return "null"
	case "unary_expression":
		if _, ok := n.IntValue(); ok {
			return "int"
		}
	}
	return ""
}

// value checks one value node against a type.
func (c *propChecker) value(n *Node, tr TypeRef, path string, top bool) {
	n = unparen(n)
	if n == nil {
		return
	}
	if n.Kind == "ternary_expression" && len(n.Children) == 3 {
		c.value(n.Children[1], tr, path, false)
		c.value(n.Children[2], tr, path, false)
		return
	}
	t := c.node(tr)
	if t == nil {
		return
	}
	c.extra(n, path)
	kind := literalKind(n)
	if kind == "null" {
		return
	}
	switch t.Kind {
	case "ObjectType":
		if n.Kind == "object" {
			c.object(n, tr, t.Properties, t.AdditionalProperties, "", path, top, true)
		} else if kind != "" {
			c.add(n, RuleEnum, "%s: want an object, got a %s literal", path, kind)
		}
	case "DiscriminatedObjectType":
		c.discriminated(n, tr, t, kind, path, top)
	case "UnionType":
		c.union(n, tr, t, kind, path)
	case "StringLiteralType":
		if s, ok := n.StringValue(); ok && s != t.literal() {
			c.add(n, RuleEnum, "%s: '%s' is not the allowed value '%s'", path, s, t.literal())
		} else if kind != "" && kind != "string" {
			c.add(n, RuleEnum, "%s: want the string '%s', got a %s literal", path, t.literal(), kind)
		}
	case "StringType":
		if kind != "" && kind != "string" {
			c.add(n, RuleEnum, "%s: want a string, got a %s literal", path, kind)
		} else if s, ok := n.StringValue(); ok {
			if t.MinLength != nil && int64(len(s)) < *t.MinLength {
				c.add(n, RuleRange, "%s: '%s' is shorter than the minimum length %d", path, s, *t.MinLength)
			}
			if t.MaxLength != nil && int64(len(s)) > *t.MaxLength {
				c.add(n, RuleRange, "%s: '%s' is longer than the maximum length %d", path, s, *t.MaxLength)
			}
		}
	case "IntegerType":
		if kind != "" && kind != "int" {
			c.add(n, RuleEnum, "%s: want an int, got a %s literal", path, kind)
		} else if v, ok := n.IntValue(); ok {
			if t.MinValue != nil && v < *t.MinValue {
				c.add(n, RuleRange, "%s: %d is below the minimum %d", path, v, *t.MinValue)
			}
			if t.MaxValue != nil && v > *t.MaxValue {
				c.add(n, RuleRange, "%s: %d is above the maximum %d", path, v, *t.MaxValue)
			}
		}
	case "BooleanType":
		if kind != "" && kind != "bool" {
			c.add(n, RuleEnum, "%s: want a bool, got a %s literal", path, kind)
		}
	case "ArrayType":
		c.array(n, tr, t, kind, path)
	}
}

func (c *propChecker) array(n *Node, tr TypeRef, t *rawType, kind, path string) {
	if t.ItemType == nil {
		return
	}
	item := c.ref(tr, *t.ItemType)
	if n.Kind == "for_statement" {
		if body := resourceBody(&Node{Children: []*Node{n}}); body != nil {
			c.value(body, item, path+"[]", false)
		}
		return
	}
	if kind != "array" {
		if kind != "" {
			c.add(n, RuleEnum, "%s: want an array, got a %s literal", path, kind)
		}
		return
	}
	var items []*Node
	for _, it := range n.Children {
		if it.Kind != "decorators" {
			items = append(items, it)
		}
	}
	if t.MinLength != nil && int64(len(items)) < *t.MinLength {
		c.add(n, RuleRange, "%s: %d items, the minimum is %d", path, len(items), *t.MinLength)
	}
	if t.MaxLength != nil && int64(len(items)) > *t.MaxLength {
		c.add(n, RuleRange, "%s: %d items, the maximum is %d", path, len(items), *t.MaxLength)
	}
	for i, it := range items {
		c.value(it, item, fmt.Sprintf("%s[%d]", path, i), false)
	}
}

// object checks the keys of an object literal against props.
func (c *propChecker) object(n *Node, tr TypeRef, props map[string]Property, additional *ref, discriminator, path string, top, checkRequired bool) {
	seen := map[string]bool{}
	for _, p := range n.Props() {
		seen[p.Key] = true
		if top && bicepKeywords[p.Key] {
			continue
		}
		if p.Key == discriminator {
			continue
		}
		sub := join(path, p.Key)
		prop, ok := props[p.Key]
		if !ok {
			if additional != nil {
				c.value(p.Value, c.ref(tr, *additional), sub, false)
				continue
			}
			c.add(p.KeyNode, RulePropertyKnown, "%s: unknown property%s", sub, suggest(p.Key, props))
			continue
		}
		if prop.Flags&FlagReadOnly != 0 {
			c.add(p.KeyNode, RuleRequired, "%s: property is read-only and cannot be set", sub)
			continue
		}
		c.value(p.Value, c.ref(tr, prop.Type), sub, false)
	}
	if !checkRequired {
		return
	}
	var missing []string
	for name, prop := range props {
		if prop.Flags&FlagRequired != 0 && prop.Flags&FlagReadOnly == 0 && !seen[name] && name != discriminator {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		c.add(n, RuleRequired, "%s: required property %s is missing", path, m)
	}
}

func (c *propChecker) discriminated(n *Node, tr TypeRef, t *rawType, kind, path string, top bool) {
	if n.Kind != "object" {
		if kind != "" {
			c.add(n, RuleEnum, "%s: want an object, got a %s literal", path, kind)
		}
		return
	}
	elems := t.discriminatedElements()
	dv := n.Get(t.Discriminator)
	props := map[string]Property{}
	for k, v := range t.BaseProperties {
		props[k] = v
	}
	if dv == nil {
		c.add(n, RuleDiscriminator, "%s: discriminator %s is missing", path, t.Discriminator)
		return
	}
	val, ok := dv.StringValue()
	if !ok {
		// expression discriminator: accept keys of any element, no required check
		var additional *ref
		for _, er := range elems {
			if et := c.node(c.ref(tr, er)); et != nil {
				for k, v := range et.Properties {
					props[k] = v
				}
			}
		}
		c.object(n, tr, props, additional, t.Discriminator, path, top, false)
		return
	}
	er, ok := elems[val]
	if !ok {
		known := make([]string, 0, len(elems))
		for k := range elems {
			known = append(known, k)
		}
		sort.Strings(known)
		c.add(dv, RuleDiscriminator, "%s.%s: unknown value '%s'; known: %s", path, t.Discriminator, val, strings.Join(known, ", "))
		return
	}
	etr := c.ref(tr, er)
	et := c.node(etr)
	if et == nil {
		return
	}
	for k, v := range et.Properties {
		props[k] = v
	}
	c.object(n, etr, props, et.AdditionalProperties, t.Discriminator, path, top, true)
}

func (c *propChecker) union(n *Node, tr TypeRef, t *rawType, kind, path string) {
	var literals []string
	open := false
	kinds := map[string]bool{}
	var objects []TypeRef
	for _, er := range t.unionElements() {
		etr := c.ref(tr, er)
		et := c.node(etr)
		if et == nil {
			return
		}
		switch et.Kind {
		case "StringLiteralType":
			literals = append(literals, et.literal())
			kinds["string"] = true
		case "StringType":
			open = true
			kinds["string"] = true
		case "AnyType":
			return
		case "IntegerType":
			kinds["int"] = true
		case "BooleanType":
			kinds["bool"] = true
		case "ArrayType":
			kinds["array"] = true
			objects = append(objects, etr)
		case "ObjectType", "DiscriminatedObjectType":
			kinds["object"] = true
			objects = append(objects, etr)
		default:
			return
		}
	}
	if kind != "" && !kinds[kind] {
		c.add(n, RuleEnum, "%s: a %s literal is not allowed here", path, kind)
		return
	}
	if s, ok := n.StringValue(); ok && !open {
		for _, l := range literals {
			if l == s {
				return
			}
		}
		c.add(n, RuleEnum, "%s: '%s' is not one of %s", path, s, quoteList(literals))
		return
	}
	if kind == "object" || kind == "array" {
		// the element with the fewest findings wins
		var best []Finding
		for i, o := range objects {
			trial := &propChecker{t: c.t, f: c.f}
			trial.value(n, o, path, false)
			if i == 0 || len(trial.out) < len(best) {
				best = trial.out
			}
			if len(best) == 0 {
				break
			}
		}
		c.out = append(c.out, best...)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func suggest(key string, props map[string]Property) string {
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf(" (did you mean %s?)", name)
		}
	}
	for _, name := range names {
		if len(key) > 4 && (strings.HasPrefix(name, key) || strings.HasPrefix(key, name)) {
			return fmt.Sprintf(" (did you mean %s?)", name)
		}
	}
	return ""
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}
