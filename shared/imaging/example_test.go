package imaging_test

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/imaging"
)

func ExamplePreview() {
	meta := []byte(`[{"0020000D":{"vr":"UI","Value":["1.2.3"]},"0020000E":{"vr":"UI","Value":["1.2.3.1"]},
	  "00080018":{"vr":"UI","Value":["1.2.3.1.1"]},"00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]},
	  "00080060":{"vr":"CS","Value":["OT"]},"00100020":{"vr":"LO","Value":["P1"]},"00100040":{"vr":"CS","Value":["F"]}}]`)
	out, warnings, err := imaging.Preview(meta, imaging.PreviewOptions{Address: "http://127.0.0.1:8042/dicom-web"})
	fmt.Println(len(out) > 0, len(warnings), err)
	// Output: true 0 <nil>
}

func ExampleDecodeMetadata() {
	ds, err := imaging.DecodeMetadata([]byte(`[{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^Jane"}]},"00200013":{"vr":"IS","Value":[7]}}]`))
	fmt.Println(len(ds), ds[0].Str(imaging.TagPatientName), ds[0].Str(imaging.TagInstanceNumber), err)
	// Output: 1 Doe^Jane 7 <nil>
}

func ExampleUUIDv5() {
	fmt.Println(imaging.UUIDv5("Patient?identifier=|PID-123"))
	// Output: 968e0b41-6a39-5609-b9a3-954c94c3bc3f
}

func ExampleCompareUID() {
	fmt.Println(imaging.CompareUID("1.2.9", "1.2.10"))
	// Output: -1
}

func ExampleConfig_BaseURL() {
	cfg, _ := imaging.LoadConfig(func(k string) string {
		return map[string]string{"DICOM_SERVICE_URL": "https://ws-dicom.dicom.azurehealthcareapis.com", "DICOM_PARTITIONS_ENABLED": "true"}[k]
	})
	fmt.Println(cfg.BaseURL("site-a"))
	// Output: https://ws-dicom.dicom.azurehealthcareapis.com/v2/partitions/site-a
}
