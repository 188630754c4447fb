// Package config reads the app's common settings from the environment once,
// at start-up, and says clearly what is wrong with them. Domain packages
// (imaging, medtech) read their own settings with their own LoadConfig.
//
// Problems do not stop the handler: it starts, logs them at Error level, and
// the health function reports them, while functions that need a missing
// setting fail their invocations as transient errors so that no event is
// lost before the setting is fixed.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Config holds the common settings.
type Config struct {
	// FHIRBaseURL is the FHIR service, FHIR_BASE_URL.
	FHIRBaseURL string
	// DICOMServiceURL is the DICOM service origin, DICOM_SERVICE_URL.
	DICOMServiceURL string
	// DICOMServiceKind is azure or orthanc, DICOM_SERVICE_KIND.
	DICOMServiceKind string
	// Storage is where dead letters and checkpoints live (AzureWebJobsStorage).
	Storage Storage
	// DeadLetterContainer is the blob container for dead letters,
	// DEADLETTER_CONTAINER (default "deadletter").
	DeadLetterContainer string
	// AzureClientID selects a user-assigned managed identity, AZURE_CLIENT_ID.
	AzureClientID string
	// LogLevel is LOG_LEVEL: debug, info (default), warn or error.
	LogLevel slog.Level
	// InvocationTimeout is the per-invocation deadline, INVOCATION_TIMEOUT
	// (default 9m: below host.json's functionTimeout of 10 minutes).
	InvocationTimeout time.Duration
}

// Storage is the AzureWebJobsStorage connection in either form the host
// accepts: a connection string, or identity-based settings.
type Storage struct {
	// ConnectionString is AzureWebJobsStorage; "UseDevelopmentStorage=true"
	// means a local Azurite.
	ConnectionString string
	// BlobServiceURL is AzureWebJobsStorage__blobServiceUri, or built from
	// AzureWebJobsStorage__accountName.
	BlobServiceURL string
	// ClientID is AzureWebJobsStorage__clientId (user-assigned identity).
	ClientID string
}

// Configured reports whether any storage setting is present.
func (s Storage) Configured() bool { return s.ConnectionString != "" || s.BlobServiceURL != "" }

// Setting documents one environment variable.
type Setting struct {
	Name, Default, Meaning string
}

// Settings lists the common settings, for `ahds config check` and the docs.
var Settings = []Setting{
	{"FHIR_BASE_URL", "", "FHIR service base URL, e.g. https://ws-fhir.fhir.azurehealthcareapis.com; local http://127.0.0.1:8080"},
	{"DICOM_SERVICE_URL", "", "DICOM service origin, e.g. https://ws-dicom.dicom.azurehealthcareapis.com; local http://127.0.0.1:8042"},
	{"DICOM_SERVICE_KIND", "azure", "azure or orthanc"},
	{"AzureWebJobsStorage", "", "storage connection string (UseDevelopmentStorage=true for Azurite), or the identity form AzureWebJobsStorage__accountName / __blobServiceUri"},
	{"DEADLETTER_CONTAINER", "deadletter", "blob container for dead-lettered deliveries"},
	{"AZURE_CLIENT_ID", "", "client id of the user-assigned managed identity; empty = DefaultAzureCredential"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"INVOCATION_TIMEOUT", "9m", "per-invocation deadline; keep below host.json functionTimeout"},
}

// Load reads the settings through getenv. It always returns a usable Config
// (defaults filled in); the error joins every problem found.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		FHIRBaseURL:         strings.TrimRight(strings.TrimSpace(getenv("FHIR_BASE_URL")), "/"),
		DICOMServiceURL:     strings.TrimRight(strings.TrimSpace(getenv("DICOM_SERVICE_URL")), "/"),
		DICOMServiceKind:    or(getenv("DICOM_SERVICE_KIND"), "azure"),
		DeadLetterContainer: or(getenv("DEADLETTER_CONTAINER"), "deadletter"),
		AzureClientID:       strings.TrimSpace(getenv("AZURE_CLIENT_ID")),
		InvocationTimeout:   9 * time.Minute,
		Storage: Storage{
			ConnectionString: strings.TrimSpace(getenv("AzureWebJobsStorage")),
			BlobServiceURL:   strings.TrimSpace(getenv("AzureWebJobsStorage__blobServiceUri")),
			ClientID:         strings.TrimSpace(getenv("AzureWebJobsStorage__clientId")),
		},
	}
	var errs []error
	if c.Storage.BlobServiceURL == "" {
		if a := strings.TrimSpace(getenv("AzureWebJobsStorage__accountName")); a != "" {
			c.Storage.BlobServiceURL = "https://" + a + ".blob.core.windows.net"
		}
	}
	if c.FHIRBaseURL == "" {
		errs = append(errs, errors.New("FHIR_BASE_URL is not set: the FHIR service base URL, e.g. https://ws-fhir.fhir.azurehealthcareapis.com"))
	} else if err := checkURL(c.FHIRBaseURL); err != nil {
		errs = append(errs, fmt.Errorf("FHIR_BASE_URL: %w", err))
	}
	if c.DICOMServiceURL == "" {
		errs = append(errs, errors.New("DICOM_SERVICE_URL is not set: the DICOM service origin, e.g. https://ws-dicom.dicom.azurehealthcareapis.com"))
	} else if err := checkURL(c.DICOMServiceURL); err != nil {
		errs = append(errs, fmt.Errorf("DICOM_SERVICE_URL: %w", err))
	}
	if c.DICOMServiceKind != "azure" && c.DICOMServiceKind != "orthanc" {
		errs = append(errs, fmt.Errorf("DICOM_SERVICE_KIND is %q: want azure or orthanc", c.DICOMServiceKind))
	}
	if !c.Storage.Configured() {
		errs = append(errs, errors.New("AzureWebJobsStorage is not set: a connection string (UseDevelopmentStorage=true locally) or AzureWebJobsStorage__accountName"))
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL is %q: want debug, info, warn or error", getenv("LOG_LEVEL")))
	}
	if s := getenv("INVOCATION_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("INVOCATION_TIMEOUT is %q: want a positive duration such as 9m", s))
		} else {
			c.InvocationTimeout = d
		}
	}
	return c, errors.Join(errs...)
}

func or(v, def string) string {
	if v = strings.TrimSpace(v); v != "" {
		return v
	}
	return def
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}
