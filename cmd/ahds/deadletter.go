package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/ahds-events/ahds/shared/azcred"
	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/deadletter"
)

// runDeadLetter: `ahds deadletter list [--function F] [--json]` and
// `ahds deadletter show ID`, reading the store the handler writes
// (AzureWebJobsStorage, DEADLETTER_CONTAINER).
func runDeadLetter(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		return usageError(e.stderr, "usage: ahds deadletter list [--function NAME] [--json] | show ID")
	}
	fs := flag.NewFlagSet("deadletter "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	function := fs.String("function", "", "only records of this function")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var id string
	switch args[0] {
	case "list":
		if fs.NArg() != 0 {
			return usageError(e.stderr, "deadletter list takes no positional arguments")
		}
	case "show":
		if fs.NArg() != 1 {
			return usageError(e.stderr, "usage: ahds deadletter show ID")
		}
		id = fs.Arg(0)
	default:
		return usageError(e.stderr, "unknown deadletter command %q: want list or show", args[0])
	}
	store, err := openDeadLetters(e.getenv)
	if err != nil {
		return fail(e.stderr, err)
	}
	if args[0] == "list" {
		return listDeadLetters(ctx, store, *function, *asJSON, e)
	}
	r, err := store.Get(ctx, id)
	if errors.Is(err, deadletter.ErrNotFound) {
		return fail(e.stderr, fmt.Errorf("no dead-letter record %q (see ahds deadletter list)", id))
	}
	if err != nil {
		return fail(e.stderr, err)
	}
	return showDeadLetter(r, e)
}

func openDeadLetters(getenv func(string) string) (deadletter.Store, error) {
	cfg, _ := config.Load(getenv) // only the storage settings matter here
	if !cfg.Storage.Configured() {
		return nil, errors.New("AzureWebJobsStorage is not set: point it at the app's storage (UseDevelopmentStorage=true for Azurite)")
	}
	var cred azcore.TokenCredential
	if cfg.Storage.ConnectionString == "" {
		c, err := azcred.NewCredential(cfg.AzureClientID)
		if err != nil {
			return nil, err
		}
		cred = c
	}
	client, err := blobstore.Open(cfg.Storage, cred)
	if err != nil {
		return nil, err
	}
	return deadletter.NewBlob(client, cfg.DeadLetterContainer), nil
}

func listDeadLetters(ctx context.Context, store deadletter.Store, function string, asJSON bool, e env) int {
	sums, err := store.List(ctx, function)
	if err != nil {
		return fail(e.stderr, err)
	}
	if asJSON {
		if sums == nil {
			sums = []deadletter.Summary{}
		}
		b, _ := json.MarshalIndent(sums, "", "  ")
		fmt.Fprintln(e.stdout, string(b))
		return 0
	}
	if len(sums) == 0 {
		fmt.Fprintln(e.stdout, "no dead-lettered deliveries")
		return 0
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tERROR")
	for _, s := range sums {
		msg := s.Error
		if len(msg) > 100 {
			msg = msg[:100] + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, s.Time.Format("2006-01-02 15:04:05Z07:00"), msg)
	}
	_ = tw.Flush()
	return 0
}

func showDeadLetter(r deadletter.Record, e env) int {
	view := struct {
		deadletter.Record
		Event any `json:"event"`
	}{Record: r}
	switch {
	case json.Valid(r.Event):
		view.Event = json.RawMessage(r.Event)
	case utf8.Valid(r.Event):
		view.Event = string(r.Event)
	default:
		view.Event = r.Event // base64
	}
	b, err := json.MarshalIndent(view, "", "  ")
	if err != nil {
		return fail(e.stderr, err)
	}
	fmt.Fprintln(e.stdout, string(b))
	return 0
}
