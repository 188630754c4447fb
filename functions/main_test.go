package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/azfunc"
	"github.com/ahds-events/ahds/shared/config"
)

type functionJSON struct {
	Bindings []struct {
		Type        string `json:"type"`
		Direction   string `json:"direction"`
		Name        string `json:"name"`
		Cardinality string `json:"cardinality"`
		DataType    string `json:"dataType"`
	} `json:"bindings"`
	Retry *struct {
		Strategy      string `json:"strategy"`
		MaxRetryCount int    `json:"maxRetryCount"`
	} `json:"retry"`
}

func testApp(t *testing.T) *azfunc.App {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	return newApp(newDeps(cfg, err, func(string) string { return "" }, slog.New(slog.NewTextHandler(io.Discard, nil))))
}

// TestFunctionFolders_MatchRegistrations fails when a functions/*/function.json
// has no registered handler, a handler has no folder, or the trigger type of
// the folder differs from the adapter it is registered with.
func TestFunctionFolders_MatchRegistrations(t *testing.T) {
	registered := testApp(t).Functions()
	paths, err := filepath.Glob("*/function.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no functions/*/function.json found")
	}
	seen := map[string]bool{}
	for _, p := range paths {
		name := filepath.Dir(p)
		seen[name] = true
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var fj functionJSON
		if err := json.Unmarshal(b, &fj); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var triggers []string
		for _, bd := range fj.Bindings {
			if strings.HasSuffix(bd.Type, "Trigger") {
				triggers = append(triggers, bd.Type)
			}
			if bd.Type == "http" && bd.Direction == "out" && bd.Name != azfunc.HTTPOutput {
				t.Errorf("%s: http output binding is %q, want %q", p, bd.Name, azfunc.HTTPOutput)
			}
			if bd.Type == string(azfunc.TriggerEventHub) && (bd.Cardinality != "many" || bd.DataType != "string") {
				t.Errorf("%s: eventHubTrigger wants cardinality many and dataType string, got %q/%q", p, bd.Cardinality, bd.DataType)
			}
			if bd.Type == string(azfunc.TriggerEventHub) && (fj.Retry == nil || fj.Retry.MaxRetryCount < 1) {
				t.Errorf("%s: eventHubTrigger without a bounded retry policy loses batches on transient failures", p)
			}
		}
		if len(triggers) != 1 {
			t.Errorf("%s: %d trigger bindings, want 1", p, len(triggers))
			continue
		}
		got, ok := registered[name]
		if !ok {
			t.Errorf("function folder %s has no handler registered in newApp", name)
			continue
		}
		if string(got) != triggers[0] {
			t.Errorf("function %s: folder trigger %s, registered as %s", name, triggers[0], got)
		}
	}
	for name := range registered {
		if !seen[name] {
			t.Errorf("handler %s is registered but functions/%s/function.json does not exist", name, name)
		}
	}
}
