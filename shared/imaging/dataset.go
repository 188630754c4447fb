package imaging

import "strings"

// Tag is a DICOM attribute tag, group in the high 16 bits.
type Tag uint32

// The attributes the mapping reads. Every other attribute in the DICOM JSON is
// skipped by the decoder without being materialised.
const (
	TagSOPClassUID                        Tag = 0x00080016
	TagSOPInstanceUID                     Tag = 0x00080018
	TagStudyDate                          Tag = 0x00080020
	TagSeriesDate                         Tag = 0x00080021
	TagStudyTime                          Tag = 0x00080030
	TagSeriesTime                         Tag = 0x00080031
	TagAccessionNumber                    Tag = 0x00080050
	TagIssuerOfAccessionNumberSequence    Tag = 0x00080051
	TagModality                           Tag = 0x00080060
	TagReferringPhysicianName             Tag = 0x00080090
	TagCodeValue                          Tag = 0x00080100
	TagCodingSchemeDesignator             Tag = 0x00080102
	TagCodingSchemeVersion                Tag = 0x00080103
	TagCodeMeaning                        Tag = 0x00080104
	TagCodingSchemeUID                    Tag = 0x0008010C
	TagCodingSchemeIdentificationSequence Tag = 0x00080110
	TagLongCodeValue                      Tag = 0x00080119
	TagURNCodeValue                       Tag = 0x00080120
	TagTimezoneOffsetFromUTC              Tag = 0x00080201
	TagStudyDescription                   Tag = 0x00081030
	TagProcedureCodeSequence              Tag = 0x00081032
	TagSeriesDescription                  Tag = 0x0008103E
	TagAnatomicRegionSequence             Tag = 0x00082218
	TagPatientName                        Tag = 0x00100010
	TagPatientID                          Tag = 0x00100020
	TagIssuerOfPatientID                  Tag = 0x00100021
	TagPatientBirthDate                   Tag = 0x00100030
	TagPatientSex                         Tag = 0x00100040
	TagBodyPartExamined                   Tag = 0x00180015
	TagStudyInstanceUID                   Tag = 0x0020000D
	TagSeriesInstanceUID                  Tag = 0x0020000E
	TagSeriesNumber                       Tag = 0x00200011
	TagInstanceNumber                     Tag = 0x00200013
	TagLaterality                         Tag = 0x00200060
	TagImageLaterality                    Tag = 0x00200062
	TagLocalNamespaceEntityID             Tag = 0x00400031
	TagConceptNameCodeSequence            Tag = 0x0040A043
	TagDocumentTitle                      Tag = 0x00420010
)

// slot maps a wanted tag to its index in Dataset.vals; -1 for tags the
// mapping never reads. A switch compiles to a binary search, which beats a map
// lookup for this size.
func slot(t Tag) int {
	switch t {
	case TagSOPClassUID:
		return 0
	case TagSOPInstanceUID:
		return 1
	case TagStudyDate:
		return 2
	case TagSeriesDate:
		return 3
	case TagStudyTime:
		return 4
	case TagSeriesTime:
		return 5
	case TagAccessionNumber:
		return 6
	case TagIssuerOfAccessionNumberSequence:
		return 7
	case TagModality:
		return 8
	case TagReferringPhysicianName:
		return 9
	case TagCodeValue:
		return 10
	case TagCodingSchemeDesignator:
		return 11
	case TagCodingSchemeVersion:
		return 12
	case TagCodeMeaning:
		return 13
	case TagCodingSchemeUID:
		return 14
	case TagCodingSchemeIdentificationSequence:
		return 15
	case TagLongCodeValue:
		return 16
	case TagURNCodeValue:
		return 17
	case TagTimezoneOffsetFromUTC:
		return 18
	case TagStudyDescription:
		return 19
	case TagProcedureCodeSequence:
		return 20
	case TagSeriesDescription:
		return 21
	case TagAnatomicRegionSequence:
		return 22
	case TagPatientName:
		return 23
	case TagPatientID:
		return 24
	case TagIssuerOfPatientID:
		return 25
	case TagPatientBirthDate:
		return 26
	case TagPatientSex:
		return 27
	case TagBodyPartExamined:
		return 28
	case TagStudyInstanceUID:
		return 29
	case TagSeriesInstanceUID:
		return 30
	case TagSeriesNumber:
		return 31
	case TagInstanceNumber:
		return 32
	case TagLaterality:
		return 33
	case TagImageLaterality:
		return 34
	case TagLocalNamespaceEntityID:
		return 35
	case TagConceptNameCodeSequence:
		return 36
	case TagDocumentTitle:
		return 37
	}
	return -1
}

