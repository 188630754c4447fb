// Package synth writes small synthetic DICOM Part 10 instances (no pixel
// data) for tests and for loading demonstration studies into a local DICOM
// service. The values are fictitious; nothing here is patient data.
package synth

import (
	"bytes"
	"fmt"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// SOP classes used by the generator.
const (
	CTImageStorage            = "1.2.840.10008.5.1.4.1.1.2"
	MRImageStorage            = "1.2.840.10008.5.1.4.1.1.4"
	SecondaryCaptureStorage   = "1.2.840.10008.5.1.4.1.1.7"
	explicitVRLittleEndianUID = "1.2.840.10008.1.2.1"
)

// Instance describes one synthetic instance. Empty strings and negative
// numbers leave the attribute out.
type Instance struct {
	StudyUID, SeriesUID, SOPUID, SOPClassUID string
	PatientID, PatientName, PatientSex       string
	PatientBirthDate                         string
	AccessionNumber, StudyDescription        string
	StudyDate, StudyTime                     string
	Modality, SeriesDescription, BodyPart    string
	SeriesNumber, InstanceNumber             int
}

// Bytes encodes the instance as a DICOM Part 10 file (explicit VR little
// endian).
func (in Instance) Bytes() ([]byte, error) {
	var els []*dicom.Element
	add := func(t tag.Tag, v any) error {
		e, err := dicom.NewElement(t, v)
		if err != nil {
			return fmt.Errorf("synth: element %v: %w", t, err)
		}
		els = append(els, e)
		return nil
	}
	str := func(t tag.Tag, v string) error {
		if v == "" {
			return nil
		}
		return add(t, []string{v})
	}
	num := func(t tag.Tag, n int) error {
		if n < 0 {
			return nil
		}
		return add(t, []string{fmt.Sprint(n)})
	}
	cls := in.SOPClassUID
	if cls == "" {
		cls = SecondaryCaptureStorage
	}
	steps := []error{
		add(tag.MediaStorageSOPClassUID, []string{cls}),
		add(tag.MediaStorageSOPInstanceUID, []string{in.SOPUID}),
		add(tag.TransferSyntaxUID, []string{explicitVRLittleEndianUID}),
		add(tag.SpecificCharacterSet, []string{"ISO_IR 100"}),
		add(tag.SOPClassUID, []string{cls}),
		add(tag.SOPInstanceUID, []string{in.SOPUID}),
		str(tag.StudyDate, in.StudyDate),
		str(tag.StudyTime, in.StudyTime),
		str(tag.AccessionNumber, in.AccessionNumber),
		str(tag.Modality, in.Modality),
		str(tag.StudyDescription, in.StudyDescription),
		str(tag.SeriesDescription, in.SeriesDescription),
		str(tag.PatientName, in.PatientName),
		str(tag.PatientID, in.PatientID),
		str(tag.PatientBirthDate, in.PatientBirthDate),
		str(tag.PatientSex, in.PatientSex),
		str(tag.BodyPartExamined, in.BodyPart),
		add(tag.StudyInstanceUID, []string{in.StudyUID}),
		add(tag.SeriesInstanceUID, []string{in.SeriesUID}),
		num(tag.SeriesNumber, in.SeriesNumber),
		num(tag.InstanceNumber, in.InstanceNumber),
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := dicom.Write(&buf, dicom.Dataset{Elements: els}); err != nil {
		return nil, fmt.Errorf("synth: write %s: %w", in.SOPUID, err)
	}
	return buf.Bytes(), nil
}

// SeriesSpec describes one series of a synthetic study.
type SeriesSpec struct {
	Modality, Description, BodyPart string
	Instances                       int
}

// Study returns the instances of a synthetic study with UIDs derived from
// studyUID: series k (from 1) is studyUID.k, its instance j is
// studyUID.k.j. Patient and study attributes repeat in every instance.
func Study(studyUID, patientID string, series ...SeriesSpec) []Instance {
	var out []Instance
	for k, s := range series {
		seUID := fmt.Sprintf("%s.%d", studyUID, k+1)
		for j := range s.Instances {
			cls := SecondaryCaptureStorage
			switch s.Modality {
			case "CT":
				cls = CTImageStorage
			case "MR":
				cls = MRImageStorage
			}
			out = append(out, Instance{
				StudyUID: studyUID, SeriesUID: seUID, SOPUID: fmt.Sprintf("%s.%d", seUID, j+1), SOPClassUID: cls,
				PatientID: patientID, PatientName: "Synthetic^Patient", PatientSex: "O", PatientBirthDate: "19700101",
				AccessionNumber: "SYN-" + patientID, StudyDescription: "Synthetic study",
				StudyDate: "20240102", StudyTime: "030405",
				Modality: s.Modality, SeriesDescription: s.Description, BodyPart: s.BodyPart,
				SeriesNumber: k + 1, InstanceNumber: j + 1,
			})
		}
	}
	return out
}

// CTStudy is a multi-series CT study: series CT chest series with perSeries
// instances each.
func CTStudy(studyUID, patientID string, series, perSeries int) []Instance {
	specs := make([]SeriesSpec, series)
	for i := range specs {
		specs[i] = SeriesSpec{Modality: "CT", Description: fmt.Sprintf("Axial %d", i+1), BodyPart: "CHEST", Instances: perSeries}
	}
	return Study(studyUID, patientID, specs...)
}

// Files encodes every instance.
func Files(instances []Instance) ([][]byte, error) {
	out := make([][]byte, len(instances))
	for i, in := range instances {
		b, err := in.Bytes()
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
