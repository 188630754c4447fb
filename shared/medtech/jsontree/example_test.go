package jsontree_test

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

func ExampleParseString() {
	v, _ := jsontree.ParseString(`{"a":1,"b":1.0,"c":"2021-07-13T17:29:01Z"}`)
	_, isDate := jsontree.DateValue(v.Get("c").Str)
	fmt.Println(v.Get("a").Kind, v.Get("b").Kind, isDate, jsontree.FormatFloat(v.Get("b").Float64()))
	// Output: integer float true 1
}
