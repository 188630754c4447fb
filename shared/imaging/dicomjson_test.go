package imaging

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeMetadata_Values(t *testing.T) {
	tests := []struct {
		name string
		give string
		tag  Tag
		want string
	}{
		{"string trimmed", `[{"00081030":{"vr":"LO","Value":["  Desc  "]}}]`, TagStudyDescription, "Desc"},
		{"lower-case key", `[{"0008103e":{"vr":"LO","Value":["S"]}}]`, TagSeriesDescription, "S"},
		{"IS as number", `[{"00200011":{"vr":"IS","Value":[12]}}]`, TagSeriesNumber, "12"},
		{"IS as string", `[{"00200011":{"vr":"IS","Value":[" 7 "]}}]`, TagSeriesNumber, "7"},
		{"PN object", `[{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^J","Ideographic":"x"}]}}]`, TagPatientName, "Doe^J"},
		{"PN bare string", `[{"00100010":{"vr":"PN","Value":["Doe^J"]}}]`, TagPatientName, "Doe^J"},
		{"first value only", `[{"00080060":{"vr":"CS","Value":["CT","MR"]}}]`, TagModality, "CT"},
		{"null first value", `[{"00080060":{"vr":"CS","Value":[null,"MR"]}}]`, TagModality, ""},
		{"empty Value", `[{"00080060":{"vr":"CS","Value":[]}}]`, TagModality, ""},
		{"no Value", `[{"00080060":{"vr":"CS"}}]`, TagModality, ""},
		{"wrong VR number for CS", `[{"00080060":{"vr":"CS","Value":[5]}}]`, TagModality, "5"},
		{"bool value", `[{"00080060":{"vr":"CS","Value":[true]}}]`, TagModality, ""},
		{"element not object", `[{"00080060":"CT"}]`, TagModality, ""},
		{"escapes", `[{"00081030":{"vr":"LO","Value":["a\"b\u00e9\\c\ud83d\ude00"]}}]`, TagStudyDescription, "a\"bé\\c😀"},
		{"bulk data ignored", `[{"7FE00010":{"vr":"OB","BulkDataURI":"http://x"},"00080060":{"vr":"CS","Value":["CT"]}}]`, TagModality, "CT"},
		{"inline binary ignored", `[{"00080060":{"vr":"CS","InlineBinary":"AAAA","Value":["US"]}}]`, TagModality, "US"},
		{"non-tag member ignored", `[{"comment":[1,{"a":null}],"00080060":{"vr":"CS","Value":["CT"]}}]`, TagModality, "CT"},
		{"value case-insensitive", `[{"00080060":{"vr":"CS","value":["CT"]}}]`, TagModality, "CT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := DecodeMetadata([]byte(tt.give))
			if err != nil {
				t.Fatalf("DecodeMetadata(%s) error: %v", tt.give, err)
			}
			if len(ds) != 1 {
				t.Fatalf("DecodeMetadata(%s) = %d datasets, want 1", tt.give, len(ds))
			}
			if got := ds[0].Str(tt.tag); got != tt.want {
				t.Errorf("Str(%v) = %q, want %q", tt.tag, got, tt.want)
			}
		})
	}
}

func TestDecodeMetadata_Sequence(t *testing.T) {
	ds, err := DecodeMetadata([]byte(`[{"00081032":{"vr":"SQ","Value":[{"00080100":{"vr":"SH","Value":["A"]}},{"00080100":{"vr":"SH","Value":["B"]},"00082218":{"vr":"SQ","Value":[{"00080104":{"Value":["deep"]}}]}}]}}]`))
	if err != nil {
		t.Fatal(err)
	}
	items := ds[0].Items(TagProcedureCodeSequence)
	if len(items) != 2 || items[0].Str(TagCodeValue) != "A" || items[1].Str(TagCodeValue) != "B" {
		t.Fatalf("items = %d, want A and B", len(items))
	}
	if got := items[1].Items(TagAnatomicRegionSequence)[0].Str(TagCodeMeaning); got != "deep" {
		t.Errorf("nested item meaning = %q, want deep", got)
	}
	if ds[0].Items(TagModality) != nil || (Dataset{}).Str(TagModality) != "" {
		t.Error("absent attributes must be empty")
	}
}

