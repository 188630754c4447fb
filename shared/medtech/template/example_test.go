package template_test

import (
	"errors"
	"fmt"

	"github.com/ahds-events/ahds/shared/medtech/template"
)

func ExampleParseDevice() {
	_, err := template.ParseDevice([]byte(`{"templateType":"CollectionContent","template":[
  {"templateType":"JsonPathContent","template":{"typeName":"hr","typeMatchExpression":"$.[",
   "deviceIdExpression":"$.d","timestampExpression":"$.t"}}]}`))
	var e *template.Error
	if errors.As(err, &e) {
		p := e.Problems[0]
		fmt.Println(p.TemplateIndex, p.Field, p.Line)
	}
	// Output: 0 typeMatchExpression 2
}
