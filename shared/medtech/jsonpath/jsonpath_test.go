package jsonpath

import (
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

const doc = `{"Body":{"heartrate":"203","deviceId":"d1","data":[{"systolic":"120","diastolic":"80","date":"2021-07-13T17:29:01.061144Z"},{"systolic":"122","diastolic":"82"}],
"n":[1,2,3,4,5],"flt":1.0,"nul":null,"f":false,"z":0,"e":"","when":"2024-01-15T14:30:00Z","name":"abc"},
"Properties":{"iothub-creation-time-utc":"2019-01-30T22:45:02.6073744Z"},"SystemProperties":{"iothub-connection-device-id":"ev-1","My Prop":"x"}}`

func TestSelect(t *testing.T) {
	root, err := jsontree.ParseString(doc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, give string
		want       string // results joined by " | " as compact JSON
	}{
		{"root", "$", root.JSON()},
		{"member", "$.Body.deviceId", `"d1"`},
		{"no dollar", "Body.deviceId", `"d1"`},
		{"leading spaces", "  $.Body.deviceId", `"d1"`},
		{"dash names", "$.SystemProperties.iothub-connection-device-id", `"ev-1"`},
		{"bracket quoted", "$['SystemProperties']['My Prop']", `"x"`},
		{"union", "$.Body['deviceId','heartrate']", `"d1" | "203"`},
		{"paren indexer", "$.Body.n(1)", `2`},
		{"index", "$.Body.n[0]", `1`},
		{"index out of range", "$.Body.n[9]", ``},
		{"index union", "$.Body.n[4,0]", `5 | 1`},
		{"slice", "$.Body.n[1:3]", `2 | 3`},
		{"slice negative", "$.Body.n[-2:]", `4 | 5`},
		{"slice step", "$.Body.n[::2]", `1 | 3 | 5`},
		{"slice reverse", "$.Body.n[::-2]", `5 | 3 | 1`},
		{"star array", "$.Body.n[*]", `1 | 2 | 3 | 4 | 5`},
		{"star on object selects nothing", "$.Body[*]", ``},
		{"dot star on array selects nothing", "$.Body.n.*", ``},
		{"dot star", "$.Properties.*", `"2019-01-30T22:45:02.6073744Z"`},
		{"scan", "$..systolic", `"120" | "122"`},
		{"filter includes root", "$..[?(@Body.heartrate)]", root.JSON()},
		{"filter at sign without dot", "$..[?(@systolic && @diastolic)].systolic", `"120" | "122"`},
		{"filter on object selects nothing", "$.Body[?(@.deviceId)]", ``},
		{"filter array", "$.Body.data[?(@.date)].systolic", `"120"`},
		{"string equality", "$.Body.data[?(@.systolic == '122')].diastolic", `"82"`},
		{"not equal missing left is false", "$.Body.data[?(@.date != 'x')].systolic", `"120"`},
		{"numeric compare", "$.Body.n[?(@ > 3)]", `4 | 5`},
		{"int equals float", "$..[?(@.flt == 1)].deviceId", `"d1"`},
		{"no coercion string number", "$..[?(@.heartrate == 203)].deviceId", ``},
		{"number vs string compare", "$..[?(@.z < '1')].deviceId", `"d1"`},
		{"string vs number compares numbers", "$.Body.data[?(@.systolic > 121)].diastolic", `"82"`},
		{"string vs number compares numbers 2", "$.Body.data[?(@.systolic >= 120)].diastolic", `"80" | "82"`},
		{"string vs string ordinal", "$.Body.data[?(@.systolic > '1210')].diastolic", `"82"`},
		{"string vs bool", "$.Body.data[?(@.systolic != true)].diastolic", `"80" | "82"`},
		{"existence of null false zero empty", "$..[?(@.nul && @.f && @.z && @.e)].deviceId", `"d1"`},
		{"date equals iso", "$..[?(@.when == '2024-01-15T14:30:00Z')].deviceId", `"d1"`},
		{"date strict not equal", "$..[?(@.when === '2024-01-15T14:30:00Z')].deviceId", ``},
		{"regex", "$..[?(@.name =~ /^A/i)].deviceId", `"d1"`},
		{"and or right nesting", "$.Body.n[?(@ == 1 || @ == 2 && @ == 3)]", `1`},
		{"and then or", "$.Body.n[?(@ >= 2 && @ <= 3 || @ == 5)]", `2 | 3 | 5`},
		{"root in filter", "$.Body.n[?(@ == $.Body.n[2])]", `3`},
		{"scan star", "$.Body.n..*", `[1,2,3,4,5] | 1 | 2 | 3 | 4 | 5`},
		{"dollar name", "$x", ``},
		{"trailing spaces", "$.Body.deviceId   ", `"d1"`},
		{"object vs scalar only ne", "$..[?(@.data != 1)].deviceId", `"d1"`},
		{"spaces around quoted", "$.Body[  'deviceId'  ]", `"d1"`},
		{"spaces in index", "$.Body.n[  1  ]", `2`},
		{"spaces in union", "$.Body.n[   4  ,   0   ]", `5 | 1`},
		{"spaces in slice", "$.Body.n[ : 2 : ]", `1 | 2`},
		{"dot bracket star", "$.Body.n.[*]", `1 | 2 | 3 | 4 | 5`},
		{"quoted star is a name", "$.Body['*']", ``},
		{"filter with spaces", "$.Body.data[ ?( @.systolic=='122' ) ].diastolic", `"82"`},
		{"scan in filter", "$.Body[?(@..systolic)]", ``},
		{"ne null", "$.Body.data[?(@.date<>null)].systolic", `"120"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.give)
			if err != nil {
				t.Fatalf("Compile(%q) = %v", tt.give, err)
			}
			got, err := p.Select(root)
			if err != nil {
				t.Fatalf("Select(%q) = %v", tt.give, err)
			}
			var parts []string
			for _, v := range got {
				parts = append(parts, v.JSON())
			}
			if s := strings.Join(parts, " | "); s != tt.want {
				t.Errorf("Select(%q) = %s, want %s", tt.give, s, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, give := range []string{
		"$.", "$.a b", "$[", "$['a", "$['a\\q']", "$[1:2:0]", "$[?(@.a ==)]", "$[?(@.a == 1", "$[a]", "$[1]x",
		"$[?(@.a =~ /(?=x)/)]", "$[?(@.a == 1&&@.b)]", "$[?(@.a ~ 1)]", "$ .Blah", "$. Blah", "[]", "]", "[1]Blah", "Blah[[0]]", "Blah[0",
	} {
		if _, err := Compile(give); err == nil {
			t.Errorf("Compile(%q) = nil error, want error", give)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	root, _ := jsontree.ParseString(doc)
	for _, give := range []string{"$.Body.n[-1]", "$.Body.n[?(@ > 'abc')]", "$.Body.n[?(@ > '2.5')]", "$..[?(@.deviceId > 1)]", "$.Body.data[?(@.date > 1)]"} {
		p, err := Compile(give)
		if err != nil {
			t.Fatalf("Compile(%q) = %v", give, err)
		}
		if _, err := p.Select(root); err == nil {
			t.Errorf("Select(%q) = nil error, want error", give)
		}
	}
}

func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{"$.a.b", "$..[?(@x && @y || @z == 'q')]", "$['a','b'][1:-1:2]", "$.a[?(@ =~ /x/i)]", "a(0)"} {
		f.Add(s)
	}
	root, _ := jsontree.ParseString(`{"a":{"b":[1,"x",{"x":1,"y":null}],"x":"2024-01-01T00:00:00Z"},"z":[true,false]}`)
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Compile(expr)
		if err != nil {
			return
		}
		_, _ = p.Select(root)
	})
}
