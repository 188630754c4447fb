package jsontree

import (
	"math"
	"testing"
	"time"
)

var inches = 78.0

func TestFormatFloat(t *testing.T) {
	for give, want := range map[float64]string{
		72.0: "72", 98.6: "98.6", inches * 0.0254: "1.9811999999999999", 1e14: "100000000000000", 1e15: "1E+15", 0.0001: "0.0001",
		0.00001: "1E-05", math.Copysign(0, -1): "-0", math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity",
		1.2345678901234567e16: "12345678901234568", 1.5e300: "1.5E+300", -2.5e-7: "-2.5E-07",
	} {
		if got := FormatFloat(give); got != want {
			t.Errorf("FormatFloat(%v) = %q, want %q", give, got, want)
		}
	}
}

func TestDateValue(t *testing.T) {
	for give, want := range map[string]time.Time{
		"2021-07-13T17:29:01.061144Z":  time.Date(2021, 7, 13, 17, 29, 1, 61144000, time.UTC),
		"2021-07-13T17:29:01":          time.Date(2021, 7, 13, 17, 29, 1, 0, time.UTC),
		"2021-07-13T19:29:01+02:00":    time.Date(2021, 7, 13, 17, 29, 1, 0, time.UTC),
		"2021-07-13T19:29:01+0200":     time.Date(2021, 7, 13, 17, 29, 1, 0, time.UTC),
		"2021-07-13T24:00:00":          time.Date(2021, 7, 14, 0, 0, 0, 0, time.UTC),
		"/Date(1705329000000)/":        time.Date(2024, 1, 15, 14, 30, 0, 0, time.UTC),
		"2019-02-01T22:46:01.8750000Z": time.Date(2019, 2, 1, 22, 46, 1, 875000000, time.UTC),
	} {
		if got, ok := DateValue(give); !ok || !got.Equal(want) {
			t.Errorf("DateValue(%q) = %v, %v, want %v", give, got, ok, want)
		}
	}
	for _, give := range []string{"2021-07-13", "2021-07-13T17:29:01.12345678Z", "2021-02-30T00:00:00", "2021-07-13T24:00:01", "x021-07-13T17:29:01", "2021-07-13 17:29:01"} {
		if _, ok := DateValue(give); ok {
			t.Errorf("DateValue(%q) = ok, want not a date", give)
		}
	}
}

func TestParse(t *testing.T) {
	v, err := ParseString("\uFEFF {\"a\":[1,2.5e3,\"x\\u00e9\\ud83d\\ude00\",true,null],\"b\":{}} ")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.JSON(); got != `{"a":[1,2.5e3,"xé😀",true,null],"b":{}}` {
		t.Errorf("round trip = %s", got)
	}
	if k := v.Get("a").Items[1].Kind; k != Float {
		t.Errorf("kind of 2.5e3 = %s", k)
	}
	for _, give := range []string{"", "{", "[1,]", "01", "1 2", "\"a", "{\"a\" 1}", "tru", "-", "1.", "\"\\x\""} {
		if _, err := ParseString(give); err == nil {
			t.Errorf("ParseString(%q) = nil error", give)
		}
	}
	_, err = ParseString("{\n  \"a\": x}")
	if se, ok := err.(*SyntaxError); !ok {
		t.Fatalf("error %T", err)
	} else if l, c := LineColumn(se.src, se.Offset); l != 2 || c != 8 {
		t.Errorf("line, column = %d, %d, want 2, 8", l, c)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x"]}`, `"\ud83d\ude00"`, `[]`, `-0.1e-2`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseString(s)
		if err != nil {
			return
		}
		if _, err := ParseString(v.JSON()); err != nil {
			t.Fatalf("re-parse of %q: %v", v.JSON(), err)
		}
	})
}
