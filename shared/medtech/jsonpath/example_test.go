package jsonpath_test

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/medtech/jsonpath"
	"github.com/ahds-events/ahds/shared/medtech/jsontree"
)

func ExamplePath_Select() {
	doc, _ := jsontree.ParseString(`{"Body":{"heartrate":"72"},"SystemProperties":{"iothub-connection-device-id":"dev-1"}}`)
	match, _ := jsonpath.Compile("$..[?(@Body.heartrate)]") // also tests the root itself
	id, _ := jsonpath.Compile("$.SystemProperties.iothub-connection-device-id")
	m, _ := match.Select(doc)
	v, _ := id.Select(m[0])
	fmt.Println(len(m), v[0].Str)
	// Output: 1 dev-1
}
