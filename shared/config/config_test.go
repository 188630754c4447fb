package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad_Valid(t *testing.T) {
	c, err := Load(env(map[string]string{
		"FHIR_BASE_URL": "http://127.0.0.1:8080/", "DICOM_SERVICE_URL": "http://127.0.0.1:8042",
		"DICOM_SERVICE_KIND": "orthanc", "AzureWebJobsStorage": "UseDevelopmentStorage=true", "INVOCATION_TIMEOUT": "30s",
	}))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if c.FHIRBaseURL != "http://127.0.0.1:8080" || c.DeadLetterContainer != "deadletter" || c.InvocationTimeout != 30*time.Second {
		t.Errorf("Load() = %+v", c)
	}
}

func TestLoad_ReportsEveryProblem(t *testing.T) {
	_, err := Load(env(map[string]string{"FHIR_BASE_URL": "ftp://x", "DICOM_SERVICE_KIND": "pacs", "LOG_LEVEL": "loud"}))
	if err == nil {
		t.Fatal("Load() error = nil")
	}
	for _, want := range []string{"FHIR_BASE_URL", "DICOM_SERVICE_URL is not set", "DICOM_SERVICE_KIND", "AzureWebJobsStorage", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load() error %q does not mention %s", err, want)
		}
	}
}

func TestLoad_IdentityStorage(t *testing.T) {
	c, _ := Load(env(map[string]string{"AzureWebJobsStorage__accountName": "stfunc"}))
	if c.Storage.BlobServiceURL != "https://stfunc.blob.core.windows.net" {
		t.Errorf("BlobServiceURL = %q", c.Storage.BlobServiceURL)
	}
}
