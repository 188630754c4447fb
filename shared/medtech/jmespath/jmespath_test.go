package jmespath

import (
	"testing"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

const doc = `{"Body":[{"deviceId":"deviceTypeB_1","data":[{"d":1},{"d":2}]},{"deviceId":"x","data":[{"d":3}]}],
"matchedToken":{"height":"78","h":72,"miles":0.6214,"s":"abc","t":"2024-01-15T14:30:00Z"},"n":[3,1.5,2],"ints":[1,2,3],"o":{"a":1,"b":"x"}}`

func TestSearch(t *testing.T) {
	root, err := jsontree.ParseString(doc)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, give, want string
	}{
		{"field", "matchedToken.h", "72"},
		{"missing", "matchedToken.zz", "null"},
		{"multiply float", "multiply(to_number(matchedToken.height), `0.0254`)", "1.9811999999999999"},
		{"multiply int", "multiply(matchedToken.h, `2`)", "144"},
		{"multiply wraps", "multiply(`9223372036854775807`, `2`)", "-2"},
		{"divide int truncates", "divide(`40`, `50`)", "0"},
		{"divide float", "divide(`3.0`, `2`)", "1.5"},
		{"divide float by zero", "divide(`1.0`, `0`)", "+Inf"},
		{"add", "add(`1`, `2`)", "3"},
		{"subtract", "subtract(`1.5`, `2`)", "-0.5"},
		{"pow int", "pow(`2`, `10`)", "1024"},
		{"pow negative", "pow(`2`, `-1`)", "0"},
		{"pow float", "pow(`2.0`, `0.5`)", "1.4142135623730951"},
		{"insertString", "insertString(matchedToken.s, 'XY', `1`)", `"aXYbc"`},
		{"fromUnixTimestamp", "fromUnixTimestamp(`1705329000`)", `"2024-01-15T14:30:00Z"`},
		{"fromUnixTimestampMs", "fromUnixTimestampMs(`1705329000123`)", `"2024-01-15T14:30:00.123Z"`},
		{"to_number int", "to_number('42')", "42"},
		{"to_number float", "to_number('4.5e1')", "45"},
		{"to_number bad", "to_number('abc')", "null"},
		{"to_string", "to_string(o)", `"{\"a\":1,\"b\":\"x\"}"`},
		{"filter flatten", "to_array(@.Body) | [? deviceId && starts_with(deviceId, 'deviceTypeB')].data[]", `[{"d":1},{"d":2}]`},
		{"projection", "Body[*].deviceId", `["deviceTypeB_1","x"]`},
		{"flatten", "Body[].data[].d", `[1,2,3]`},
		{"pipe index", "Body[*].deviceId | [0]", `"deviceTypeB_1"`},
		{"slice", "ints[::-1]", `[3,2,1]`},
		{"value projection", "o.*", `[1,"x"]`},
		{"multi hash", "{a: o.a, n: length(ints)}", `{"a":1,"n":3}`},
		{"multi list", "[o.a, o.b]", `[1,"x"]`},
		{"compare", "ints[?@ > `1`]", `[2,3]`},
		{"or", "missing || o.a", "1"},
		{"not", "!(o.a)", "false"},
		{"sum ints", "sum(ints)", "6"},
		{"sum mixed", "sum(n)", "6.5"},
		{"avg", "avg(ints)", "2"},
		{"max kind", "max(n)", "3"},
		{"min", "min(ints)", "1"},
		{"floor", "floor(`2.7`)", "2"},
		{"sort_by", "sort_by(Body, &deviceId)[0].deviceId", `"deviceTypeB_1"`},
		{"max_by", "max_by(Body, &length(data)).deviceId", `"deviceTypeB_1"`},
		{"map", "map(&d, Body[0].data)", `[1,2]`},
		{"length utf16", "length('a😀')", "3"},
		{"raw string", `'it\'s'`, `"it's"`},
		{"keys", "keys(o)", `["a","b"]`},
		{"merge", "merge(o, `{\"a\":2}`)", `{"a":2,"b":"x"}`},
		{"not_null", "not_null(missing, o.b)", `"x"`},
		{"join", "join('-', ['a','b'])", `"a-b"`},
		{"type", "type(matchedToken.t)", `"string"`},
		{"reverse", "reverse('abc')", `"cba"`},
		{"contains", "contains(ints, `2`)", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(tt.give)
			if err != nil {
				t.Fatalf("Compile(%q) = %v", tt.give, err)
			}
			got, err := e.Search(root)
			if err != nil {
				t.Fatalf("Search(%q) = %v", tt.give, err)
			}
			s := got.JSON()
			if got.Kind == jsontree.Float {
				s = jsontree.FormatFloat(got.Float64())
				if s == "Infinity" {
					s = "+Inf"
				}
			}
			if s != tt.want {
				t.Errorf("Search(%q) = %s (%s), want %s", tt.give, s, got.Kind, tt.want)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	for give, want := range map[string]jsontree.Kind{
		"multiply(`2`, `3`)": jsontree.Int, "multiply(`2`, `3.0`)": jsontree.Float, "floor(`2.5`)": jsontree.Int,
		"abs(`-2.0`)": jsontree.Float, "avg(`[1,2]`)": jsontree.Float, "to_number('7')": jsontree.Int,
	} {
		e, err := Compile(give)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Search(jsontree.NullValue)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != want {
			t.Errorf("Search(%q) kind = %s, want %s", give, got.Kind, want)
		}
	}
}

func TestIsProjection(t *testing.T) {
	for give, want := range map[string]bool{
		"Body[?systolic]": true, "to_array(@.Body) | [? deviceId].data[]": true, "Body": false, "Body[*].x | [0]": false,
		"a.*": true, "Body[0]": false, "Body[1:]": true,
	} {
		e, err := Compile(give)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.IsProjection(); got != want {
			t.Errorf("IsProjection(%q) = %v, want %v", give, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, give := range []string{"nosuch(a)", "multiply(a)", "insertString(a, b)", "a.", "a[", "[1,", "'abc", "a ==", "\"f\"(a)", "{a}", "a[::0]"} {
		if _, err := Compile(give); err == nil {
			t.Errorf("Compile(%q) = nil error, want error", give)
		}
	}
	root, _ := jsontree.ParseString(doc)
	for _, give := range []string{"divide(`1`, `0`)", "multiply(matchedToken.s, `2`)", "pow(`40`, `50`)",
		"insertString(matchedToken.t, 'x', `0`)", "insertString('ab', 'x', `3`)", "fromUnixTimestamp(`1.5`)",
		"fromUnixTimestamp(`999999999999`)", "abs('x')", "sum(o)"} {
		e, err := Compile(give)
		if err != nil {
			t.Fatalf("Compile(%q) = %v", give, err)
		}
		if _, err := e.Search(root); err == nil {
			t.Errorf("Search(%q) = nil error, want error", give)
		}
	}
}

func FuzzJMESPath(f *testing.F) {
	for _, s := range []string{"a.b[0]", "to_array(@.Body) | [? x && starts_with(x, 'y')].d[]", "{a: b, c: [d, e]}", "sort_by(@, &a)[-1:]", "multiply(a, `1.5`)"} {
		f.Add(s)
	}
	root, _ := jsontree.ParseString(`{"a":{"b":[1,"x",{"x":1}]},"Body":[{"x":"y","d":[1]}]}`)
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := Compile(expr)
		if err != nil {
			return
		}
		_, _ = e.Search(root)
	})
}
