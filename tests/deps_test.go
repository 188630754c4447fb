package tests

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// goList returns each package matching patterns with its transitive imports.
func goList(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps=false", "-json=ImportPath,Deps"}, patterns...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p.Deps
	}
	return pkgs
}

const module = "github.com/ahds-events/ahds/"

// TestDependencyBoundaries enforces the layering of style.md §2 on the
// non-test code: one go.mod, so package boundaries do the work.
func TestDependencyBoundaries(t *testing.T) {
	pkgs := goList(t, "../...")
	rules := []struct {
		name    string
		applies func(pkg string) bool
		banned  func(dep string) bool
	}{
		{"shared/event imports the standard library only",
			func(p string) bool { return p == module+"shared/event" },
			func(d string) bool { return strings.Contains(d, ".") && !strings.HasPrefix(d, "vendor/") }},
		{"only shared/azfunc knows the host protocol or imports the CloudEvents SDK",
			func(p string) bool {
				return strings.HasPrefix(p, module+"shared/") && !strings.HasPrefix(p, module+"shared/azfunc")
			},
			func(d string) bool {
				return d == module+"shared/azfunc" || strings.HasPrefix(d, "github.com/cloudevents/")
			}},
		{"only shared/awslambda imports aws-lambda-go",
			func(p string) bool { return !strings.HasPrefix(p, module+"shared/awslambda") },
			func(d string) bool { return strings.HasPrefix(d, "github.com/aws/aws-lambda-go") }},
		{"nothing in shared/ imports functions/, cmd/ or tests/",
			func(p string) bool { return strings.HasPrefix(p, module+"shared/") },
			func(d string) bool {
				return strings.HasPrefix(d, module+"functions") || strings.HasPrefix(d, module+"cmd/") || strings.HasPrefix(d, module+"tests/")
			}},
		{"the handler binary never links the FHIR validator or test packages",
			func(p string) bool { return p == module+"functions" },
			func(d string) bool {
				return strings.HasPrefix(d, "github.com/google/fhir/") || strings.HasPrefix(d, module+"tests/") || d == "testing"
			}},
		{"domain packages import no trigger SDK or transport client",
			func(p string) bool {
				return strings.HasPrefix(p, module+"shared/imaging") || strings.HasPrefix(p, module+"shared/medtech")
			},
			func(d string) bool {
				return strings.HasPrefix(d, "github.com/aws/aws-lambda-go") ||
					strings.HasPrefix(d, "github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs") ||
					strings.HasPrefix(d, "github.com/Azure/azure-sdk-for-go/sdk/messaging/eventgrid/azeventgrid")
			}},
	}
	for _, r := range rules {
		for pkg, deps := range pkgs {
			if !r.applies(pkg) {
				continue
			}
			for _, d := range deps {
				if r.banned(d) {
					t.Errorf("%s: %s imports %s", r.name, pkg, d)
				}
			}
		}
	}
	if _, ok := pkgs[module+"functions"]; !ok {
		t.Fatal("go list did not report the functions package")
	}
}
