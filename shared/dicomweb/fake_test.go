package dicomweb

import (
	"context"
	"errors"
	"fmt"
	"github.com/ahds-events/ahds/shared/retry"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// fakeAzure serves the Azure DICOM service's shape from handlers by path.
func fakeAzure(t *testing.T, h http.HandlerFunc, o Options) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.Kind = KindAzure
	o.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	if o.MinBackoff == 0 {
		o.MinBackoff = time.Millisecond
		o.MaxBackoff = 5 * time.Millisecond
	}
	c, err := New(srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestAzure_PathsAndEmptySearch(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	c, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/metadata"):
			if r.Header.Get("Accept") != "application/dicom+json" {
				t.Errorf("Accept = %q", r.Header.Get("Accept"))
			}
			w.Header().Set("Content-Type", "application/dicom+json")
			io.WriteString(w, `[{}]`)
		case r.URL.Path == "/v2/partitions/p1/studies":
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}, Options{PartitionsEnabled: true})
	ctx := t.Context()
	if _, err := c.StudyMetadata(ctx, "p1", "1.2.3"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InstanceMetadata(ctx, "", "1.2.3", "1.2.3.4", "1.2.3.4.5"); err != nil {
		t.Fatal(err)
	}
	got, err := c.SearchStudies(ctx, "p1", nil)
	if err != nil || string(got) != "[]" {
		t.Errorf("SearchStudies on 204 = %s, %v; want []", got, err)
	}
	if err := c.Delete(ctx, "p1", "1.2.3", "1.2.3.4"); err != nil {
		t.Errorf("Delete: %v", err)
	}
	want := []string{
		"GET /v2/partitions/p1/studies/1.2.3/metadata",
		"GET /v2/partitions/Microsoft.Default/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/metadata",
		"GET /v2/partitions/p1/studies",
		"DELETE /v2/partitions/p1/studies/1.2.3/series/1.2.3.4",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
	if c.Base("p1") != c.origin+"/v2/partitions/p1" {
		t.Errorf("Base = %s", c.Base("p1"))
	}
	// Nothing but UIDs reaches a URL.
	for _, bad := range []string{"1.2.3/../x", "1.2.3?x", "", "abc"} {
		if _, err := c.StudyMetadata(ctx, "", bad); err == nil || !strings.Contains(err.Error(), "not a valid UID") {
			t.Errorf("StudyMetadata(%q) = %v, want invalid UID", bad, err)
		}
	}
	if _, err := c.StudyMetadata(ctx, "a/b", "1.2"); err == nil {
		t.Error("invalid partition accepted")
	}
}

func TestAzure_NotFoundIsTyped(t *testing.T) {
	c, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, Options{})
	_, err := c.StudyMetadata(t.Context(), "", "1.2.3")
	var de *Error
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrTransient) || !errors.As(err, &de) || de.Status != 404 {
		t.Errorf("StudyMetadata = %v, want *Error 404 ErrNotFound", err)
	}
}

func TestRetry_RetryAfterAndExhaustion(t *testing.T) {
	var n atomic.Int32
	c, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			io.WriteString(w, `[]`)
		}
	}, Options{})
	if _, err := c.StudyMetadata(t.Context(), "", "1.2"); err != nil || n.Load() != 3 {
		t.Errorf("after 429, 503: %v after %d requests; want success after 3", err, n.Load())
	}

	var m atomic.Int32
	c2, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}, Options{MaxAttempts: 3})
	_, err := c2.StudyMetadata(t.Context(), "", "1.2")
	if !errors.Is(err, ErrTransient) || m.Load() != 3 {
		t.Errorf("exhausted = %v after %d; want ErrTransient after 3", err, m.Load())
	}

	// 400 and 401 are not retried.
	var k atomic.Int32
	c3, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		k.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}, Options{})
	if _, err := c3.StudyMetadata(t.Context(), "", "1.2"); !errors.Is(err, ErrUnauthorized) || k.Load() != 1 {
		t.Errorf("401 = %v after %d requests; want ErrUnauthorized after 1", err, k.Load())
	}
}

