package synth

import (
	"bytes"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

func TestStudy_RoundTrip(t *testing.T) {
	ins := CTStudy("1.2.826.0.1.3680043.8.498.5", "SYN1", 2, 3)
	if len(ins) != 6 || ins[4].SOPUID != "1.2.826.0.1.3680043.8.498.5.2.2" || ins[4].SeriesNumber != 2 {
		t.Fatalf("CTStudy = %d instances, [4] = %+v", len(ins), ins[4])
	}
	files, err := Files(ins)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dicom.Parse(bytes.NewReader(files[4]), int64(len(files[4])), nil)
	if err != nil {
		t.Fatalf("parse written instance: %v", err)
	}
	for tg, want := range map[tag.Tag]string{
		tag.SOPInstanceUID: "1.2.826.0.1.3680043.8.498.5.2.2", tag.StudyInstanceUID: "1.2.826.0.1.3680043.8.498.5",
		tag.PatientID: "SYN1", tag.Modality: "CT", tag.InstanceNumber: "2", tag.SOPClassUID: CTImageStorage,
	} {
		e, err := ds.FindElementByTag(tg)
		if err != nil {
			t.Errorf("%v missing: %v", tg, err)
			continue
		}
		if got := dicom.MustGetStrings(e.Value); len(got) != 1 || got[0] != want {
			t.Errorf("%v = %v, want %s", tg, got, want)
		}
	}
}
