package imaging

// The FHIR R4 data types the mapping writes. Struct fields are declared in
// R4 element order so encoding/json writes members in that order.

// Coding is an R4 Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is an R4 CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is an R4 Identifier.
type Identifier struct {
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// Reference is an R4 Reference.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Meta is the part of R4 Meta the mapping owns.
type Meta struct {
	Source string `json:"source,omitempty"`
}

// ImagingStudy holds the elements of an R4 ImagingStudy the handler owns
// (P4), in element order.
type ImagingStudy struct {
	ResourceType      string            `json:"resourceType"`
	Meta              *Meta             `json:"meta,omitempty"`
	Identifier        []Identifier      `json:"identifier"`
	Status            string            `json:"status"`
	Modality          []Coding          `json:"modality,omitempty"`
	Subject           Reference         `json:"subject"`
	Started           string            `json:"started,omitempty"`
	BasedOn           []Reference       `json:"basedOn,omitempty"`
	Referrer          *Reference        `json:"referrer,omitempty"`
	Endpoint          []Reference       `json:"endpoint,omitempty"`
	NumberOfSeries    int               `json:"numberOfSeries"`
	NumberOfInstances int               `json:"numberOfInstances"`
	ProcedureCode     []CodeableConcept `json:"procedureCode,omitempty"`
	Description       string            `json:"description,omitempty"`
	Series            []Series          `json:"series,omitempty"`
}

// Series is ImagingStudy.series.
type Series struct {
	UID               string     `json:"uid"`
	Number            *int       `json:"number,omitempty"`
	Modality          Coding     `json:"modality"`
	Description       string     `json:"description,omitempty"`
	NumberOfInstances int        `json:"numberOfInstances"`
	BodySite          *Coding    `json:"bodySite,omitempty"`
	Laterality        *Coding    `json:"laterality,omitempty"`
	Started           string     `json:"started,omitempty"`
	Instance          []Instance `json:"instance"`
}

// Instance is ImagingStudy.series.instance.
type Instance struct {
	UID      string `json:"uid"`
	SOPClass Coding `json:"sopClass"`
	Number   *int   `json:"number,omitempty"`
	Title    string `json:"title,omitempty"`
}

// HumanName is an R4 HumanName.
type HumanName struct {
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
}

// Patient holds the elements of an R4 Patient the mapping writes (P5).
type Patient struct {
	ResourceType string       `json:"resourceType"`
	Identifier   []Identifier `json:"identifier"`
	Name         []HumanName  `json:"name,omitempty"`
	Gender       string       `json:"gender,omitempty"`
	BirthDate    string       `json:"birthDate,omitempty"`
}

// Endpoint is the R4 Endpoint the mapping creates (P6).
type Endpoint struct {
	ResourceType    string            `json:"resourceType"`
	Identifier      []Identifier      `json:"identifier"`
	Status          string            `json:"status"`
	ConnectionType  Coding            `json:"connectionType"`
	Name            string            `json:"name"`
	PayloadType     []CodeableConcept `json:"payloadType"`
	PayloadMimeType []string          `json:"payloadMimeType"`
	Address         string            `json:"address"`
}