const numSlots = 38

// value is one decoded attribute: the first element of its Value array as
// text (numbers keep their JSON spelling, PN its Alphabetic group) and, for
// sequences, every item.
type value struct {
	s     string
	items []Dataset
}

// Dataset is one decoded DICOM JSON object (an instance, or a sequence item)
// restricted to the attributes the mapping reads. The zero value is an empty
// dataset.
type Dataset struct {
	vals *[numSlots]value
}

// Str returns the attribute's first value, trimmed; "" when absent, empty or
// not a tag the decoder keeps.
func (d Dataset) Str(t Tag) string {
	i := slot(t)
	if i < 0 || d.vals == nil {
		return ""
	}
	return d.vals[i].s
}

// Items returns the items of a sequence attribute; nil when absent.
func (d Dataset) Items(t Tag) []Dataset {
	i := slot(t)
	if i < 0 || d.vals == nil {
		return nil
	}
	return d.vals[i].items
}

// Has reports whether the attribute has a non-empty first value.
func (d Dataset) Has(t Tag) bool { return d.Str(t) != "" }

// keywords names the kept tags for warnings and errors.
var keywords = map[Tag]string{
	TagSOPClassUID: "SOPClassUID", TagSOPInstanceUID: "SOPInstanceUID", TagStudyDate: "StudyDate",
	TagSeriesDate: "SeriesDate", TagStudyTime: "StudyTime", TagSeriesTime: "SeriesTime",
	TagAccessionNumber: "AccessionNumber", TagIssuerOfAccessionNumberSequence: "IssuerOfAccessionNumberSequence",
	TagModality: "Modality", TagReferringPhysicianName: "ReferringPhysicianName",
	TagTimezoneOffsetFromUTC: "TimezoneOffsetFromUTC", TagStudyDescription: "StudyDescription",
	TagProcedureCodeSequence: "ProcedureCodeSequence", TagSeriesDescription: "SeriesDescription",
	TagPatientName: "PatientName", TagPatientID: "PatientID", TagIssuerOfPatientID: "IssuerOfPatientID",
	TagPatientBirthDate: "PatientBirthDate", TagPatientSex: "PatientSex", TagBodyPartExamined: "BodyPartExamined",
	TagStudyInstanceUID: "StudyInstanceUID", TagSeriesInstanceUID: "SeriesInstanceUID",
	TagSeriesNumber: "SeriesNumber", TagInstanceNumber: "InstanceNumber", TagLaterality: "Laterality",
	TagImageLaterality: "ImageLaterality", TagDocumentTitle: "DocumentTitle",
	TagAnatomicRegionSequence: "AnatomicRegionSequence", TagConceptNameCodeSequence: "ConceptNameCodeSequence",
}

// String formats the tag as (gggg,eeee) followed by its keyword when known.
func (t Tag) String() string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteByte('(')
	for i := 7; i >= 0; i-- {
		b.WriteByte(hex[(t>>(uint(i)*4))&0xF])
		if i == 4 {
			b.WriteByte(',')
		}
	}
	b.WriteByte(')')
	if k, ok := keywords[t]; ok {
		b.WriteByte(' ')
		b.WriteString(k)
	}
	return b.String()
}
