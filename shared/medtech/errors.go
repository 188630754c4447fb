package medtech

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Processing stages named in errors and dead-letter records.
const (
	StageNormalization = "normalization"
	StageMapping       = "mapping"
	StageWrite         = "write"
)

// MedTech exception names (medtech.md §17); dashboards built on the managed
// service's AHDSMedTechDiagnosticLogs.LogType carry over.
const (
	ErrInvalidDataFormat          = "InvalidDataFormatException"
	ErrIncompatibleData           = "IncompatibleDataException"
	ErrTemplateExpression         = "TemplateExpressionException"
	ErrTemplateNotFound           = "TemplateNotFoundException"
	ErrFhirResourceNotFound       = "FhirResourceNotFoundException"
	ErrResourceIdentityNotDefined = "ResourceIdentityNotDefinedException"
	ErrPatientDeviceMismatch      = "PatientDeviceMismatchException"
	ErrMultipleResourceFound      = "MultipleResourceFoundException"
	ErrCorrelationIDNotDefined    = "CorrelationIdNotDefinedException"
	ErrInvalidQuantityFhirValue   = "InvalidQuantityFhirValueException"
	ErrNotSupported               = "NotSupportedException"
	ErrInvalidSampledDataValue    = "InvalidSampledDataValueException"
	ErrInvalidResourceID          = "InvalidResourceIdException"
	ErrFhirRequestFailed          = "FhirRequestFailedException"
)

// TemplateRef names the template and expression an error or warning is
// about.
type TemplateRef struct {
	// Mapping is "device" or "fhir".
	Mapping    string `json:"mapping"`
	Index      int    `json:"index"`
	TypeName   string `json:"typeName,omitempty"`
	Field      string `json:"field,omitempty"`
	Expression string `json:"expression,omitempty"`
	ValueName  string `json:"valueName,omitempty"`
}

// Error is a per-message (or per-group) failure that no retry can fix. It
// carries the MedTech exception name so the failure is recognisable.
type Error struct {
	// Name is the MedTech exception name, e.g. ErrIncompatibleData.
	Name     string
	Stage    string
	Message  string
	Template *TemplateRef
	Err      error
	// Group is the measurement group a mapping or write failure is about
	// (nil for normalization failures); ObservationID the target resource.
	Group         *GroupKey
	ObservationID string
}

// withGroup returns a copy of e naming a group and target Observation.
func (e *Error) withGroup(k GroupKey, obsID string) *Error {
	c := *e
	c.Group = &k
	if obsID != "" {
		c.ObservationID = obsID
	}
	return &c
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	b.WriteString(": ")
	b.WriteString(e.Message)
	if t := e.Template; t != nil {
		fmt.Fprintf(&b, " (%s template %d", t.Mapping, t.Index)
		if t.TypeName != "" {
			fmt.Fprintf(&b, " %q", t.TypeName)
		}
		if t.Field != "" {
			fmt.Fprintf(&b, ", field %s", t.Field)
		}
		if t.Expression != "" {
			fmt.Fprintf(&b, ", expression %s", t.Expression)
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Warning codes (medtech.md §19).
const (
	WarnBodyFallback         = "BodyFallback"
	WarnDateValueStringified = "DateValueStringified"
	WarnNoMeasurements       = "NoMeasurements"
	WarnNoFhirTemplate       = "NoFhirTemplate"
	WarnUnusedValueName      = "UnusedValueName"
	WarnMissingValueName     = "MissingValueName"
)

// Warning is a compatibility or mapping notice that does not fail anything.
type Warning struct {
	Code     string
	Message  string
	Template *TemplateRef
}

// Detail returns the structured context of a failure for a dead-letter
// record (medtech.md §17): stage, error name and severity, and the template
// and expression involved. It returns nil for errors that are not *Error.
func Detail(err error) map[string]string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	d := map[string]string{"stage": e.Stage, "error.name": e.Name, "error.message": e.Message}
	if t := e.Template; t != nil {
		d["template.mapping"] = t.Mapping
		d["template.index"] = strconv.Itoa(t.Index)
		for k, v := range map[string]string{"template.typeName": t.TypeName, "template.field": t.Field,
			"template.expression": t.Expression, "template.valueName": t.ValueName} {
			if v != "" {
				d[k] = v
			}
		}
	}
	return d
}
