package hostwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestValueRules(t *testing.T) {
	text := func(v any) json.RawMessage {
		b, err := Text(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		give json.RawMessage
		want string
	}{
		{"string double-encoded", String("stringTest"), `"\"stringTest\""`},
		{"string html and non-ascii raw", String("<a&b> é"), `"\"<a&b> é\""`},
		{"string with quote", String(`say "hi"`), `"\"say \\\"hi\\\"\""`},
		{"number as text", text(12), `"12"`},
		{"bool as text", text(true), `"true"`},
		{"array as text", text([]int{1, 2}), `"[1,2]"`},
		{"datetime whole seconds no zone", DateTime(time.Date(2024, 10, 25, 3, 2, 17, 987654321, time.UTC)), `"2024-10-25T03:02:17"`},
		{"bytes base64", Bytes([]byte(`{"id":"a"}`)), `"eyJpZCI6ImEifQ=="`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.give) != tt.want {
				t.Errorf("value = %s, want %s", tt.give, tt.want)
			}
		})
	}
}

func TestObjectSet_DropsNullAndTriggerKeys(t *testing.T) {
	var o Object
	o.Set("TimerTrigger", json.RawMessage(`{}`))
	o.Set("myQueueTRIGGER", json.RawMessage(`"x"`))
	o.Set("gone", json.RawMessage(`null`))
	o.Set("nil", nil)
	o.Set("a", json.RawMessage(`1`))
	o.Set("b", json.RawMessage(`2`))
	o.Set("a", json.RawMessage(`3`))
	b, _ := o.MarshalJSON()
	if got, want := string(b), `{"a":3,"b":2}`; got != want {
		t.Errorf("Object = %s, want %s", got, want)
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, give, want string
		opts             RenderOptions
	}{
		{"keeps key order", `{"b":1, "a":[true,null,"x"]}`, `{"b":1,"a":[true,null,"x"]}`, RenderOptions{}},
		{"unescapes html", `"\u003ca\u0026b\u003e"`, `"<a&b>"`, RenderOptions{}},
		{"escapes controls lowercase", "\"a\\u001Fb\\u0008\"", `"a\u001fb\b"`, RenderOptions{}},
		{"escapes line separators", "\"\u2028\u0085\"", `"\u2028\u0085"`, RenderOptions{}},
		{"numbers verbatim by default", `[1.50,1e3]`, `[1.50,1e3]`, RenderOptions{}},
		{"doubles newtonsoft", `[1.50,1e3,72.0,0.1,1e15,1e14,0.00001,0.0001,-2.5E-7,12]`, `[1.5,1000.0,72.0,0.1,1E+15,100000000000000.0,1E-05,0.0001,-2.5E-07,12]`, Newtonsoft},
		{"big integer kept", `123456789012345678901234567890`, `123456789012345678901234567890`, Newtonsoft},
		{"date trailing zeros trimmed", `"2024-01-01T10:00:00.1200000Z"`, `"2024-01-01T10:00:00.12Z"`, Newtonsoft},
		{"date zero fraction dropped", `"2024-01-01T10:00:00.000Z"`, `"2024-01-01T10:00:00Z"`, Newtonsoft},
		{"date offset to local utc", `"2024-01-15T10:15:30+01:00"`, `"2024-01-15T09:15:30+00:00"`, Newtonsoft},
		{"date no zone unspecified", `"2024-01-15T10:15:30.5"`, `"2024-01-15T10:15:30.5"`, Newtonsoft},
		{"date-only untouched", `"2024-01-15"`, `"2024-01-15"`, Newtonsoft},
		{"eight fraction digits untouched", `"2024-01-15T10:15:30.123456789Z"`, `"2024-01-15T10:15:30.123456789Z"`, Newtonsoft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render([]byte(tt.give), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Render(%s) = %s, want %s", tt.give, got, tt.want)
			}
		})
	}
}

