package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

func newTestClient(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, Options{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxAttempts: 4})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRead_RetriesThrottlingThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("ETag", `W/"7"`)
		fmt.Fprint(w, `{"resourceType":"Patient","id":"p1"}`)
	})
	resp, err := c.Read(t.Context(), "Patient", "p1")
	if err != nil {
		t.Fatalf("Read() error = %v", err)
	}
	if resp.VersionID != "7" || calls.Load() != 3 {
		t.Errorf("Read() version = %q after %d calls, want 7 after 3", resp.VersionID, calls.Load())
	}
}

func TestErrors_ClassifiedByStatus(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   error
	}{
		{"not found", 404, ErrNotFound},
		{"gone", 410, ErrGone},
		{"stale etag", 412, ErrPreconditionFailed},
		{"invalid", 400, ErrBadRequest},
		{"unavailable", 503, ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"x","diagnostics":"why"}]}`)
			})
			_, err := c.Update(t.Context(), "Patient", "p1", []byte(`{}`), `W/"1"`)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Update() error = %v, want %v", err, tt.want)
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.Diagnostics != "why" {
				t.Errorf("Update() diagnostics = %+v, want why", fe)
			}
		})
	}
}

func TestCreate_PlainCreateNotRetriedOnNetworkError(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	})
	if _, err := c.Create(t.Context(), "Observation", []byte(`{}`), ""); !errors.Is(err, ErrTransient) {
		t.Fatalf("Create() error = %v, want ErrTransient", err)
	}
	if calls.Load() != 1 {
		t.Errorf("plain create sent %d times, want 1", calls.Load())
	}
	calls.Store(0)
	if _, err := c.Create(t.Context(), "Observation", []byte(`{}`), "identifier=a|b"); err == nil {
		t.Fatal("conditional Create() error = nil")
	}
	if calls.Load() != 4 {
		t.Errorf("conditional create sent %d times, want 4", calls.Load())
	}
}

func TestSearch_FollowsNextLinks(t *testing.T) {
	var base string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("ct")
		next := ""
		if page == "" {
			next = fmt.Sprintf(`,"link":[{"relation":"next","url":"%s/Observation?ct=opaque"}]`, base)
		}
		fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset"%s,"entry":[{"resource":{"resourceType":"Observation","id":"o%s"}}]}`, next, page)
	})
	base = c.Base()
	var ids []string
	err := c.Search(t.Context(), "Observation", url.Values{"subject": {"Patient/1"}}, func(r json.RawMessage) error {
		var v struct{ ID string }
		_ = json.Unmarshal(r, &v)
		ids = append(ids, v.ID)
		return nil
	})
	if err != nil || len(ids) != 2 || ids[1] != "oopaque" {
		t.Fatalf("Search() = %v, %v; want [o oopaque]", ids, err)
	}
}

func TestBatch_PerEntryResults(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var in bundle
		if err := json.Unmarshal(b, &in); err != nil || in.Type != "batch" || len(in.Entry) != 2 || in.Entry[0].Request.Method != "PUT" {
			w.WriteHeader(400)
			return
		}
		fmt.Fprint(w, `{"resourceType":"Bundle","type":"batch-response","entry":[
		 {"response":{"status":"201 Created","location":"Observation/a/_history/1","etag":"W/\"1\""}},
		 {"response":{"status":"400","outcome":{"resourceType":"OperationOutcome","issue":[{"diagnostics":"bad value"}]}}}]}`)
	})
	res, err := c.Batch(context.Background(), []Entry{
		{Method: "PUT", URL: "Observation/a", Resource: json.RawMessage(`{"resourceType":"Observation"}`)},
		{Method: "PUT", URL: "Observation/b", Resource: json.RawMessage(`{"resourceType":"Observation"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != 201 || res[0].Err != nil || res[0].ETag != `W/"1"` {
		t.Errorf("entry 0 = %+v", res[0])
	}
	if !errors.Is(res[1].Err, ErrBadRequest) {
		t.Errorf("entry 1 err = %v, want ErrBadRequest", res[1].Err)
	}
}

func TestRetry_GivesUpBeforeTheDeadline(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Read(ctx, "Patient", "p1")
	if !errors.Is(err, ErrTransient) || calls.Load() != 1 || time.Since(start) > time.Second {
		t.Errorf("Read() = %v after %d calls in %v; want ErrTransient at once", err, calls.Load(), time.Since(start))
	}
}
