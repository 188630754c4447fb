// Command infracheck runs the offline Bicep gates (syntax, property, policy)
// over the given files or directories and exits non-zero on any finding.
//
//	go run ./infra/check/cmd/infracheck -types ../shared/bicep-types -functions functions infra
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ahds-events/ahds/infra/check"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("infracheck", flag.ContinueOnError)
	fl.SetOutput(stderr)
	typesDir := fl.String("types", "", "bicep-types folder (holding generated/index.json); required")
	functionsDir := fl.String("functions", "", "folder with one <name>/function.json per function (R12); empty skips that check")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *typesDir == "" {
		fmt.Fprintln(stderr, "infracheck: -types is required (e.g. -types ../shared/bicep-types); the property gate never skips")
		return 2
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{"infra"}
	}
	types, err := check.LoadTypes(*typesDir)
	if err != nil {
		fmt.Fprintf(stderr, "infracheck: %v\n(the bicep type definitions are expected at %s; see its README)\n", err, *typesDir)
		return 2
	}
	files, err := check.Files(paths...)
	if err != nil {
		fmt.Fprintf(stderr, "infracheck: %v\n", err)
		return 2
	}
	findings, err := check.Run(files, check.Options{Types: types, FunctionsDir: *functionsDir})
	if err != nil {
		fmt.Fprintf(stderr, "infracheck: %v\n", err)
		return 2
	}
	for _, f := range findings {
		fmt.Fprintln(stdout, f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(stderr, "infracheck: %d finding(s) in %d file(s)\n", len(findings), len(files))
		return 1
	}
	fmt.Fprintf(stderr, "infracheck: %d file(s) ok\n", len(files))
	return 0
}