func TestRender_Errors(t *testing.T) {
	for _, give := range []string{``, `{`, `{"a":1} x`, `[1,]`, `{"a" 1}`} {
		if _, err := Render([]byte(give), RenderOptions{}); err == nil {
			t.Errorf("Render(%q) = nil error, want error", give)
		}
	}
}

func TestEventGrid_MetadataData(t *testing.T) {
	sys := Sys{MethodName: "f", UtcNow: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), RandGuid: "g"}
	tests := []struct{ name, event, wantMeta string }{
		{"no data member", `{"id":"1"}`, `{"sys":{"MethodName":"f","UtcNow":"2024-01-01T00:00:00Z","RandGuid":"g"}}`},
		{"string data", `{"id":"1","data":"x"}`, `{"data":"\"x\"","sys":{"MethodName":"f","UtcNow":"2024-01-01T00:00:00Z","RandGuid":"g"}}`},
		{"dates inside data re-rendered", `{"data":{"t":"2024-01-01T00:00:00.500000Z"}}`, `{"data":{"t":"2024-01-01T00:00:00.5Z"},"sys":{"MethodName":"f","UtcNow":"2024-01-01T00:00:00Z","RandGuid":"g"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := EventGrid("f", "event", json.RawMessage(tt.event), sys)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := inv.Metadata.MarshalJSON()
			if string(b) != tt.wantMeta {
				t.Errorf("Metadata = %s, want %s", b, tt.wantMeta)
			}
		})
	}
	if _, err := EventGrid("f", "event", json.RawMessage(`[{"id":"1"}]`), sys); err == nil {
		t.Error("EventGrid(array) = nil error, want error")
	}
}

func TestEventHubBatch_NonJSONBodyFailsBinding(t *testing.T) {
	_, err := EventHubBatch(Batch{Function: "f", Binding: "events", Events: []EventData{{Body: []byte(`{"ok":1}`)}, {Body: []byte("plain text"), SequenceNumber: 7}}})
	if !errors.Is(err, ErrBinding) {
		t.Fatalf("EventHubBatch(non-JSON, no dataType) error = %v, want ErrBinding", err)
	}
	if _, err := EventHubBatch(Batch{Function: "f", Binding: "events", DataType: "string", Events: []EventData{{Body: []byte("plain text")}}}); err != nil {
		t.Fatalf("EventHubBatch(non-JSON, string) error = %v", err)
	}
	if _, err := EventHubBatch(Batch{Function: "f", Binding: "events", DataType: "stream"}); err == nil {
		t.Fatal("EventHubBatch(dataType stream) = nil error")
	}
}

func TestEventHubBatch_PartitionKeyPropertiesRetry(t *testing.T) {
	inv, err := EventHubBatch(Batch{
		Function: "f", Binding: "events", DataType: "string",
		Events: []EventData{{Body: []byte("x"), PartitionKey: "dev-1", Offset: 5, SequenceNumber: 3,
			EnqueuedTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Properties: Object{{"kind", quote("hr")}}}},
		Retry: &RetryContext{RetryCount: 2, MaxRetryCount: 5, Message: "boom", InvocationID: "i-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"PartitionKeyArray":     `"[\"dev-1\"]"`,
		"PropertiesArray":       `"[{\"kind\":\"hr\"}]"`,
		"SystemPropertiesArray": `"[{\"x-opt-sequence-number\":3,\"x-opt-offset\":\"5\",\"x-opt-enqueued-time\":\"2024-01-01T00:00:00Z\",\"x-opt-partition-key\":\"dev-1\",\"SequenceNumber\":3,\"Offset\":5,\"OffsetString\":\"5\",\"PartitionKey\":\"dev-1\",\"EnqueuedTimeUtc\":\"2024-01-01T00:00:00\"}]"`,
	} {
		got, _ := inv.Metadata.Get(key)
		if string(got) != want {
			t.Errorf("Metadata.%s = %s, want %s", key, got, want)
		}
	}
	rc, ok := inv.Metadata.Get("RetryContext")
	if !ok {
		t.Fatal("no RetryContext")
	}
	var v struct {
		RetryCount, MaxRetryCount int
		Exception                 struct{ Message string }
	}
	if err := json.Unmarshal(rc, &v); err != nil || v.RetryCount != 2 || v.MaxRetryCount != 5 || v.Exception.Message != "boom" {
		t.Errorf("RetryContext = %s (%v)", rc, err)
	}
	if last := inv.Metadata[len(inv.Metadata)-1].Name; last != "RetryContext" {
		t.Errorf("last Metadata key = %s, want RetryContext after sys", last)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"2024-01-01T00:00:00.10Z"]}`, `"\u2028<>"`, `null`, `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Render(b, Newtonsoft)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Render(%q) = %q: not valid JSON", b, out)
		}
		again, err := Render(out, Newtonsoft)
		if err != nil || string(again) != string(out) {
			t.Fatalf("Render not idempotent: %q → %q → %q (%v)", b, out, again, err)
		}
	})
}

func BenchmarkEventHubBatch(b *testing.B) {
	evs := make([]EventData, 100)
	for i := range evs {
		evs[i] = EventData{Body: []byte(`{"deviceId":"dev-1","heartRate":72.5,"endDate":"2024-01-01T00:00:00.000Z"}`), Offset: int64(i * 128), SequenceNumber: int64(i), EnqueuedTime: time.Now()}
	}
	for _, dt := range []string{"", "string"} {
		b.Run("dataType="+dt, func(b *testing.B) {
			for b.Loop() {
				inv, err := EventHubBatch(Batch{Function: "f", Binding: "events", DataType: dt, Events: evs})
				if err != nil {
					b.Fatal(err)
				}
				_ = inv.Body()
			}
		})
	}
}

func TestEventHubSingle(t *testing.T) {
	e := EventData{Body: []byte(`{"deviceId":"d1","hr":72,"ok":true,"nested":{"a":1},"none":null}`), PartitionKey: "d1", Offset: 96, SequenceNumber: 12,
		EnqueuedTime: time.Date(2024, 10, 25, 3, 2, 17, 456000000, time.UTC)}
	inv, err := EventHubSingle(Batch{Function: "f", Binding: "event", DataType: "string", Events: []EventData{e}, Sys: Sys{MethodName: "f", RandGuid: "g"}})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := inv.Data.Get("event"); string(d) != string(String(string(e.Body))) || !strings.HasPrefix(string(d), `"\"{\\\"deviceId`) {
		t.Errorf("Data.event = %s", d)
	}
	want := []string{"TriggerPartitionContext", "PartitionContext", "PartitionKey", "Offset", "OffsetString", "SequenceNumber", "EnqueuedTimeUtc", "Properties", "SystemProperties", "deviceId", "hr", "ok", "nested", "sys"}
	var names []string
	for _, f := range inv.Metadata {
		names = append(names, f.Name)
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("Metadata keys = %v, want %v", names, want)
	}
	for k, w := range map[string]string{"PartitionKey": `"\"d1\""`, "Offset": `"\"96\""`, "SequenceNumber": `"12"`, "EnqueuedTimeUtc": `"2024-10-25T03:02:17"`,
		"deviceId": `"\"d1\""`, "hr": `"\"72\""`, "ok": `"\"True\""`, "nested": `{"a":1}`} {
		if got, _ := inv.Metadata.Get(k); string(got) != w {
			t.Errorf("Metadata.%s = %s, want %s", k, got, w)
		}
	}
	if _, err := EventHubSingle(Batch{Function: "f", Binding: "event"}); err == nil {
		t.Error("EventHubSingle(no event) = nil error")
	}
	bin, _ := EventHubSingle(Batch{Function: "f", Binding: "event", DataType: "binary", Events: []EventData{{Body: []byte{1, 2}}}})
	if d, _ := bin.Data.Get("event"); string(d) != `"AQI="` {
		t.Errorf("binary Data.event = %s", d)
	}
}
