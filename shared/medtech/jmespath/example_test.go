package jmespath_test

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/medtech/jmespath"
	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

func ExampleExpr_Search() {
	doc, _ := jsontree.ParseString(`{"matchedToken":{"height":"78"}}`)
	e, _ := jmespath.Compile("multiply(to_number(matchedToken.height), `0.0254`)")
	v, _ := e.Search(doc)
	fmt.Println(v.Kind, jsontree.FormatFloat(v.Float64()))
	// Output: float 1.9811999999999999
}
