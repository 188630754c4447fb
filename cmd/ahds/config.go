package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/imaging"
	"github.com/ahds-events/ahds/shared/medtech"
)

// runConfig: `ahds config check` validates the settings the handler reads
// from the environment and prints every problem.
func runConfig(_ context.Context, args []string, e env) int {
	if len(args) == 0 || args[0] != "check" {
		return usageError(e.stderr, "usage: ahds config check")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	_, err := config.Load(e.getenv)
	_, ierr := imaging.LoadConfig(e.getenv)
	_, merr := medtech.LoadConfig(e.getenv)
	err = errors.Join(err, ierr, merr)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tMEANING")
	for _, s := range allSettings() {
		state := "set"
		if e.getenv(s.Name) == "" {
			state = "default " + quoteOrNone(s.Default)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, state, s.Meaning)
	}
	_ = tw.Flush()
	if err != nil {
		fmt.Fprintln(e.stderr, "\nproblems:")
		for _, p := range unjoin(err) {
			fmt.Fprintln(e.stderr, "  -", p)
		}
		return 1
	}
	fmt.Fprintln(e.stdout, "\nconfiguration ok")
	return 0
}

// allSettings lists every environment variable the handler reads, once.
func allSettings() []config.Setting {
	var out []config.Setting
	seen := map[string]bool{}
	for _, list := range [][]config.Setting{config.Settings, imaging.Settings, medtech.Settings} {
		for _, s := range list {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

// unjoin returns the messages of nested errors.Join results, one a line.
func unjoin(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}
