package imaging

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// PatientOptions select the Patient identifier system (P5).
type PatientOptions struct {
	// System is DICOM_PATIENT_ID_SYSTEM; empty means no system.
	System string
	// UseIssuer takes IssuerOfPatientID as the system when present (and
	// usable as a URI: without whitespace).
	UseIssuer bool
}

// PatientIdentifier returns the Patient identifier (P5.1).
func PatientIdentifier(p PatientInfo, o PatientOptions) Identifier {
	sys := o.System
	if o.UseIssuer && p.Issuer != "" && validURI(p.Issuer) {
		sys = p.Issuer
	}
	return Identifier{System: sys, Value: p.ID}
}

// TokenQuery returns the identifier search value "system|value" (with an
// empty system: "|value", which matches identifiers without a system).
func (id Identifier) TokenQuery() string { return id.System + "|" + id.Value }

// NewPatient builds the Patient created for a study (P5.3). Warnings never
// hold values.
func NewPatient(p PatientInfo, o PatientOptions) (Patient, []Warning) {
	pt := Patient{ResourceType: "Patient", Identifier: []Identifier{PatientIdentifier(p, o)}}
	var warns []Warning
	if n, ok := humanName(p.Name); ok {
		pt.Name = []HumanName{n}
	}
	pt.Gender = gender(p.Sex)
	if p.BirthDate != "" {
		if d, ok := fhirDate(p.BirthDate); ok {
			pt.BirthDate = d
		} else {
			warns = append(warns, Warning{Code: "invalid-date", Tag: TagPatientBirthDate, Instance: -1, Detail: "birthDate omitted"})
		}
	}
	return pt, warns
}

func gender(sex string) string {
	switch strings.ToUpper(sex) {
	case "M":
		return "male"
	case "F":
		return "female"
	case "O":
		return "other"
	}
	return "unknown"
}

// humanName maps PN family^given^middle^prefix^suffix.
func humanName(pn string) (HumanName, bool) {
	c := pnComponents(pn)
	n := HumanName{
		Family: c[0],
		Given:  append(strings.Fields(c[1]), strings.Fields(c[2])...),
		Prefix: strings.Fields(c[3]),
		Suffix: strings.Fields(c[4]),
	}
	if len(n.Given) == 0 {
		n.Given = nil
	}
	if len(n.Prefix) == 0 {
		n.Prefix = nil
	}
	if len(n.Suffix) == 0 {
		n.Suffix = nil
	}
	ok := n.Family != "" || n.Given != nil || n.Prefix != nil || n.Suffix != nil
	return n, ok
}

// NewEndpoint builds the Endpoint for a DICOMweb base URL (P6.3).
func NewEndpoint(address string) Endpoint {
	return Endpoint{
		ResourceType:    "Endpoint",
		Identifier:      []Identifier{EndpointIdentifier(address)},
		Status:          "active",
		ConnectionType:  Coding{System: SystemEndpointConnectionType, Code: "dicom-wado-rs"},
		Name:            "DICOM WADO-RS endpoint " + address,
		PayloadType:     []CodeableConcept{{Text: "DICOM WADO-RS"}},
		PayloadMimeType: []string{"application/dicom"},
		Address:         address,
	}
}

// EndpointIdentifier is the Endpoint's identifier for an address.
func EndpointIdentifier(address string) Identifier {
	return Identifier{System: SystemRFC3986, Value: address}
}

// StudyIdentifier is the ImagingStudy identifier for a study UID.
func StudyIdentifier(uid string) Identifier {
	return Identifier{System: SystemDICOMUID, Value: "urn:oid:" + uid}
}

// namespaceURL is the RFC 4122 URL namespace.
var namespaceURL = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// UUIDv5 returns the RFC 4122 version 5 UUID of name in the URL namespace.
func UUIDv5(name string) string {
	h := sha1.New()
	h.Write(namespaceURL[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
