package funcapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeApp(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoad(t *testing.T) {
	root := writeApp(t, map[string]string{
		"host.json": `{"version":"2.0","functionTimeout":"00:10:00","extensions":{"eventHubs":{"maxEventBatchSize":50,"minEventBatchSize":5,"maxWaitTime":"00:00:02.5"}}}`,
		"device-telemetry/function.json": `{"bindings":[{"type":"eventHubTrigger","direction":"in","name":"events","eventHubName":"device-telemetry","cardinality":"many","dataType":"string"}],
			"retry":{"strategy":"exponentialBackoff","maxRetryCount":3,"minimumInterval":"00:00:01","maximumInterval":"00:00:03"}}`,
		"dicom-events/function.json": `{"bindings":[{"type":"eventGridTrigger","direction":"in","name":"event"},{"type":"blob","direction":"out","name":"outBlob"}]}`,
		"notafunction/readme.txt":    "x",
	})
	app, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(app.Names(), ","); got != "device-telemetry,dicom-events" {
		t.Errorf("Names() = %s", got)
	}
	if app.FunctionTimeout != 10*time.Minute || app.EventHubs != (EventHubs{50, 5, 2500 * time.Millisecond}) {
		t.Errorf("host = %v %+v", app.FunctionTimeout, app.EventHubs)
	}
	f := app.Functions["device-telemetry"]
	if tr, _ := f.Trigger(); tr.DataType != "string" || tr.Cardinality != "many" {
		t.Errorf("trigger = %+v", tr)
	}
	for retry, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 3 * time.Second, 9: 3 * time.Second} {
		if got := f.Retry.Delay(retry); got != want {
			t.Errorf("Delay(%d) = %v, want %v", retry, got, want)
		}
	}
	if out := app.Functions["dicom-events"].Outputs(); len(out) != 1 || out[0].Name != "outBlob" {
		t.Errorf("Outputs() = %+v", out)
	}
}

func TestLoad_Errors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no host.json", map[string]string{"f/function.json": `{}`}, "host.json"},
		{"bad function.json", map[string]string{"host.json": `{}`, "f/function.json": `{"bindings":[}`}, "f/function.json"},
		{"no trigger", map[string]string{"host.json": `{}`, "f/function.json": `{"bindings":[]}`}, "no trigger"},
		{"bad retry", map[string]string{"host.json": `{}`, "f/function.json": `{"bindings":[{"type":"eventHubTrigger","direction":"in","name":"e"}],"retry":{"strategy":"sometimes"}}`}, "retry.strategy"},
		{"bad timespan", map[string]string{"host.json": `{"functionTimeout":"ten minutes"}`}, "functionTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeApp(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want mention of %q", err, tt.want)
			}
		})
	}
}

func TestParseTimeSpan(t *testing.T) {
	for give, want := range map[string]time.Duration{"00:00:10": 10 * time.Second, "01:02:03": time.Hour + 2*time.Minute + 3*time.Second, "1.00:00:00": 24 * time.Hour, "00:00:00.5": 500 * time.Millisecond} {
		if got, err := ParseTimeSpan(give); err != nil || got != want {
			t.Errorf("ParseTimeSpan(%q) = %v, %v; want %v", give, got, err, want)
		}
	}
	for _, give := range []string{"10", "00:61:00", "a:b:c"} {
		if _, err := ParseTimeSpan(give); err == nil {
			t.Errorf("ParseTimeSpan(%q) = nil error", give)
		}
	}
}

func TestSettingsAndExpand(t *testing.T) {
	root := writeApp(t, map[string]string{"local.settings.json": `{"IsEncrypted":false,"Values":{"HUB":"device-telemetry","CG":"$Default"}}`})
	s, err := LoadSettings(root)
	if err != nil || s["HUB"] != "device-telemetry" {
		t.Fatalf("LoadSettings = %v, %v", s, err)
	}
	if got, ok := Expand("%HUB%", func(k string) string { return s[k] }); !ok || got != "device-telemetry" {
		t.Errorf("Expand = %q %v", got, ok)
	}
	if got, ok := Expand("x-%MISSING%", func(k string) string { return s[k] }); ok || got != "x-" {
		t.Errorf("Expand(missing) = %q %v", got, ok)
	}
	if s, err := LoadSettings(t.TempDir()); err != nil || len(s) != 0 {
		t.Errorf("LoadSettings(no file) = %v, %v", s, err)
	}
}
