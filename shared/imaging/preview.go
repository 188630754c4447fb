package imaging

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ahds-events/ahds/shared/event"
)

// PreviewOptions control Preview.
type PreviewOptions struct {
	// Address is the DICOMweb base URL (Endpoint.address, meta.source).
	Address string
	Patient PatientOptions
}

type bundleEntry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

type bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Entry        []bundleEntry `json:"entry"`
}

// Preview maps WADO-RS study metadata to the collection Bundle of P9:
// ImagingStudy, Patient and Endpoint with urn:uuid references (UUID v5 of
// each resource's conditional query), no ids, 2-space indented, with a
// trailing newline. It makes no network request. Errors are permanent.
func Preview(metadata []byte, o PreviewOptions) ([]byte, []Warning, error) {
	ds, err := DecodeMetadata(metadata)
	if err != nil {
		return nil, nil, event.Permanent(err)
	}
	if len(ds) == 0 {
		return nil, nil, event.Permanent(&MappingError{Code: "no-valid-instance", Msg: "the metadata array is empty"})
	}
	st, err := Build(ds, BuildOptions{RejectOtherStudies: true, Source: o.Address})
	if err != nil {
		return nil, nil, err
	}
	pt, pwarn := NewPatient(st.Patient, o.Patient)
	ep := NewEndpoint(o.Address)
	studyURL := "urn:uuid:" + UUIDv5("ImagingStudy?identifier="+StudyIdentifier(st.UID).TokenQuery())
	patientURL := "urn:uuid:" + UUIDv5("Patient?identifier="+pt.Identifier[0].TokenQuery())
	endpointURL := "urn:uuid:" + UUIDv5("Endpoint?identifier="+EndpointIdentifier(o.Address).TokenQuery())
	is := st.ImagingStudy
	is.Subject = Reference{Reference: patientURL}
	is.Endpoint = []Reference{{Reference: endpointURL}}
	b := bundle{ResourceType: "Bundle", Type: "collection", Entry: []bundleEntry{
		{FullURL: studyURL, Resource: is},
		{FullURL: patientURL, Resource: pt},
		{FullURL: endpointURL, Resource: ep},
	}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return nil, nil, fmt.Errorf("encode bundle: %w", err)
	}
	return buf.Bytes(), append(st.Warnings, pwarn...), nil
}