func TestRetry_GivesUpBeforeDeadline(t *testing.T) {
	var n atomic.Int32
	c, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	}, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.StudyMetadata(ctx, "", "1.2")
	if !errors.Is(err, ErrTransient) || time.Since(start) > time.Second || n.Load() != 1 {
		t.Errorf("= %v after %v and %d requests; want an immediate ErrTransient", err, time.Since(start), n.Load())
	}
	if d := retry.ParseRetryAfter(time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)); d <= 0 || d > 2*time.Second {
		t.Errorf("ParseRetryAfter(HTTP date) = %v", d)
	}
}

func TestRedirectToOtherHostRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the client followed a redirect to another host")
	}))
	defer other.Close()
	c, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/steal", http.StatusFound)
	}, Options{MaxAttempts: 1})
	if _, err := c.StudyMetadata(t.Context(), "", "1.2"); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("= %v, want a refused redirect", err)
	}
}

type fakeCred struct{ scopes []string }

func (f *fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.scopes = o.Scopes
	return azcore.AccessToken{Token: "tok", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type recordRT struct{ auth []string }

func (r *recordRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("[]")), Header: http.Header{}, Request: req}, nil
}

func TestAuth_BearerOnlyForRemoteHTTPS(t *testing.T) {
	for _, tt := range []struct {
		origin, want string
	}{
		{"https://ws-dicom.dicom.azurehealthcareapis.com", "Bearer tok"},
		{"http://127.0.0.1:8042", ""},
		{"https://127.0.0.1:8443", ""},
	} {
		rt, cred := &recordRT{}, &fakeCred{}
		c, err := New(tt.origin, Options{Credential: cred, Transport: rt, Scope: "https://dicom.healthcareapis.azure.com/.default"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.StudyMetadata(t.Context(), "", "1.2"); err != nil {
			t.Fatal(err)
		}
		if len(rt.auth) != 1 || rt.auth[0] != tt.want {
			t.Errorf("%s: Authorization = %q, want %q", tt.origin, rt.auth, tt.want)
		}
		if tt.want != "" && fmt.Sprint(cred.scopes) != "[https://dicom.healthcareapis.azure.com/.default]" {
			t.Errorf("scopes = %v", cred.scopes)
		}
	}
}

func TestAzure_ChangeFeed(t *testing.T) {
	latest := int64(250)
	c, _ := fakeAzure(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/changefeed/latest":
			fmt.Fprintf(w, `{"sequence":%d,"action":"create"}`, latest)
		case "/v1/changefeed":
			if r.URL.Query().Get("includeMetadata") != "false" || r.URL.Query().Get("limit") != "100" {
				t.Errorf("query = %s", r.URL.RawQuery)
			}
			switch r.URL.Query().Get("offset") {
			case "0":
				io.WriteString(w, `[{"Sequence":1,"PartitionName":"p1","StudyInstanceUid":"1.2","SeriesInstanceUid":"1.2.1","SopInstanceUid":"1.2.1.1","Action":"Create","Timestamp":"2024-01-01T00:00:00Z","State":"Current"},`+
					`{"sequence":7,"studyInstanceUid":"1.3","seriesInstanceUid":"1.3.1","sopInstanceUid":"1.3.1.1","action":"delete","state":"deleted"}]`)
			default:
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `[]`)
			}
		}
	}, Options{})
	ctx := t.Context()
	p, err := c.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 2 || p.Next != 7 || p.Done {
		t.Fatalf("page = %+v", p)
	}
	a, b := p.Changes[0], p.Changes[1]
	if a.Partition != "p1" || a.StudyUID != "1.2" || a.Action != "create" || a.State != "current" || a.Timestamp.IsZero() ||
		b.Partition != DefaultPartition || b.Action != "delete" || b.SOPUID != "1.3.1.1" {
		t.Errorf("entries = %+v", p.Changes)
	}
	// An empty page behind latest skips the gap by at most limit.
	p, err = c.Changes(ctx, 7, 100)
	if err != nil || p.Next != 107 || p.Done {
		t.Errorf("gap page = %+v, %v; want next 107", p, err)
	}
	p, _ = c.Changes(ctx, 200, 100)
	if p.Next != 250 || p.Done {
		t.Errorf("gap page near latest = %+v; want next 250", p)
	}
	p, _ = c.Changes(ctx, 250, 100)
	if p.Next != 250 || !p.Done {
		t.Errorf("end page = %+v; want done at 250", p)
	}
}
