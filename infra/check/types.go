package check

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Property flags of the Bicep type format (Azure/bicep-types src/bicep-types/src/types.ts).
const (
	FlagRequired = 1
	FlagReadOnly = 2
)

// Types is a loaded subset of the Bicep type definitions: generated/index.json
// and the types.json files it points to, read lazily.
type Types struct {
	dir   string // the generated/ folder
	index map[string]string
	files map[string][]rawType
}

// TypeRef points to a type node in one types.json file.
type TypeRef struct {
	file string
	idx  int
}

type ref struct {
	Ref string `json:"$ref"`
}

// Property is one property of an object type.
type Property struct {
	Type  ref `json:"type"`
	Flags int `json:"flags"`
}

type rawType struct {
	Kind                 string              `json:"$type"`
	Name                 string              `json:"name"`
	Body                 *ref                `json:"body"`
	Properties           map[string]Property `json:"properties"`
	AdditionalProperties *ref                `json:"additionalProperties"`
	Discriminator        string              `json:"discriminator"`
	BaseProperties       map[string]Property `json:"baseProperties"`
	Elements             json.RawMessage     `json:"elements"`
	Value                json.RawMessage     `json:"value"`
	MinLength            *int64              `json:"minLength"`
	MaxLength            *int64              `json:"maxLength"`
	MinValue             *int64              `json:"minValue"`
	MaxValue             *int64              `json:"maxValue"`
	ItemType             *ref                `json:"itemType"`
}

// LoadTypes opens a bicep-types folder (the one holding generated/index.json,
// or generated/ itself).
func LoadTypes(dir string) (*Types, error) {
	gen := filepath.Join(dir, "generated")
	if _, err := os.Stat(filepath.Join(gen, "index.json")); err != nil {
		gen = dir
	}
	b, err := os.ReadFile(filepath.Join(gen, "index.json"))
	if err != nil {
		return nil, fmt.Errorf("read bicep type index: %w", err)
	}
	var idx struct {
		Resources map[string]ref `json:"resources"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Join(gen, "index.json"), err)
	}
	t := &Types{dir: gen, index: map[string]string{}, files: map[string][]rawType{}}
	for k, v := range idx.Resources {
		t.index[strings.ToLower(k)] = v.Ref
	}
	if len(t.index) == 0 {
		return nil, fmt.Errorf("bicep type index %s has no resources", filepath.Join(gen, "index.json"))
	}
	return t, nil
}

// Resource returns the body type of Type@version, or false when the index
// does not list it.
func (t *Types) Resource(typeAtVersion string) (TypeRef, bool, error) {
	r, ok := t.index[strings.ToLower(typeAtVersion)]
	if !ok {
		return TypeRef{}, false, nil
	}
	file, frag, _ := strings.Cut(r, "#/")
	rt, err := t.resolve(file, ref{"#/" + frag})
	if err != nil {
		return TypeRef{}, false, err
	}
	n, err := t.node(rt)
	if err != nil {
		return TypeRef{}, false, err
	}
	if n.Kind != "ResourceType" || n.Body == nil {
		return TypeRef{}, false, fmt.Errorf("index entry %s is a %s, not a ResourceType", typeAtVersion, n.Kind)
	}
	body, err := t.resolve(file, *n.Body)
	return body, true, err
}

func (t *Types) resolve(file string, r ref) (TypeRef, error) {
	i, err := strconv.Atoi(strings.TrimPrefix(r.Ref, "#/"))
	if err != nil || !strings.HasPrefix(r.Ref, "#/") {
		return TypeRef{}, fmt.Errorf("bad type reference %q in %s", r.Ref, file)
	}
	return TypeRef{file: file, idx: i}, nil
}

func (t *Types) node(r TypeRef) (*rawType, error) {
	nodes, ok := t.files[r.file]
	if !ok {
		b, err := os.ReadFile(filepath.Join(t.dir, filepath.FromSlash(r.file)))
		if err != nil {
			return nil, fmt.Errorf("read bicep types: %w", err)
		}
		if err := json.Unmarshal(b, &nodes); err != nil {
			return nil, fmt.Errorf("decode %s: %w", r.file, err)
		}
		t.files[r.file] = nodes
	}
	if r.idx < 0 || r.idx >= len(nodes) {
		return nil, fmt.Errorf("type reference #/%d out of range in %s", r.idx, r.file)
	}
	return &nodes[r.idx], nil
}

// HasProperty reports whether the object body type has a top-level property.
func (t *Types) HasProperty(body TypeRef, name string) bool {
	n, err := t.node(body)
	if err != nil {
		return false
	}
	_, ok := n.Properties[name]
	if !ok && n.BaseProperties != nil {
		_, ok = n.BaseProperties[name]
	}
	return ok
}

func (n *rawType) unionElements() []ref {
	var rs []ref
	_ = json.Unmarshal(n.Elements, &rs)
	return rs
}

func (n *rawType) discriminatedElements() map[string]ref {
	m := map[string]ref{}
	_ = json.Unmarshal(n.Elements, &m)
	return m
}

func (n *rawType) literal() string {
	var s string
	if json.Unmarshal(n.Value, &s) == nil {
		return s
	}
	return string(n.Value)
}
