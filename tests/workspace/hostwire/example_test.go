package hostwire_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

func ExampleEventGrid() {
	event := json.RawMessage(`{"id":"1","eventType":"Microsoft.HealthcareApis.FhirResourceCreated","subject":"a/Patient/p1",
		"eventTime":"2021-09-08T01:14:04.5600000Z","data":{"resourceType":"Patient","resourceVersionId":1}}`)
	sys := hostwire.Sys{MethodName: "fhir-events", UtcNow: time.Date(2021, 9, 8, 1, 14, 5, 0, time.UTC), RandGuid: "g"}
	inv, err := hostwire.EventGrid("fhir-events", "event", event, sys)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(inv.Body()))
	// Output:
	// {"Data":{"event":{"id":"1","eventType":"Microsoft.HealthcareApis.FhirResourceCreated","subject":"a/Patient/p1","eventTime":"2021-09-08T01:14:04.56Z","data":{"resourceType":"Patient","resourceVersionId":1}}},"Metadata":{"data":{"resourceType":"Patient","resourceVersionId":1},"sys":{"MethodName":"fhir-events","UtcNow":"2021-09-08T01:14:05Z","RandGuid":"g"}}}
}

func ExampleEventHubBatch() {
	inv, err := hostwire.EventHubBatch(hostwire.Batch{
		Function: "device-telemetry", Binding: "events", DataType: "string",
		Partition: hostwire.PartitionContext{IsCheckpointingAfterInvocation: true, FullyQualifiedNamespace: "ns", EventHubName: "device-telemetry", ConsumerGroup: "$Default", PartitionID: "0"},
		Events:    []hostwire.EventData{{Body: []byte(`{"hr":72}`), SequenceNumber: 7, Offset: 1024, EnqueuedTime: time.Date(2024, 1, 1, 0, 0, 0, 500000000, time.UTC)}},
		Sys:       hostwire.Sys{MethodName: "device-telemetry", UtcNow: time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), RandGuid: "g"},
	})
	if err != nil {
		panic(err)
	}
	data, _ := inv.Data.Get("events")
	seq, _ := inv.Metadata.Get("SequenceNumberArray")
	times, _ := inv.Metadata.Get("EnqueuedTimeUtcArray")
	fmt.Println(string(data))
	fmt.Println(string(seq))
	fmt.Println(string(times))
	// Output:
	// "[\"{\\\"hr\\\":72}\"]"
	// "[7]"
	// "[\"2024-01-01T00:00:00.5\"]"
}
