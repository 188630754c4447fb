// Command ahds is the operator CLI: configuration checks, the dead-letter
// store, the DICOM and MedTech previews and catch-up, and the device
// simulator. Exit status: 0 ok, 1 failure, 2 unusable arguments.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what every command gets besides its arguments.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command runs one top-level command with the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, e env) int
}

func commands() map[string]command {
	return map[string]command{
		"version":    {"print the version", func(_ context.Context, _ []string, e env) int { fmt.Fprintln(e.stdout, "ahds", version); return 0 }},
		"config":     {"config check: validate the environment's settings", runConfig},
		"deadletter": {"deadletter list|show: read the dead-letter store", runDeadLetter},
		"simulate":   {"simulate devices: send seed-format device telemetry to Event Hubs", runSimulate},
		"dicom": {"dicom imagingstudy|catchup: preview the FHIR resources of a study; catch up from the change feed", func(ctx context.Context, args []string, e env) int {
			return runDicom(ctx, args, e.getenv, e.stdin, e.stdout, e.stderr)
		}},
		"medtech": {"medtech normalize|map|validate: the MedTech mapping debugger", func(ctx context.Context, args []string, e env) int {
			return runMedtech(ctx, args, e.stdin, e.stdout, e.stderr)
		}},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ahds: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], e)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: ahds <command> [arguments]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
}

// usageError prints a message about unusable arguments and returns 2.
func usageError(w io.Writer, format string, a ...any) int {
	fmt.Fprintf(w, "ahds: "+format+"\n", a...)
	return 2
}

// fail prints an error and returns 1.
func fail(w io.Writer, err error) int {
	fmt.Fprintln(w, "ahds:", strings.TrimSpace(err.Error()))
	return 1
}
