package imaging

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/config"
)

// Service kinds (DICOM_SERVICE_KIND).
const (
	KindAzure   = "azure"
	KindOrthanc = "orthanc"
)

// DefaultPartition is the Azure DICOM service's default data partition.
const DefaultPartition = "Microsoft.Default"

// Config holds the settings of dicom.md §2. The zero value is not usable:
// build it with LoadConfig.
type Config struct {
	// ServiceURL is DICOM_SERVICE_URL without a trailing slash.
	ServiceURL string
	// Host is ServiceURL's host (with port, if any), lower-cased.
	Host              string
	Kind              string
	APIVersion        string
	PartitionsEnabled bool
	Scope             string
	SettleWindow      time.Duration
	MaxConcurrent     int
	EventDeadline     time.Duration
	RebuildTimeout    time.Duration
	// OnEmptyStudy is "delete" or "cancel".
	OnEmptyStudy        string
	Patient             PatientOptions
	PatientUpdate       bool
	BasedOnLookup       bool
	CheckpointContainer string
	CatchupSchedule     string
	CatchupMaxDuration  time.Duration
}

// LoadConfig reads the DICOM settings through getenv and validates them.
// All problems are reported together, each naming its setting.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	dur := func(k, def string, max time.Duration) time.Duration {
		d, err := time.ParseDuration(get(k, def))
		if err != nil || d < 0 || (max > 0 && d > max) {
			errs = append(errs, fmt.Errorf("%s: %q is not a duration between 0 and %v (e.g. %s)", k, get(k, def), max, def))
		}
		return d
	}
	boolean := func(k string, def bool) bool {
		v := get(k, strconv.FormatBool(def))
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not true or false", k, v))
		}
		return b
	}
	c := Config{
		ServiceURL: strings.TrimRight(get("DICOM_SERVICE_URL", ""), "/"),
		Kind:       strings.ToLower(get("DICOM_SERVICE_KIND", KindAzure)),
		APIVersion: get("DICOM_API_VERSION", "v2"),
		Scope:      get("DICOM_SCOPE", "https://dicom.healthcareapis.azure.com/.default"),
		Patient: PatientOptions{
			System: get("DICOM_PATIENT_ID_SYSTEM", ""),
		},
		OnEmptyStudy:        strings.ToLower(get("DICOM_ON_EMPTY_STUDY", "delete")),
		CheckpointContainer: get("DICOM_CHECKPOINT_CONTAINER", "dicom-sync"),
		CatchupSchedule:     get("DICOM_CATCHUP_SCHEDULE", "0 */5 * * * *"),
	}
	c.PartitionsEnabled = boolean("DICOM_PARTITIONS_ENABLED", false)
	c.Patient.UseIssuer = boolean("DICOM_PATIENT_USE_ISSUER", false)
	c.PatientUpdate = boolean("DICOM_PATIENT_UPDATE", false)
	c.BasedOnLookup = boolean("DICOM_BASEDON_LOOKUP", true)
	c.SettleWindow = dur("DICOM_SETTLE_WINDOW", "2s", 10*time.Second)
	c.EventDeadline = dur("DICOM_EVENT_DEADLINE", "25s", 29*time.Second)
	c.RebuildTimeout = dur("DICOM_REBUILD_TIMEOUT", "120s", time.Hour)
	c.CatchupMaxDuration = dur("DICOM_CATCHUP_MAX_DURATION", "4m", 24*time.Hour)
	if v := get("DICOM_MAX_CONCURRENT_REBUILDS", "8"); true {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			errs = append(errs, fmt.Errorf("DICOM_MAX_CONCURRENT_REBUILDS: %q is not an integer from 1 to 256", v))
		}
		c.MaxConcurrent = n
	}
	switch {
	case c.ServiceURL == "":
		errs = append(errs, errors.New("DICOM_SERVICE_URL: required (e.g. https://ws-dicom.dicom.azurehealthcareapis.com, locally http://127.0.0.1:8042)"))
	default:
		u, err := url.Parse(c.ServiceURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("DICOM_SERVICE_URL: %q must be an http(s) origin without path or query", c.ServiceURL))
		} else {
			c.Host = strings.ToLower(u.Host)
		}
	}
	if c.Kind != KindAzure && c.Kind != KindOrthanc {
		errs = append(errs, fmt.Errorf("DICOM_SERVICE_KIND: %q must be azure or orthanc", c.Kind))
	}
	if c.APIVersion != "v1" && c.APIVersion != "v2" {
		errs = append(errs, fmt.Errorf("DICOM_API_VERSION: %q must be v1 or v2", c.APIVersion))
	}
	if c.OnEmptyStudy != "delete" && c.OnEmptyStudy != "cancel" {
		errs = append(errs, fmt.Errorf("DICOM_ON_EMPTY_STUDY: %q must be delete or cancel", c.OnEmptyStudy))
	}
	if n := len(strings.Fields(c.CatchupSchedule)); n != 6 {
		errs = append(errs, fmt.Errorf("DICOM_CATCHUP_SCHEDULE: %q must be an NCRONTAB expression with 6 fields (e.g. 0 */5 * * * *)", c.CatchupSchedule))
	}
	if c.EventDeadline == 0 {
		errs = append(errs, errors.New("DICOM_EVENT_DEADLINE: must be greater than 0"))
	}
	if c.RebuildTimeout == 0 {
		errs = append(errs, errors.New("DICOM_REBUILD_TIMEOUT: must be greater than 0"))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("dicom configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// BaseURL returns the DICOMweb base URL for a partition (P6.1): Endpoint
// address, meta.source and the root of every WADO/QIDO request. It never
// ends with a slash.
func (c Config) BaseURL(partition string) string {
	if c.Kind == KindOrthanc {
		return c.ServiceURL + "/dicom-web"
	}
	b := c.ServiceURL + "/" + c.APIVersion
	if c.PartitionsEnabled {
		if partition == "" {
			partition = DefaultPartition
		}
		b += "/partitions/" + partition
	}
	return b
}

// Settings documents the DICOM settings (dicom.md §2) for `ahds config
// check` and the app settings of the infrastructure: name, default, meaning.
var Settings = []config.Setting{
	{Name: "DICOM_SERVICE_URL", Default: "", Meaning: "DICOM service origin, e.g. https://ws-dicom.dicom.azurehealthcareapis.com; local http://127.0.0.1:8042"},
	{Name: "DICOM_SERVICE_KIND", Default: "azure", Meaning: "azure or orthanc (URL layout, auth, change source)"},
	{Name: "DICOM_API_VERSION", Default: "v2", Meaning: "version segment for WADO/QIDO and Endpoint.address (change feed always /v1)"},
	{Name: "DICOM_PARTITIONS_ENABLED", Default: "false", Meaning: "must match the DICOM service's data-partitions setting"},
	{Name: "DICOM_SCOPE", Default: "https://dicom.healthcareapis.azure.com/.default", Meaning: "Entra ID scope for the DICOM service"},
	{Name: "DICOM_SETTLE_WINDOW", Default: "2s", Meaning: "coalescing window per study (0 disables, at most 10s)"},
	{Name: "DICOM_MAX_CONCURRENT_REBUILDS", Default: "8", Meaning: "rebuilds of different studies in parallel"},
	{Name: "DICOM_EVENT_DEADLINE", Default: "25s", Meaning: "how long an Event Grid invocation waits for its rebuild"},
	{Name: "DICOM_REBUILD_TIMEOUT", Default: "120s", Meaning: "limit of one detached rebuild"},
	{Name: "DICOM_ON_EMPTY_STUDY", Default: "delete", Meaning: "delete or cancel the ImagingStudy of a study with no instances left"},
	{Name: "DICOM_PATIENT_ID_SYSTEM", Default: "", Meaning: "Patient.identifier system for PatientID (empty: none)"},
	{Name: "DICOM_PATIENT_USE_ISSUER", Default: "false", Meaning: "use IssuerOfPatientID as the identifier system when present"},
	{Name: "DICOM_PATIENT_UPDATE", Default: "false", Meaning: "keep gender, birthDate and name[0] of existing Patients up to date"},
	{Name: "DICOM_BASEDON_LOOKUP", Default: "true", Meaning: "set ImagingStudy.basedOn from the ServiceRequest with the accession number"},
	{Name: "DICOM_CHECKPOINT_CONTAINER", Default: "dicom-sync", Meaning: "blob container of the change-feed checkpoint"},
	{Name: "DICOM_CATCHUP_SCHEDULE", Default: "0 */5 * * * *", Meaning: "NCRONTAB schedule of dicom-catchup"},
	{Name: "DICOM_CATCHUP_MAX_DURATION", Default: "4m", Meaning: "a catch-up run stops at a page boundary after this"},
}
