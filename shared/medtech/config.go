package medtech

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/config"
)

// IdentityMode selects how Patient and Device references are resolved
// (medtech.md D5, §15).
type IdentityMode string

// The identity modes.
const (
	// IdentityLookup finds the Device by identifier and takes its patient.
	IdentityLookup IdentityMode = "Lookup"
	// IdentityCreate is Lookup, creating the Patient and Device when absent.
	IdentityCreate IdentityMode = "Create"
	// IdentityDirect uses the message's ids as FHIR logical ids.
	IdentityDirect IdentityMode = "Direct"
)

// Config holds the device pipeline's settings.
type Config struct {
	// DeviceMapping and FHIRMapping locate the mappings: a file path, or an
	// https:// blob URL read through Options.Blobs.
	DeviceMapping, FHIRMapping string
	// Mode is the Observation output mode.
	Mode Mode
	// Identity is the identity resolution mode.
	Identity IdentityMode
	// IdentityCacheTTL is how long resolved identities are reused.
	IdentityCacheTTL time.Duration
	// DeviceIdentifierSystem qualifies Device identifier searches.
	DeviceIdentifierSystem string
	// FHIRConcurrency bounds concurrent bundle requests per invocation.
	FHIRConcurrency int
	// IdentifierLookupOnMiss searches Observations by identifier when the
	// computed id is absent (Observations of older MedTech versions).
	IdentifierLookupOnMiss bool
	// MappingRefresh is how often the mapping sources are re-read.
	MappingRefresh time.Duration
}

// Settings documents the device pipeline's environment variables.
var Settings = []config.Setting{
	{Name: "MEDTECH_DEVICE_MAPPING", Default: "", Meaning: "device mapping (CollectionContent JSON): file path or blob URL (required)"},
	{Name: "MEDTECH_FHIR_MAPPING", Default: "", Meaning: "FHIR destination mapping (CollectionFhir JSON): file path or blob URL (required)"},
	{Name: "MEDTECH_OUTPUT_MODE", Default: "fhir", Meaning: "fhir or azure-medtech (reproduce the Azure MedTech service's Observations)"},
	{Name: "MEDTECH_IDENTITY_MODE", Default: "Lookup", Meaning: "Lookup, Create or Direct (message ids are FHIR logical ids)"},
	{Name: "MEDTECH_IDENTITY_CACHE_TTL", Default: "5m", Meaning: "how long a device's resolved Patient/Device is reused"},
	{Name: "MEDTECH_DEVICE_IDENTIFIER_SYSTEM", Default: "", Meaning: "identifier system of Device searches and created Devices"},
	{Name: "MEDTECH_FHIR_CONCURRENCY", Default: "4", Meaning: "concurrent FHIR bundle requests per invocation (1-32)"},
	{Name: "MEDTECH_IDENTIFIER_LOOKUP_ON_MISS", Default: "true in azure-medtech mode, else false", Meaning: "search Observations by identifier when the computed id is absent"},
	{Name: "MEDTECH_MAPPING_REFRESH", Default: "1m", Meaning: "how often the mapping sources are re-read; 0 = never"},
}

// LoadConfig reads and validates the settings. All problems are reported
// together.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		DeviceMapping:          get("MEDTECH_DEVICE_MAPPING"),
		FHIRMapping:            get("MEDTECH_FHIR_MAPPING"),
		DeviceIdentifierSystem: get("MEDTECH_DEVICE_IDENTIFIER_SYSTEM"),
	}
	var errs []error
	if c.DeviceMapping == "" {
		errs = append(errs, errors.New("MEDTECH_DEVICE_MAPPING is required: the device mapping's file path or blob URL"))
	}
	if c.FHIRMapping == "" {
		errs = append(errs, errors.New("MEDTECH_FHIR_MAPPING is required: the FHIR destination mapping's file path or blob URL"))
	}
	switch m := strings.ToLower(get("MEDTECH_OUTPUT_MODE")); m {
	case "", "fhir":
		c.Mode = ModeFHIR
	case "azure-medtech":
		c.Mode = ModeAzureMedTech
	default:
		errs = append(errs, fmt.Errorf("MEDTECH_OUTPUT_MODE is %q: want fhir or azure-medtech", m))
	}
	switch m := strings.ToLower(get("MEDTECH_IDENTITY_MODE")); m {
	case "", "lookup":
		c.Identity = IdentityLookup
	case "create":
		c.Identity = IdentityCreate
	case "direct":
		c.Identity = IdentityDirect
	default:
		errs = append(errs, fmt.Errorf("MEDTECH_IDENTITY_MODE is %q: want Lookup, Create or Direct", m))
	}
	duration := func(key string, def time.Duration, min time.Duration) time.Duration {
		s := get(key)
		if s == "" {
			return def
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < min {
			errs = append(errs, fmt.Errorf("%s is %q: want a duration of at least %v such as 5m", key, s, min))
			return def
		}
		return d
	}
	c.IdentityCacheTTL = duration("MEDTECH_IDENTITY_CACHE_TTL", 5*time.Minute, 0)
	c.MappingRefresh = duration("MEDTECH_MAPPING_REFRESH", time.Minute, 0)
	c.FHIRConcurrency = 4
	if s := get("MEDTECH_FHIR_CONCURRENCY"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 32 {
			errs = append(errs, fmt.Errorf("MEDTECH_FHIR_CONCURRENCY is %q: want an integer from 1 to 32", s))
		} else {
			c.FHIRConcurrency = n
		}
	}
	c.IdentifierLookupOnMiss = c.Mode == ModeAzureMedTech
	if s := get("MEDTECH_IDENTIFIER_LOOKUP_ON_MISS"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("MEDTECH_IDENTIFIER_LOOKUP_ON_MISS is %q: want true or false", s))
		} else {
			c.IdentifierLookupOnMiss = b
		}
	}
	return c, errors.Join(errs...)
}
