package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// typesDir is <repo root>/../shared/bicep-types or BICEP_TYPES_DIR; missing
// data fails the test (the property gate never skips in CI).
func typesDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("BICEP_TYPES_DIR"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "..", "shared", "bicep-types"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "generated", "index.json")); err != nil {
		if os.Getenv("INFRACHECK_ALLOW_MISSING_TYPES") == "1" && os.Getenv("CI") == "" {
			t.Skipf("bicep types missing: %v", err)
		}
		t.Fatalf("bicep types missing at %s: %v", d, err)
	}
	return d
}

func TestRun(t *testing.T) {
	td := filepath.Join("..", "..", "testdata")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no types flag", []string{filepath.Join(td, "good")}, 2, "", "-types is required"},
		{"bad types dir", []string{"-types", t.TempDir(), filepath.Join(td, "good")}, 2, "", "bicep type"},
		{"good", []string{"-types", typesDir(t), "-functions", filepath.Join(td, "good", "functions"), filepath.Join(td, "good")}, 0, "", "2 file(s) ok"},
		{"finding", []string{"-types", typesDir(t), filepath.Join(td, "policy", "R05_shared_key.bicep")}, 1, "R05_shared_key.bicep:", "1 finding(s)"},
		{"no files", []string{"-types", typesDir(t), t.TempDir()}, 2, "", "no .bicep files"},
		{"the real infra", []string{"-types", typesDir(t), filepath.Join("..", "..", "..")}, 0, "", "file(s) ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != tt.wantCode {
				t.Errorf("run(%v) = %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.wantCode, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tt.wantStdout)
			}
			if !strings.Contains(errb.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", errb.String(), tt.wantStderr)
			}
		})
	}
}
