package imaging

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ahds-events/ahds/shared/event"
)

// uidRE is the syntax every UID must have (P3): digits and dots, no empty
// component, at most 64 characters (checked separately).
var uidRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// ValidUID reports whether s is a syntactically valid DICOM UID.
func ValidUID(s string) bool { return len(s) <= 64 && s != "" && uidRE.MatchString(s) }

// Warning is a non-fatal finding of the mapping. It never holds attribute
// values, so it is safe to log (no PHI).
type Warning struct {
	// Code is a stable kebab-case reason such as "inconsistent-attribute".
	Code string
	// Tag is the attribute concerned; 0 when none.
	Tag Tag
	// Instance is the index of the instance in the metadata array; -1 when
	// the warning is not about one instance.
	Instance int
	// Detail is a short explanation.
	Detail string
}

// String formats the warning as code: tag: instance n: detail.
func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.Code)
	if w.Tag != 0 {
		b.WriteString(": ")
		b.WriteString(w.Tag.String())
	}
	if w.Instance >= 0 {
		fmt.Fprintf(&b, ": instance %d", w.Instance)
	}
	if w.Detail != "" {
		b.WriteString(": ")
		b.WriteString(w.Detail)
	}
	return b.String()
}

// MappingError is a permanent mapping failure with a stable code
// ("no-valid-instance", "missing-patient-id", "multiple-studies").
type MappingError struct {
	Code string
	Msg  string
}

// Error returns "code: message".
func (e *MappingError) Error() string { return e.Code + ": " + e.Msg }

// BuildOptions control Build.
type BuildOptions struct {
	// StudyUID is the study being rebuilt; instances of other studies are
	// skipped with a warning. Empty: the study of the first instance with a
	// valid StudyInstanceUID.
	StudyUID string
	// RejectOtherStudies makes instances of a second study an error
	// (multiple-studies) instead of a warning (the preview CLI).
	RejectOtherStudies bool
	// Source is the DICOMweb base URL, written to meta.source.
	Source string
}

// Accession is the study's AccessionNumber with its issuer (the
// LocalNamespaceEntityID of IssuerOfAccessionNumberSequence), if any.
type Accession struct {
	System, Value string
}

// PatientInfo holds the patient-level attributes of the study's first
// instance (PHI: never log it).
type PatientInfo struct {
	ID, Issuer, Name, Sex, BirthDate string
}

// Study is the result of Build: the owned ImagingStudy elements (subject,
// endpoint and basedOn still to be filled by the caller) and the inputs of the
// Patient and basedOn lookups.
type Study struct {
	UID          string
	ImagingStudy ImagingStudy
	Accession    Accession
	Patient      PatientInfo
	Warnings     []Warning
}

type instRef struct {
	d     Dataset
	idx   int
	uid   string
	num   int // -1 when absent or invalid
	seUID string
}

type seriesAcc struct {
	uid   string
	num   int
	insts []instRef
}