func TestDecodeMetadata_Errors(t *testing.T) {
	tests := []struct {
		name, give, want string
	}{
		{"empty input", ``, "not an array"},
		{"object", `{}`, "not an array"},
		{"instance not object", `[1]`, "instance 0: offset 1: expected an instance object"},
		{"bad member", `[{"00080060":{"vr":"CS","Value":["CT"]},}]`, "instance 0"},
		{"unterminated string", `[{"00080060":{"vr":"CS","Value":["CT]}}]`, "unterminated string"},
		{"trailing data", `[] x`, "unexpected data after the array"},
		{"bad number", `[{"00200011":{"Value":[-]}}]`, "malformed number"},
		{"bad literal", `[{"x":nul}]`, "invalid literal"},
		{"second instance", `[{},{"a":}]`, "instance 1"},
		{"too deep", `[{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]`, "nesting deeper"},
		{"control char", "[{\"x\":\"a\x01\"}]", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMetadata([]byte(tt.give))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeMetadata(%q) error = %v, want it to contain %q", tt.give, err, tt.want)
			}
		})
	}
	var se *SyntaxError
	_, err := DecodeMetadata([]byte(`[{},{"a":}]`))
	if !errors.As(err, &se) || se.Instance != 1 {
		t.Errorf("error %v: want *SyntaxError for instance 1", err)
	}
}

func TestDecodeMetadata_ChinlinleeSample(t *testing.T) {
	one := readCase(t, "chinlinlee-dicomjson-to-fhir", "example-dicomjson.json")
	meta := append(append([]byte("["), one...), ']')
	ds, err := DecodeMetadata(meta)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Build(ds, BuildOptions{Source: "https://example.org/v2"})
	if err != nil {
		t.Fatal(err)
	}
	is := st.ImagingStudy
	if is.NumberOfInstances != 1 || is.NumberOfSeries != 1 {
		t.Errorf("counts = %d/%d, want 1/1", is.NumberOfSeries, is.NumberOfInstances)
	}
	if is.Identifier[0].Value != "urn:oid:1.2.826.0.1.3680043.8.1055.1.20111102150758591.92402465.76095170" {
		t.Errorf("identifier = %s", is.Identifier[0].Value)
	}
	if is.Series[0].Modality.Code != "CT" || is.Description != "CT1 abdomen" {
		t.Errorf("modality %q description %q, want CT and %q", is.Series[0].Modality.Code, is.Description, "CT1 abdomen")
	}
	is.Subject = Reference{Reference: "Patient/p"}
	validateR4(t, mustJSON(t, is))
	pt, _ := NewPatient(st.Patient, PatientOptions{})
	validateR4(t, mustJSON(t, pt))
}

func TestDecodeMetadata_MatchesEncodingJSON(t *testing.T) {
	// Every kept string value equals what encoding/json decodes.
	meta := syntheticMetadata(20)
	ds, err := DecodeMetadata(meta)
	if err != nil {
		t.Fatal(err)
	}
	var ref []map[string]struct {
		Value []any
	}
	if err := json.Unmarshal(meta, &ref); err != nil {
		t.Fatal(err)
	}
	for i, m := range ref {
		for k, el := range m {
			tag, _ := parseTag([]byte(k))
			if slot(tag) < 0 || len(el.Value) == 0 {
				continue
			}
			var want string
			switch v := el.Value[0].(type) {
			case string:
				want = strings.TrimSpace(v)
			case float64:
				want = fmt.Sprint(v)
			case map[string]any:
				if a, ok := v["Alphabetic"].(string); ok {
					want = a
				} else {
					continue
				}
			}
			if got := ds[i].Str(tag); got != want {
				t.Errorf("instance %d %v = %q, want %q", i, tag, got, want)
			}
		}
	}
}
