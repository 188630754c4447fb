package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthTypes is a tiny types.json covering each node kind the gate knows,
// so the checker's logic is tested independently of the shared data.
const synthTypes = `[
 {"$type": "StringType"},
 {"$type": "StringLiteralType", "value": "Test.Kind/widgets"},
 {"$type": "StringLiteralType", "value": "2020-01-01"},
 {"$type": "StringLiteralType", "value": "Small"},
 {"$type": "StringLiteralType", "value": "Large"},
 {"$type": "UnionType", "elements": [{"$ref": "#/3"}, {"$ref": "#/4"}]},
 {"$type": "IntegerType", "minValue": 1, "maxValue": 5},
 {"$type": "BooleanType"},
 {"$type": "StringType", "minLength": 2, "maxLength": 4},
 {"$type": "ObjectType", "name": "A", "properties": {"url": {"type": {"$ref": "#/0"}, "flags": 1}}},
 {"$type": "ObjectType", "name": "B", "properties": {"count": {"type": {"$ref": "#/6"}, "flags": 0}}},
 {"$type": "DiscriminatedObjectType", "name": "Dest", "discriminator": "kind", "baseProperties": {"note": {"type": {"$ref": "#/0"}, "flags": 0}}, "elements": {"A": {"$ref": "#/9"}, "B": {"$ref": "#/10"}}},
 {"$type": "ArrayType", "itemType": {"$ref": "#/5"}, "maxLength": 2},
 {"$type": "ObjectType", "name": "Props", "properties": {
   "size": {"type": {"$ref": "#/5"}, "flags": 0},
   "level": {"type": {"$ref": "#/6"}, "flags": 0},
   "on": {"type": {"$ref": "#/7"}, "flags": 0},
   "code": {"type": {"$ref": "#/8"}, "flags": 0},
   "state": {"type": {"$ref": "#/0"}, "flags": 2},
   "dest": {"type": {"$ref": "#/11"}, "flags": 0},
   "sizes": {"type": {"$ref": "#/12"}, "flags": 0},
   "labels": {"type": {"$ref": "#/0"}, "flags": 0}
 }},
 {"$type": "ObjectType", "name": "Labels", "properties": {}, "additionalProperties": {"$ref": "#/0"}},
 {"$type": "ObjectType", "name": "Test.Kind/widgets", "properties": {
   "name": {"type": {"$ref": "#/0"}, "flags": 9},
   "type": {"type": {"$ref": "#/1"}, "flags": 10},
   "location": {"type": {"$ref": "#/0"}, "flags": 1},
   "tags": {"type": {"$ref": "#/14"}, "flags": 0},
   "properties": {"type": {"$ref": "#/13"}, "flags": 0}
 }},
 {"$type": "ResourceType", "name": "Test.Kind/widgets@2020-01-01", "body": {"$ref": "#/15"}, "readableScopes": 31, "writableScopes": 31}
]`

func synthDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gen := filepath.Join(dir, "generated", "test", "2020-01-01")
	if err := os.MkdirAll(gen, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gen, "types.json"), []byte(synthTypes), 0o644); err != nil {
		t.Fatal(err)
	}
	idx := `{"resources": {"Test.Kind/widgets@2020-01-01": {"$ref": "test/2020-01-01/types.json#/16"}}}`
	if err := os.WriteFile(filepath.Join(dir, "generated", "index.json"), []byte(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPropertyGateSynthetic(t *testing.T) {
	ty, err := LoadTypes(synthDir(t))
	if err != nil {
		t.Fatal(err)
	}
	const head = "resource w 'Test.Kind/widgets@2020-01-01' = {\n  name: 'w'\n  location: loc\n"
	tests := []struct {
		name  string
		body  string // inside properties
		whole string // replaces the whole file when set
		want  []string
	}{
		{name: "valid", body: "size: 'Small'\nlevel: 5\non: true\ncode: 'ab'\ndest: {\n kind: 'A'\n url: 'x'\n note: 'n'\n}\nsizes: [\n 'Large'\n]"},
		{name: "expressions are not descended", body: "size: s\nlevel: l\ndest: d\nsizes: [for x in y: x]"},
		{name: "ternary branches checked", body: "size: c ? 'Small' : 'Huge'", want: []string{"P4 w.properties.size: 'Huge' is not one of ['Small', 'Large']"}},
		{name: "closed enum", body: "size: 'Medium'", want: []string{"P4 w.properties.size: 'Medium'"}},
		{name: "int range", body: "level: 6", want: []string{"P5 w.properties.level: 6 is above the maximum 5"}},
		{name: "int below", body: "level: 0", want: []string{"P5 w.properties.level: 0 is below the minimum 1"}},
		{name: "string length", body: "code: 'abcde'", want: []string{"P5 w.properties.code: 'abcde' is longer"}},
		{name: "kind mismatch bool", body: "on: 'yes'", want: []string{"P4 w.properties.on: want a bool, got a string literal"}},
		{name: "kind mismatch int", body: "level: '3'", want: []string{"P4 w.properties.level: want an int"}},
		{name: "read-only", body: "state: 'x'", want: []string{"P6 w.properties.state: property is read-only"}},
		{name: "unknown property", body: "colour: 'red'", want: []string{"P2 w.properties.colour: unknown property"}},
		{name: "unknown discriminator", body: "dest: {\n kind: 'C'\n}", want: []string{"P3 w.properties.dest.kind: unknown value 'C'; known: A, B"}},
		{name: "element property wrong element", body: "dest: {\n kind: 'B'\n url: 'x'\n}", want: []string{"P2 w.properties.dest.url: unknown property"}},
		{name: "element required", body: "dest: {\n kind: 'A'\n}", want: []string{"P6 w.properties.dest: required property url is missing"}},
		{name: "element range", body: "dest: {\n kind: 'B'\n count: 9\n}", want: []string{"P5 w.properties.dest.count: 9 is above"}},
		{name: "missing discriminator", body: "dest: {\n url: 'x'\n}", want: []string{"P3 w.properties.dest: discriminator kind is missing"}},
		{name: "array items and length", body: "sizes: [\n 'Small'\n 'Tiny'\n 'Large'\n]", want: []string{"P5 w.properties.sizes: 3 items, the maximum is 2", "P4 w.properties.sizes[1]: 'Tiny'"}},
		{name: "additional properties", whole: head + "  tags: {\n    any: 'x'\n    other: 1\n  }\n}\n", want: []string{"P4 w.tags.other: want a string, got a int literal"}},
		{name: "required top-level", whole: "resource w 'Test.Kind/widgets@2020-01-01' = {\n  name: 'w'\n}\n", want: []string{"P6 w: required property location is missing"}},
		{name: "read-only top-level", whole: head + "  type: 'Test.Kind/widgets'\n}\n", want: []string{"P6 w.type: property is read-only"}},
		{name: "unknown version", whole: "resource w 'Test.Kind/widgets@2021-01-01' = {\n  name: 'w'\n}\n", want: []string{"P1 resource w: Test.Kind/widgets@2021-01-01 is not in the bicep type index"}},
		{name: "existing skipped", whole: "resource w 'Test.Kind/widgets@2021-01-01' existing = {\n  name: 'w'\n}\n"},
		{name: "keywords skipped", whole: head + "  dependsOn: [\n    x\n  ]\n  scope: y\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.whole
			if src == "" {
				src = head + "  properties: {\n" + tt.body + "\n  }\n}\n"
			}
			f := parseOK(t, src)
			got, err := checkProperties(ty, f)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, g := range got {
				lines = append(lines, g.Rule+" "+g.Msg)
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("findings = %q, want %d like %q", lines, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("finding %d = %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestLoadTypesErrors(t *testing.T) {
	if _, err := LoadTypes(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("LoadTypes(missing) = nil error")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"resources": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTypes(dir); err == nil || !strings.Contains(err.Error(), "no resources") {
		t.Errorf("LoadTypes(empty index) error = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"resources": {"A/b@1": {"$ref": "a/types.json#/0"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ty, err := LoadTypes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ty.Resource("A/b@1"); err == nil {
		t.Error("Resource with a missing types.json = nil error")
	}
}

// TestSharedTypesCoverAllowList: every allow-listed type@version is in the
// shared type index, and the index resolves to a body with properties.
func TestSharedTypesCoverAllowList(t *testing.T) {
	ty := bicepTypes(t)
	for typ, ver := range allowedVersions {
		body, ok, err := ty.Resource(typ + "@" + ver)
		if err != nil || !ok {
			t.Errorf("Resource(%s@%s) = %v, %v", typ, ver, ok, err)
			continue
		}
		if !ty.HasProperty(body, "name") {
			t.Errorf("%s@%s body has no name property", typ, ver)
		}
	}
}
