package medtech_test

import (
	"fmt"
	"time"

	"github.com/ahds-events/ahds/shared/medtech"
	"github.com/ahds-events/ahds/shared/medtech/template"
)

func Example() {
	dev, _ := template.ParseDevice([]byte(`{"templateType":"CollectionContent","template":[
	 {"templateType":"CalculatedContent","template":{"typeName":"heartrate","typeMatchExpression":"$..[?(@hr)]",
	  "deviceIdExpression":"$.Body.device","timestampExpression":"$.matchedToken.at","patientIdExpression":"$.Body.patient",
	  "values":[{"valueName":"hr","valueExpression":"$.matchedToken.hr","required":true}]}}]}`))
	fhir, _ := template.ParseFHIR([]byte(`{"templateType":"CollectionFhir","template":[
	 {"templateType":"CodeValueFhir","template":{"typeName":"heartrate","codes":[{"system":"http://loinc.org","code":"8867-4"}],
	  "value":{"valueType":"Quantity","valueName":"hr","unit":"/min"}}}]}`))
	in := medtech.ParseMessages([]byte(`{"device":"d1","patient":"p1","data":[{"hr":72,"at":"2024-01-15T14:30:00Z"}]}`))
	d := medtech.Debugger{Normalizer: medtech.NewNormalizer(dev), FHIR: fhir, Builder: medtech.Builder{Mode: medtech.ModeFHIR}}
	r := d.Run(in.Envelopes, in.Errs, time.Date(2024, 1, 15, 15, 0, 0, 0, time.UTC))
	o := r.Observations[0]
	fmt.Println(r.Measurements[0].Properties[0].Value, o.EffectiveDateTime, o.Quantity.Value, o.Subject.Reference)
	// Output: 72 2024-01-15T14:30:00.000Z 72 Patient/p1
}
