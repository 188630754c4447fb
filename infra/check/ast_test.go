package check

import (
	"strings"
	"testing"
)

func TestUnquote(t *testing.T) {
	tests := []struct {
		name, give, want string
	}{
		{"plain", `'abc'`, "abc"},
		{"escaped quote", `'it\'s'`, "it's"},
		{"escaped dollar and backslash", `'\${x}\\'`, `${x}\`},
		{"newline and tab", `'a\nb\tc'`, "a\nb\tc"},
		{"multi-line drops first newline", "'''\nline1\nline2'''", "line1\nline2"},
		{"multi-line verbatim", `'''a\nb'''`, `a\nb`},
		{"empty", `''`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unquote(tt.give); got != tt.want {
				t.Errorf("unquote(%q) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

func parseOK(t *testing.T, src string) *File {
	t.Helper()
	root, errs, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("Parse: unexpected syntax errors %v", errs)
	}
	return newFile("x.bicep", []byte(src), root)
}

func TestParseModel(t *testing.T) {
	f := parseOK(t, `targetScope = 'resourceGroup'

@description('Name.')
@minLength(3)
param name string = 'abc'

var roles = {
  reader: '4c8d0bbc-75d3-4935-991f-5f3c56d81508'
}
var alias = roles.reader

resource parentRes 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: name
}

resource existingFoo 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = if (true) {
  parent: parentRes
  name: 'default'
  properties: {
    n: -3
    'quoted-key': true
  }
  resource c 'containers' = {
    name: 'x'
  }
}

resource loop 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = [for i in range(0, 2): {
  name: 'id-${i}'
}]
`)
	if got := len(f.Resources); got != 4 {
		t.Fatalf("len(Resources) = %d, want 4", got)
	}
	if !f.Resources[0].Existing || f.Resources[1].Existing {
		t.Errorf("Existing = %v, %v; want true, false (a symbol starting with 'existing' is not the keyword)", f.Resources[0].Existing, f.Resources[1].Existing)
	}
	child := f.Resources[2]
	if child.Type != "Microsoft.Storage/storageAccounts/blobServices/containers" || child.Version != "2025-06-01" {
		t.Errorf("nested child type = %s, want the parent's type + /containers at the parent's version", child.FullType())
	}
	if f.Resources[1].Condition() == nil {
		t.Error("Condition() = nil for an if resource")
	}
	if f.Resources[3].Body == nil || f.Resources[3].Body.Get("name") == nil {
		t.Error("for-loop resource body not found")
	}
	body := f.Resources[1].Body
	if v, ok := body.Path("properties", "n").IntValue(); !ok || v != -3 {
		t.Errorf("properties.n = %d, %v; want -3", v, ok)
	}
	if v, ok := body.Path("properties", "quoted-key").BoolValue(); !ok || !v {
		t.Error("quoted key not found")
	}
	p := f.Params["name"]
	if p == nil || p.Decorator("description") == nil || p.Decorator("minLength") == nil || p.Decorator("maxLength") != nil {
		t.Fatalf("param decorators not attached: %+v", p)
	}
	if s, ok := f.ResolveString(&Node{Kind: "identifier", Text: "alias"}); !ok || s != "4c8d0bbc-75d3-4935-991f-5f3c56d81508" {
		t.Errorf("ResolveString(alias) = %q, %v", s, ok)
	}
	if s, ok := f.ResolveString(&Node{Kind: "identifier", Text: "name"}); !ok || s != "abc" {
		t.Errorf("ResolveString(name) = %q, %v; want the param default", s, ok)
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
	}{
		{"truncated", "param a string\nresource r 'T@v' = {\n  name: 'x'\n", 2},
		{"stray token", "param a string\nvar b = )\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, err := Parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 {
				t.Fatalf("Parse(%q): no syntax error", tt.src)
			}
			if errs[0].Line != tt.line {
				t.Errorf("first error at line %d, want %d (%v)", errs[0].Line, tt.line, errs)
			}
		})
	}
}

func TestCodeOnly(t *testing.T) {
	in := false
	if got := codeOnly(`var a = 'x ...y' // ...z`, &in); strings.Contains(got, "...") {
		t.Errorf("codeOnly kept string or comment text: %q", got)
	}
	in = false
	codeOnly(`var m = '''`, &in)
	if !in {
		t.Error("codeOnly did not enter a multi-line string")
	}
	if got := codeOnly(`...inside'''`, &in); in || strings.Contains(got, "...") {
		t.Errorf("codeOnly(%q) = %q, inMulti %v", `...inside'''`, got, in)
	}
}

// FuzzParse: arbitrary input never panics the parser or the rules.
func FuzzParse(f *testing.F) {
	f.Add("param a string\n")
	f.Add("resource r 'Microsoft.Web/sites@2025-03-01' = {\n  name: 'x'\n  properties: {\n")
	f.Add("var x = { ...y }\nimport {a} from 'b'\n")
	f.Add("resource r 'a@1' = [for (x, i) in y: if (x) { name: '${x}' }]\n")
	f.Fuzz(func(t *testing.T, src string) {
		root, errs, err := Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		fl := newFile("f.bicep", []byte(src), root)
		houseStyle(fl)
		if len(errs) == 0 {
			policy([]*File{fl}, Options{})
		}
	})
}
