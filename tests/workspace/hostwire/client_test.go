package hostwire

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestInvoke_RequestFraming(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"outputs":{"res":{"statusCode":201}},"LOGS":["ok"],"ReturnValue":null}`)
	}))
	defer srv.Close()
	inv := Invocation{Function: "OnFhirEvent", Data: Object{{"event", []byte(`{"id":"1"}`)}}}
	c := &Client{NewID: func() string { return "0f8fad5b-d9cb-469f-a165-70867728950e" }}
	res, err := c.Invoke(t.Context(), srv.URL, inv, Expect{Outputs: map[string]string{"res": "http"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/OnFhirEvent" {
		t.Errorf("request = %s %s, want POST /OnFhirEvent", got.Method, got.URL.Path)
	}
	if len(got.TransferEncoding) != 1 || got.TransferEncoding[0] != "chunked" || got.ContentLength != -1 || got.Header.Get("Content-Length") != "" {
		t.Errorf("framing = TE %v, ContentLength %d; want chunked without Content-Length", got.TransferEncoding, got.ContentLength)
	}
	for k, want := range map[string]string{
		"Content-Type":                   "application/json; charset=utf-8",
		"X-Azure-Functions-HostVersion":  DefaultHostVersion,
		"X-Azure-Functions-InvocationId": "0f8fad5b-d9cb-469f-a165-70867728950e",
		"User-Agent":                     "Azure-Functions-Host/" + DefaultHostVersion,
	} {
		if v := got.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if string(body) != `{"Data":{"event":{"id":"1"}},"Metadata":{}}` {
		t.Errorf("body = %s", body)
	}
	if len(res.Logs) != 1 || res.Logs[0] != "ok" || string(res.Outputs["res"]) != `{"statusCode":201}` {
		t.Errorf("result = %+v", res)
	}
}

func TestInvoke_Answers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		ctype, body string
		outputs     map[string]string
		wantStatus  bool
		wantReason  string
		wantWarning bool
	}{
		{name: "minimal success", status: 200, ctype: "application/json", body: `{}`},
		{name: "text/json accepted", status: 202, ctype: "text/json; charset=utf-8", body: `{"Logs":[]}`},
		{name: "500 fails and drops logs", status: 500, ctype: "application/json", body: `{"Logs":["lost"]}`, wantStatus: true},
		{name: "empty 2xx body", status: 200, ctype: "application/json", body: ``, wantReason: "empty 2xx body"},
		{name: "text/plain rejected", status: 200, ctype: "text/plain; charset=utf-8", body: `{}`, wantReason: "content type"},
		{name: "not an object", status: 200, ctype: "application/json", body: `[]`, wantReason: "not a JSON object"},
		{name: "unknown output", status: 200, ctype: "application/json", body: `{"Outputs":{"Res":{}}}`, outputs: map[string]string{"res": "http"}, wantReason: `"Res"`},
		{name: "http output not object", status: 200, ctype: "application/json", body: `{"Outputs":{"res":"x"}}`, outputs: map[string]string{"res": "http"}, wantReason: "must be an object"},
		{name: "base64-looking blob string", status: 200, ctype: "application/json", body: `{"Outputs":{"outBlob":"test"}}`, outputs: map[string]string{"outBlob": "blob"}, wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			res, err := (&Client{}).Invoke(t.Context(), srv.URL, Invocation{Function: "f"}, Expect{Outputs: tt.outputs})
			var se *StatusError
			var ce *ContractError
			switch {
			case tt.wantStatus:
				if !errors.As(err, &se) || se.Status != tt.status {
					t.Fatalf("Invoke error = %v, want StatusError %d", err, tt.status)
				}
			case tt.wantReason != "":
				if !errors.As(err, &ce) || !strings.Contains(ce.Reason, tt.wantReason) {
					t.Fatalf("Invoke error = %v, want ContractError containing %q", err, tt.wantReason)
				}
			default:
				if err != nil {
					t.Fatalf("Invoke error = %v", err)
				}
				if (len(res.Warnings) > 0) != tt.wantWarning {
					t.Errorf("warnings = %v, want warning %v", res.Warnings, tt.wantWarning)
				}
			}
		})
	}
}
