package eventgrid

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAdvancedFilter(t *testing.T) {
	e := Event{
		ID: "1", Type: DicomImageCreated, Subject: "host/v1/studies/1.2/series/3/instances/4", Source: "/subscriptions/s",
		Data: json.RawMessage(`{"resourceType":"Patient","sequenceNumber":7,"nested":{"flag":true,"tags":["a","B"]},"nothing":null}`),
	}
	tests := []struct {
		name, filter string
		want         bool
	}{
		{"StringIn case-insensitive", `{"operatorType":"StringIn","key":"data.resourceType","values":["patient","Observation"]}`, true},
		{"StringIn miss", `{"operatorType":"StringIn","key":"data.resourceType","values":["Observation"]}`, false},
		{"StringIn missing key", `{"operatorType":"StringIn","key":"data.absent","values":["x"]}`, false},
		{"StringNotIn missing key", `{"operatorType":"StringNotIn","key":"data.absent","values":["x"]}`, true},
		{"StringNotIn hit", `{"operatorType":"StringNotIn","key":"data.resourceType","values":["PATIENT"]}`, false},
		{"StringBeginsWith subject", `{"operatorType":"StringBeginsWith","key":"subject","values":["HOST/v1/"]}`, true},
		{"StringEndsWith", `{"operatorType":"StringEndsWith","key":"data.resourceType","values":["ent"]}`, true},
		{"StringContains", `{"operatorType":"StringContains","key":"subject","values":["/series/"]}`, true},
		{"StringNotContains", `{"operatorType":"StringNotContains","key":"subject","values":["/series/"]}`, false},
		{"array any element", `{"operatorType":"StringIn","key":"data.nested.tags","values":["b"]}`, true},
		{"NumberIn", `{"operatorType":"NumberIn","key":"data.sequenceNumber","values":[1,7]}`, true},
		{"NumberIn on string", `{"operatorType":"NumberIn","key":"data.resourceType","values":[7]}`, false},
		{"NumberNotIn", `{"operatorType":"NumberNotIn","key":"data.sequenceNumber","values":[7]}`, false},
		{"NumberGreaterThan", `{"operatorType":"NumberGreaterThan","key":"data.sequenceNumber","value":6}`, true},
		{"NumberLessThanOrEquals", `{"operatorType":"NumberLessThanOrEquals","key":"data.sequenceNumber","value":6}`, false},
		{"NumberInRange", `{"operatorType":"NumberInRange","key":"data.sequenceNumber","values":[[0,3],[7,9]]}`, true},
		{"NumberNotInRange", `{"operatorType":"NumberNotInRange","key":"data.sequenceNumber","values":[[7,9]]}`, false},
		{"BoolEquals", `{"operatorType":"BoolEquals","key":"data.nested.flag","value":true}`, true},
		{"IsNullOrUndefined null", `{"operatorType":"IsNullOrUndefined","key":"data.nothing"}`, true},
		{"IsNullOrUndefined absent", `{"operatorType":"IsNullOrUndefined","key":"data.none"}`, true},
		{"IsNotNull", `{"operatorType":"IsNotNull","key":"data.resourceType"}`, true},
		{"eventType key", `{"operatorType":"StringIn","key":"eventType","values":["Microsoft.HealthcareApis.DicomImageCreated"]}`, true},
	}
	doc := filterDocument(e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			af, err := ParseAdvancedFilter(json.RawMessage(tt.filter))
			if err != nil {
				t.Fatal(err)
			}
			if got := af.Match(doc); got != tt.want {
				t.Errorf("Match(%s) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestSubjectFilter(t *testing.T) {
	e := Event{Subject: "Acct.fhir/Patient/1"}
	for _, tt := range []struct {
		f    Filter
		want bool
	}{
		{Filter{SubjectBeginsWith: "acct.FHIR/"}, true},
		{Filter{SubjectBeginsWith: "acct.FHIR/", CaseSensitive: true}, false},
		{Filter{SubjectEndsWith: "/1"}, true},
		{Filter{SubjectEndsWith: "/2"}, false},
	} {
		if got := tt.f.Match(e); got != tt.want {
			t.Errorf("%+v.Match = %v, want %v", tt.f, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		attempt, status int
		want            time.Duration
	}{
		{1, 500, 10 * time.Second}, {2, 500, 30 * time.Second}, {3, 500, time.Minute}, {4, 500, 5 * time.Minute},
		{5, 500, 10 * time.Minute}, {6, 500, 30 * time.Minute}, {7, 500, time.Hour}, {8, 500, 3 * time.Hour},
		{9, 500, 6 * time.Hour}, {10, 500, 12 * time.Hour}, {29, 500, 12 * time.Hour},
		{1, 408, 2 * time.Minute}, {1, 503, 30 * time.Second}, {1, 404, 5 * time.Minute}, {5, 503, 10 * time.Minute}, {1, 0, 10 * time.Second},
	}
	for _, tt := range tests {
		if got := RetryDelay(tt.attempt, tt.status); got != tt.want {
			t.Errorf("RetryDelay(%d, %d) = %v, want %v", tt.attempt, tt.status, got, tt.want)
		}
	}
	for status, want := range map[int]bool{400: false, 401: false, 403: false, 413: false, 404: true, 500: true, 503: true} {
		if Retryable(status) != want {
			t.Errorf("Retryable(%d) = %v", status, !want)
		}
	}
}
