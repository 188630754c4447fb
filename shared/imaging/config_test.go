package imaging

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig_Defaults(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": "https://WS-dicom.dicom.azurehealthcareapis.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "ws-dicom.dicom.azurehealthcareapis.com" || c.Kind != KindAzure || c.APIVersion != "v2" ||
		c.SettleWindow != 2*time.Second || c.MaxConcurrent != 8 || c.EventDeadline != 25*time.Second ||
		c.RebuildTimeout != 120*time.Second || c.OnEmptyStudy != "delete" || !c.BasedOnLookup ||
		c.CheckpointContainer != "dicom-sync" || c.CatchupMaxDuration != 4*time.Minute || c.PartitionsEnabled ||
		c.Scope != "https://dicom.healthcareapis.azure.com/.default" || c.CatchupSchedule != "0 */5 * * * *" {
		t.Errorf("defaults = %+v", c)
	}
	if got := c.BaseURL(DefaultPartition); got != "https://WS-dicom.dicom.azurehealthcareapis.com/v2" {
		t.Errorf("BaseURL = %s", got)
	}
	c.PartitionsEnabled = true
	if got := c.BaseURL(DefaultPartition); got != "https://WS-dicom.dicom.azurehealthcareapis.com/v2/partitions/Microsoft.Default" {
		t.Errorf("BaseURL partitions = %s", got)
	}
	o, err := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": "http://127.0.0.1:8042", "DICOM_SERVICE_KIND": "orthanc"}))
	if err != nil || o.BaseURL("x") != "http://127.0.0.1:8042/dicom-web" || o.Host != "127.0.0.1:8042" {
		t.Errorf("orthanc = %+v, %v", o, err)
	}
}

func TestLoadConfig_Errors(t *testing.T) {
	_, err := LoadConfig(env(map[string]string{
		"DICOM_SERVICE_URL": "ftp://x/path", "DICOM_SERVICE_KIND": "gcp", "DICOM_SETTLE_WINDOW": "11s",
		"DICOM_MAX_CONCURRENT_REBUILDS": "0", "DICOM_ON_EMPTY_STUDY": "keep", "DICOM_PARTITIONS_ENABLED": "maybe",
		"DICOM_API_VERSION": "v3", "DICOM_CATCHUP_SCHEDULE": "*/5 * * * *",
	}))
	if err == nil {
		t.Fatal("want error")
	}
	for _, k := range []string{"DICOM_SERVICE_URL", "DICOM_SERVICE_KIND", "DICOM_SETTLE_WINDOW", "DICOM_MAX_CONCURRENT_REBUILDS", "DICOM_ON_EMPTY_STUDY", "DICOM_PARTITIONS_ENABLED", "DICOM_API_VERSION", "DICOM_CATCHUP_SCHEDULE"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not name %s", err, k)
		}
	}
	if _, err := LoadConfig(env(nil)); err == nil || !strings.Contains(err.Error(), "DICOM_SERVICE_URL: required") {
		t.Errorf("missing URL: %v", err)
	}
}

func TestSettings_DefaultsMatchLoadConfig(t *testing.T) {
	m := map[string]string{}
	for _, s := range Settings {
		m[s.Name] = s.Default
	}
	m["DICOM_SERVICE_URL"] = "https://x.example"
	withDefaults, err := LoadConfig(env(m))
	if err != nil {
		t.Fatal(err)
	}
	bare, _ := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": "https://x.example"}))
	if withDefaults != bare {
		t.Errorf("documented defaults differ from LoadConfig's:\n%+v\n%+v", withDefaults, bare)
	}
}
