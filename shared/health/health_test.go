package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestChecker_DegradedOnFailureAndScrubbed(t *testing.T) {
	c := Checker{
		ConfigProblems: []string{"DICOM_SERVICE_URL is not set"},
		Probes: map[string]Probe{
			"fhir": func(context.Context) error { return nil },
			"storage": func(context.Context) error {
				return errors.New("GET https://acct.blob.core.windows.net/c?sig=SECRET: AccountKey=KEY; refused")
			},
		},
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/health", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "SECRET") || strings.Contains(body, "KEY;") {
		t.Errorf("report leaks a secret: %s", body)
	}
	var rep Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Checks["fhir"].OK || rep.Checks["storage"].OK || rep.Status != "degraded" || len(rep.Config) != 1 {
		t.Errorf("report = %+v", rep)
	}
}

func TestHTTPProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/denied" {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	if err := HTTPProbe(srv.Client(), srv.URL+"/metadata")(t.Context()); err != nil {
		t.Errorf("probe ok endpoint: %v", err)
	}
	if err := HTTPProbe(srv.Client(), srv.URL+"/denied")(t.Context()); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("probe denied endpoint = %v, want role hint", err)
	}
}
