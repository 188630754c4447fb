// Package sharedcases locates the project's shared conformance data for
// tests: <repo root>/../shared (a sibling of the repository in CI). Tests
// only; nothing may read it at run time.
package sharedcases

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory holding go.mod, found by walking up from
// the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Path returns <repo root>/../shared/<rel…>. When the directory is missing
// the test fails in CI (CI set) and is skipped elsewhere.
func Path(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{RepoRoot(t), "..", "shared"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared test data missing in CI: %v", err)
		}
		t.Skipf("shared test data not found: %v", err)
	}
	return p
}