// Build maps decoded study metadata to the owned part of an ImagingStudy
// (P4). The result is deterministic: identical input gives identical output
// whatever the order of the instances. Errors are permanent (event.Permanent
// wrapping *MappingError).
func Build(instances []Dataset, opts BuildOptions) (*Study, error) {
	st := &Study{UID: opts.StudyUID}
	warn := func(code string, t Tag, i int, detail string) {
		st.Warnings = append(st.Warnings, Warning{Code: code, Tag: t, Instance: i, Detail: detail})
	}
	seen := make(map[string]struct{}, len(instances))
	series := make(map[string]*seriesAcc)
	for i, d := range instances {
		study := d.Str(TagStudyInstanceUID)
		if !ValidUID(study) {
			warn("invalid-uid", TagStudyInstanceUID, i, "missing or invalid, instance skipped")
			continue
		}
		if st.UID == "" {
			st.UID = study
		}
		if study != st.UID {
			if opts.RejectOtherStudies {
				return nil, event.Permanent(&MappingError{Code: "multiple-studies",
					Msg: fmt.Sprintf("instance %d belongs to study %s, instance 0 to %s", i, study, st.UID)})
			}
			warn("other-study", TagStudyInstanceUID, i, "instance of another study skipped")
			continue
		}
		se, sop := d.Str(TagSeriesInstanceUID), d.Str(TagSOPInstanceUID)
		if !ValidUID(se) {
			warn("invalid-uid", TagSeriesInstanceUID, i, "missing or invalid, instance skipped")
			continue
		}
		if !ValidUID(sop) {
			warn("invalid-uid", TagSOPInstanceUID, i, "missing or invalid, instance skipped")
			continue
		}
		if cls := d.Str(TagSOPClassUID); !ValidUID(cls) {
			warn("invalid-uid", TagSOPClassUID, i, "missing or invalid, instance skipped")
			continue
		}
		if _, dup := seen[sop]; dup {
			warn("duplicate-instance", TagSOPInstanceUID, i, "repeated SOPInstanceUID skipped")
			continue
		}
		seen[sop] = struct{}{}
		s := series[se]
		if s == nil {
			s = &seriesAcc{uid: se, num: -1}
			series[se] = s
		}
		n, ok := number(d.Str(TagInstanceNumber))
		if !ok && d.Has(TagInstanceNumber) {
			warn("invalid-number", TagInstanceNumber, i, "not an integer ≥ 0, omitted")
		}
		s.insts = append(s.insts, instRef{d: d, idx: i, uid: sop, num: n, seUID: se})
	}
	if len(series) == 0 {
		msg := fmt.Sprintf("none of the %d instance(s) has a valid StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID and SOPClassUID", len(instances))
		for i, w := range st.Warnings {
			if i == 3 {
				msg += "; …"
				break
			}
			msg += fmt.Sprintf("; instance %d: %s %s", w.Instance, w.Tag, w.Detail)
		}
		return nil, event.Permanent(&MappingError{Code: "no-valid-instance", Msg: msg})
	}
	ordered := make([]*seriesAcc, 0, len(series))
	for _, s := range series {
		slices.SortFunc(s.insts, func(a, b instRef) int { return compareKey(a.num, a.uid, b.num, b.uid) })
		first := s.insts[0]
		n, ok := number(first.d.Str(TagSeriesNumber))
		if !ok && first.d.Has(TagSeriesNumber) {
			warn("invalid-number", TagSeriesNumber, first.idx, "not an integer ≥ 0, omitted")
		}
		s.num = n
		ordered = append(ordered, s)
	}
	slices.SortFunc(ordered, func(a, b *seriesAcc) int { return compareKey(a.num, a.uid, b.num, b.uid) })
	first := ordered[0].insts[0].d
	st.checkConsistency(ordered)
	if err := st.fill(first, ordered, opts, warn); err != nil {
		return nil, err
	}
	return st, nil
}

// fill writes the study-, patient- and series-level elements.
func (st *Study) fill(first Dataset, ordered []*seriesAcc, opts BuildOptions, warn func(string, Tag, int, string)) error {
	firstIdx := ordered[0].insts[0].idx
	st.Patient = PatientInfo{
		ID: first.Str(TagPatientID), Issuer: first.Str(TagIssuerOfPatientID), Name: first.Str(TagPatientName),
		Sex: first.Str(TagPatientSex), BirthDate: first.Str(TagPatientBirthDate),
	}
	if st.Patient.ID == "" {
		return event.Permanent(&MappingError{Code: "missing-patient-id",
			Msg: fmt.Sprintf("instance %d (first in output order) has no %s", firstIdx, TagPatientID)})
	}
	schemes := first.Items(TagCodingSchemeIdentificationSequence)
	is := &st.ImagingStudy
	is.ResourceType = "ImagingStudy"
	if opts.Source != "" {
		is.Meta = &Meta{Source: opts.Source}
	}
	is.Identifier = []Identifier{{System: SystemDICOMUID, Value: "urn:oid:" + st.UID}}
	if acc := first.Str(TagAccessionNumber); acc != "" {
		st.Accession.Value = acc
		if items := first.Items(TagIssuerOfAccessionNumberSequence); len(items) > 0 {
			st.Accession.System = items[0].Str(TagLocalNamespaceEntityID)
			if !validURI(st.Accession.System) {
				warn("invalid-issuer", TagIssuerOfAccessionNumberSequence, firstIdx, "LocalNamespaceEntityID is not a URI, accession without system")
				st.Accession.System = ""
			}
		}
		is.Identifier = append(is.Identifier, Identifier{
			Type:   &CodeableConcept{Coding: []Coding{{System: SystemV2_0203, Code: "ACSN"}}},
			System: st.Accession.System, Value: acc,
		})
	}
	is.Status = "available"
	offset := first.Str(TagTimezoneOffsetFromUTC)
	is.Started = dateTime(first.Str(TagStudyDate), first.Str(TagStudyTime), offset, func(code, detail string) {
		warn(code, TagStudyDate, firstIdx, "study "+detail)
	})
	if ref := first.Str(TagReferringPhysicianName); ref != "" {
		if disp := personDisplay(ref); disp != "" {
			is.Referrer = &Reference{Display: disp}
		}
	}
	for _, it := range first.Items(TagProcedureCodeSequence) {
		if c, ok := codedItem(it, schemes); ok {
			is.ProcedureCode = append(is.ProcedureCode, CodeableConcept{Coding: []Coding{c}})
		}
	}
	is.Description = first.Str(TagStudyDescription)
	modalities := map[string]struct{}{}
	is.Series = make([]Series, len(ordered))
	for k, s := range ordered {
		se := &is.Series[k]
		sf := s.insts[0]
		se.UID = s.uid
		if s.num >= 0 {
			se.Number = intPtr(s.num)
		}
		m := sf.d.Str(TagModality)
		if m == "" {
			warn("missing-modality", TagModality, sf.idx, "series modality set to OT")
			m = "OT"
		}
		modalities[m] = struct{}{}
		se.Modality = modalityCoding(m)
		se.Description = sf.d.Str(TagSeriesDescription)
		se.NumberOfInstances = len(s.insts)
		se.BodySite = bodySite(sf.d, schemes)
		se.Laterality = seriesLaterality(s)
		se.Started = dateTime(sf.d.Str(TagSeriesDate), sf.d.Str(TagSeriesTime), offset, func(code, detail string) {
			warn(code, TagSeriesDate, sf.idx, "series "+detail)
		})
		se.Instance = make([]Instance, len(s.insts))
		for j, in := range s.insts {
			inst := &se.Instance[j]
			inst.UID = in.uid
			inst.SOPClass = Coding{System: SystemRFC3986, Code: "urn:oid:" + in.d.Str(TagSOPClassUID)}
			if in.num >= 0 {
				inst.Number = intPtr(in.num)
			}
			inst.Title = in.d.Str(TagDocumentTitle)
			if inst.Title == "" {
				if items := in.d.Items(TagConceptNameCodeSequence); len(items) > 0 {
					inst.Title = items[0].Str(TagCodeMeaning)
				}
			}
		}
		is.NumberOfInstances += len(s.insts)
	}
	is.NumberOfSeries = len(ordered)
	codes := make([]string, 0, len(modalities))
	for m := range modalities {
		codes = append(codes, m)
	}
	slices.Sort(codes)
	for _, m := range codes {
		is.Modality = append(is.Modality, modalityCoding(m))
	}
	return nil
}

