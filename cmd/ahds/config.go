package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/ahds-events/ahds/shared/config"
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
	for _, s := range config.Settings {
		state := "set"
		if e.getenv(s.Name) == "" {
			state = "default " + quoteOrNone(s.Default)
		}
		fmt.Fprintf(e.stdout, "%-22s %-18s %s\n", s.Name, state, s.Meaning)
	}
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

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

// unjoin returns the messages of an errors.Join result.
func unjoin(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{errors.Unwrap(err).Error()}
}
