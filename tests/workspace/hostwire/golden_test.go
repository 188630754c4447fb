package hostwire

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}

func TestEventGrid_Golden(t *testing.T) {
	data := `{"resourceType":"Patient","resourceFhirAccount":"acct.fhir.azurehealthcareapis.com","resourceFhirId":"p1","resourceVersionId":1}`
	tests := []struct {
		name, file, event string
		sys               Sys
	}{
		{
			name: "event grid schema", file: "eventgrid-schema.json",
			// Pretty-printed on purpose: the host re-renders compactly.
			event: `{"id": "e4c7f556-d72c-e7f7-1069-1e82ac76ab41", "topic": "/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w",
 "subject": "acct.fhir.azurehealthcareapis.com/Patient/p1", "data": ` + data + `,
 "eventType": "Microsoft.HealthcareApis.FhirResourceCreated", "dataVersion": "1", "metadataVersion": "1", "eventTime": "2021-09-08T01:14:04.5613214Z"}`,
			sys: Sys{MethodName: "OnFhirEvent", UtcNow: mustTime(t, "2021-09-08T01:14:05.1123456Z"), RandGuid: "9a3f1c1e-6d2b-4a7e-9a55-0c8d9f5b7e21"},
		},
		{
			name: "cloudevents", file: "eventgrid-cloudevents.json",
			event: `{"id":"d674b9b7-7d1c-9b0a-8c48-139f3eb86c48","source":"/subscriptions/s/resourceGroups/r/providers/Microsoft.HealthcareApis/workspaces/w","specversion":"1.0","type":"Microsoft.HealthcareApis.FhirResourceCreated","dataschema":"#1","subject":"acct.fhir.azurehealthcareapis.com/Patient/p1","time":"2022-02-03T16:48:09.6223354Z","data":` + data + `}`,
			sys:   Sys{MethodName: "OnFhirEvent", UtcNow: mustTime(t, "2022-02-03T16:48:10.0154321Z"), RandGuid: "2b1e4f7a-0c55-4e7b-8a31-7f0f4b2e9d10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := EventGrid("OnFhirEvent", "event", json.RawMessage(tt.event), tt.sys)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := inv.Body(), golden(t, tt.file); !bytes.Equal(got, want) {
				t.Errorf("EventGrid body =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestEventHubBatch_Golden(t *testing.T) {
	pc := PartitionContext{IsCheckpointingAfterInvocation: true, FullyQualifiedNamespace: "myns.servicebus.windows.net", EventHubName: "fhir-events", ConsumerGroup: "$Default", PartitionID: "0"}
	events := []EventData{
		{Body: []byte(`{"id":"a"}`), Offset: 4294967296, SequenceNumber: 101, EnqueuedTime: mustTime(t, "2024-10-25T03:02:17.123Z")},
		{Body: []byte(`{ "id" : "b" }`), Offset: 4294967392, SequenceNumber: 102, EnqueuedTime: mustTime(t, "2024-10-25T03:02:17.456Z")},
	}
	sys := Sys{MethodName: "OnEvents", UtcNow: mustTime(t, "2024-10-25T03:02:18.0012345Z"), RandGuid: "5d2c0a8e-3c1f-4f0a-9f3e-1b2a6c7d8e9f"}
	for _, tt := range []struct{ dataType, file string }{{"", "eventhubs-none.json"}, {"string", "eventhubs-string.json"}, {"binary", "eventhubs-binary.json"}} {
		t.Run("dataType="+tt.dataType, func(t *testing.T) {
			evs := append([]EventData(nil), events...)
			if tt.dataType != "" {
				evs[1].Body = []byte(`{"id":"b"}`) // string/binary keep the bytes as sent
			}
			inv, err := EventHubBatch(Batch{Function: "OnEvents", Binding: "events", DataType: tt.dataType, Partition: pc, Events: evs, Sys: sys})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := inv.Body(), golden(t, tt.file); !bytes.Equal(got, want) {
				t.Errorf("EventHubBatch body =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestTimer_Golden(t *testing.T) {
	ti := TimerInfo{AdjustForDST: true, Status: &ScheduleStatus{
		Last: mustTime(t, "2024-10-25T03:00:00.0026143Z"), Next: mustTime(t, "2024-10-25T03:05:00Z"), LastUpdated: mustTime(t, "2024-10-25T03:00:00.0026143Z"),
	}}
	sys := Sys{MethodName: "Tick", UtcNow: mustTime(t, "2024-10-25T03:05:00.0157412Z"), RandGuid: "c1f0d2e3-4a5b-4c6d-8e7f-9a0b1c2d3e4f"}
	if got, want := Timer("Tick", "myTimer", ti, sys).Body(), golden(t, "timer.json"); !bytes.Equal(got, want) {
		t.Errorf("Timer body =\n%s\nwant\n%s", got, want)
	}
	noMonitor := Timer("Tick", "myTimer", TimerInfo{AdjustForDST: true}, sys).Body()
	if !bytes.Contains(noMonitor, []byte(`"ScheduleStatus":null`)) {
		t.Errorf("Timer without monitor = %s", noMonitor)
	}
}

func TestHTTP_Golden(t *testing.T) {
	r := HTTPRequest{
		URL: "http://localhost:7071/api/order?x=1", Method: "POST", Query: [][2]string{{"x", "1"}},
		Headers: [][2]string{{"Content-Type", "application/json"}, {"Host", "localhost:7071"}, {"Content-Length", "27"}},
		Body:    []byte(`{"id":1005,"color":"black"}`),
	}
	sys := Sys{MethodName: "order", UtcNow: mustTime(t, "2024-10-25T03:05:00.0157412Z"), RandGuid: "0e1d2c3b-4a59-4867-9a5b-6c7d8e9f0a1b"}
	inv, err := HTTP("order", "req", r, sys)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := inv.Body(), golden(t, "http-forwarding-off.json"); !bytes.Equal(got, want) {
		t.Errorf("HTTP body =\n%s\nwant\n%s", got, want)
	}
	// No body (chunked) and a binary one.
	inv, _ = HTTP("order", "req", HTTPRequest{URL: "http://h/api/x?code=k", Method: "GET", Query: [][2]string{{"code", "k"}}}, sys)
	if b := inv.Body(); bytes.Contains(b, []byte(`"Body"`)) || bytes.Contains(b, []byte(`"code":"\"k\""`)) {
		t.Errorf("GET without body = %s", b)
	}
	inv, _ = HTTP("order", "req", HTTPRequest{URL: "http://h/api/x", Method: "POST", Headers: [][2]string{{"Content-Type", "application/octet-stream"}}, Body: []byte{0xff}}, sys)
	if b := inv.Body(); !bytes.Contains(b, []byte(`"Body":"/w=="`)) {
		t.Errorf("binary body = %s", b)
	}
}