func seriesLaterality(s *seriesAcc) *Coding {
	if l := s.insts[0].d.Str(TagLaterality); l != "" {
		return lateralityCoding(l)
	}
	for _, in := range s.insts {
		if l := in.d.Str(TagImageLaterality); l != "" {
			return lateralityCoding(l)
		}
	}
	return nil
}

// studyLevel are the attributes taken from the first instance; a different
// value in another instance is warned about as inconsistent-attribute.
var studyLevel = []Tag{
	TagStudyDate, TagStudyTime, TagTimezoneOffsetFromUTC, TagAccessionNumber, TagReferringPhysicianName,
	TagStudyDescription, TagPatientID, TagIssuerOfPatientID, TagPatientName, TagPatientBirthDate, TagPatientSex,
}

func (st *Study) checkConsistency(ordered []*seriesAcc) {
	first := ordered[0].insts[0].d
	warned := make(map[Tag]bool)
	for _, s := range ordered {
		for _, in := range s.insts {
			for _, t := range studyLevel {
				if !warned[t] && in.d.Str(t) != first.Str(t) {
					warned[t] = true
					st.Warnings = append(st.Warnings, Warning{Code: "inconsistent-attribute", Tag: t, Instance: in.idx,
						Detail: "differs from the first instance, first instance's value used"})
				}
			}
		}
	}
}

// number parses an IS value as an integer in [0, 2^31-1]; -1, false when
// absent or invalid.
func number(s string) (int, bool) {
	if s == "" {
		return -1, false
	}
	s = strings.TrimPrefix(s, "+")
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		// IS written as a JSON number such as 1.0 or 1e0.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) || f < 0 || f > 1<<31-1 {
			return -1, false
		}
		n = int64(f)
	}
	if n < 0 {
		return -1, false
	}
	return int(n), true
}

func intPtr(n int) *int { return &n }

// compareKey orders by number ascending (absent last), then by UID.
func compareKey(an int, au string, bn int, bu string) int {
	switch {
	case an >= 0 && bn < 0:
		return -1
	case an < 0 && bn >= 0:
		return 1
	case an != bn:
		if an < bn {
			return -1
		}
		return 1
	}
	return CompareUID(au, bu)
}

// CompareUID compares UIDs component-wise as integers (1.2.9 < 1.2.10).
func CompareUID(a, b string) int {
	oa, ob := a, b
	for a != "" || b != "" {
		var ca, cb string
		ca, a, _ = strings.Cut(a, ".")
		cb, b, _ = strings.Cut(b, ".")
		ca, cb = strings.TrimLeft(ca, "0"), strings.TrimLeft(cb, "0")
		if len(ca) != len(cb) {
			if len(ca) < len(cb) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(ca, cb); c != 0 {
			return c
		}
	}
	return strings.Compare(oa, ob)
}

// DeadLetterDetail gives the dead-letter record the failure code.
func (e *MappingError) DeadLetterDetail() map[string]string {
	return map[string]string{"reason": e.Code}
}
