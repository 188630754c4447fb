package imaging

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// syntheticMetadata returns a WADO-RS study metadata answer of n instances
// in 10 series, shaped like Orthanc's (compact): about 45 attributes per
// instance, PN objects, IS/US numbers, a sequence and a BulkDataURI.
func syntheticMetadata(n int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	el := func(tag, vr, val string) { fmt.Fprintf(&b, `"%s":{"vr":"%s","Value":[%s]},`, tag, vr, val) }
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		se := i % 10
		b.WriteByte('{')
		el("00080005", "CS", `"ISO_IR 100"`)
		el("00080008", "CS", `"ORIGINAL","PRIMARY","AXIAL"`)
		el("00080016", "UI", `"1.2.840.10008.5.1.4.1.1.2"`)
		el("00080018", "UI", fmt.Sprintf(`"1.2.826.0.1.3680043.8.498.77.%d.%d"`, se+1, i+1))
		el("00080020", "DA", `"20240115"`)
		el("00080021", "DA", `"20240115"`)
		el("00080022", "DA", `"20240115"`)
		el("00080030", "TM", `"101530"`)
		el("00080031", "TM", `"102000.123"`)
		el("00080032", "TM", `"102001.456"`)
		el("00080050", "SH", `"ACC-0001"`)
		el("00080060", "CS", `"CT"`)
		el("00080070", "LO", `"Example Medical Systems"`)
		el("00080090", "PN", `{"Alphabetic":"Referrer^Rita"}`)
		el("00080201", "SH", `"+0100"`)
		el("00081030", "LO", `"CT chest with contrast"`)
		el("0008103E", "LO", fmt.Sprintf(`"Series %d"`, se+1))
		el("00081090", "LO", `"Scanner 3000"`)
		el("00081032", "SQ", `{"00080100":{"vr":"SH","Value":["CTCHEST"]},"00080102":{"vr":"SH","Value":["99LOCAL"]},"00080104":{"vr":"LO","Value":["CT Chest"]}}`)
		el("00100010", "PN", `{"Alphabetic":"Doe^Jane^Q^Dr.^PhD"}`)
		el("00100020", "LO", `"PID-123"`)
		el("00100021", "LO", `"HOSP-A"`)
		el("00100030", "DA", `"19800229"`)
		el("00100040", "CS", `"F"`)
		el("00180015", "CS", `"CHEST"`)
		el("00180050", "DS", `1.25`)
		el("00180060", "DS", `120`)
		el("00181030", "LO", `"Chest routine"`)
		el("00185100", "CS", `"HFS"`)
		el("0020000D", "UI", `"1.2.826.0.1.3680043.8.498.77"`)
		el("0020000E", "UI", fmt.Sprintf(`"1.2.826.0.1.3680043.8.498.77.%d"`, se+1))
		el("00200010", "SH", `"STUDY1"`)
		el("00200011", "IS", fmt.Sprint(se+1))
		el("00200013", "IS", fmt.Sprint(i/10+1))
		el("00200032", "DS", `-175.5,-180.25,`+fmt.Sprint(-i))
		el("00200037", "DS", `1,0,0,0,1,0`)
		el("00200052", "UI", `"1.2.826.0.1.3680043.8.498.77.9"`)
		el("00201041", "DS", fmt.Sprint(-i))
		el("00280002", "US", `1`)
		el("00280004", "CS", `"MONOCHROME2"`)
		el("00280010", "US", `512`)
		el("00280011", "US", `512`)
		el("00280030", "DS", `0.7,0.7`)
		el("00280100", "US", `16`)
		el("00280101", "US", `12`)
		el("00281050", "DS", `40`)
		el("00281051", "DS", `400`)
		fmt.Fprintf(&b, `"7FE00010":{"vr":"OW","BulkDataURI":"http://127.0.0.1:8042/dicom-web/studies/1.2.826.0.1.3680043.8.498.77/series/1.2.826.0.1.3680043.8.498.77.%d/instances/1.2.826.0.1.3680043.8.498.77.%d.%d/bulk/7fe00010"}`, se+1, se+1, i+1)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return []byte(b.String())
}

func TestSyntheticMetadata_Builds(t *testing.T) {
	meta := syntheticMetadata(1000)
	ds, err := DecodeMetadata(meta)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Build(ds, BuildOptions{Source: tinySource})
	if err != nil {
		t.Fatal(err)
	}
	if st.ImagingStudy.NumberOfInstances != 1000 || st.ImagingStudy.NumberOfSeries != 10 || len(st.Warnings) != 0 {
		t.Fatalf("counts %d/%d, warnings %v", st.ImagingStudy.NumberOfSeries, st.ImagingStudy.NumberOfInstances, st.Warnings)
	}
	st.ImagingStudy.Subject = Reference{Reference: "Patient/p"}
	validateR4(t, mustJSON(t, st.ImagingStudy))
}

// BenchmarkBuildImagingStudy1000 decodes a 1,000-instance study metadata
// array and builds the ImagingStudy JSON.
func BenchmarkBuildImagingStudy1000(b *testing.B) {
	meta := syntheticMetadata(1000)
	b.SetBytes(int64(len(meta)))
	b.ReportAllocs()
	for b.Loop() {
		ds, err := DecodeMetadata(meta)
		if err != nil {
			b.Fatal(err)
		}
		st, err := Build(ds, BuildOptions{Source: tinySource})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(&st.ImagingStudy); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMetadata1000 is the floor: encoding/json decoding the same
// bytes into any.
func BenchmarkDecodeMetadata1000(b *testing.B) {
	meta := syntheticMetadata(1000)
	b.SetBytes(int64(len(meta)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(meta, &v); err != nil {
			b.Fatal(err)
		}
	}
}
