package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ahds-events/ahds/tests/fakehost"
	"github.com/ahds-events/ahds/tests/workspace/blobstore"
	"github.com/ahds-events/ahds/tests/workspace/dicomfront"
	"github.com/ahds-events/ahds/tests/workspace/eventgrid"
	"github.com/ahds-events/ahds/tests/workspace/eventhubs"
	"github.com/ahds-events/ahds/tests/workspace/fhirfront"
	"github.com/ahds-events/ahds/tests/workspace/funcapp"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// Endpoints is what -endpoints receives.
type Endpoints struct {
	FHIR      string `json:"fhir"`
	DICOMweb  string `json:"dicomweb"`
	EventHubs string `json:"eventHubs"`
	Storage   string `json:"storage"`
}

// run starts the emulation and serves until ctx ends. environ is the
// process environment handed to a started handler.
func run(ctx context.Context, args []string, getenv func(string) string, environ []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return serve(ctx, c, getenv, environ, stdout, stderr, nil)
}

// serve runs the emulation for c; ready, when set, is called once every
// listener serves.
func serve(ctx context.Context, c config, getenv func(string) string, environ []string, stdout, stderr io.Writer, ready func(Endpoints)) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	app, err := funcapp.Load(c.appRoot)
	if err != nil {
		return err
	}
	settings, err := funcapp.LoadSettings(c.appRoot)
	if err != nil {
		return err
	}
	// App settings: the environment wins over local.settings.json.
	setting := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return settings[k]
	}
	// Listen first so a busy port fails before anything starts.
	listen := func(port int) (net.Listener, string, error) {
		l, err := net.Listen("tcp", fmt.Sprintf("%s:%d", c.listenHost, port))
		if err != nil {
			return nil, "", fmt.Errorf("listen: %w", err)
		}
		return l, "http://" + l.Addr().String(), nil
	}
	dl, dicomBase, err := listen(c.dicomPort)
	if err != nil {
		return err
	}
	defer dl.Close()
	fl, fhirBase, err := listen(c.fhirPort)
	if err != nil {
		return err
	}
	defer fl.Close()
	el, ehBase, err := listen(c.eventHubPort)
	if err != nil {
		return err
	}
	defer el.Close()

	// The event hosts default to the fronts' actual addresses.
	if c.fhirAccount == "" {
		c.fhirAccount = strings.TrimPrefix(fhirBase, "http://")
	}
	if c.dicomHost == "" {
		c.dicomHost = strings.TrimPrefix(dicomBase, "http://")
	}
	subs, err := eventgrid.LoadSubscriptions(c.subscriptions, map[string]string{"fhirAccount": c.fhirAccount, "dicomHost": c.dicomHost})
	if err != nil {
		return err
	}
	if subs, err = checkSubscriptions(app, subs, c.subscriptions, c.allowMissing, log); err != nil {
		return err
	}

	store, err := blobstore.New(c.storage)
	if err != nil {
		return err
	}

	handlerURL := c.handlerURL
	if c.startHandler {
		env := append([]string(nil), environ...)
		for k, v := range settings {
			if getenv(k) == "" {
				env = append(env, k+"="+v)
			}
		}
		root, err := fakehost.LoadAppRoot(c.appRoot)
		if err != nil {
			return err
		}
		h, err := fakehost.Start(ctx, root, fakehost.Options{Environ: env, Stdout: stdout, Stderr: stderr})
		if err != nil {
			return err
		}
		defer func() { _ = h.Stop() }()
		handlerURL = h.URL()
		log.Info("handler started", "url", handlerURL)
	}

	client := &hostwire.Client{}
	var target eventgrid.Target
	if c.funcHostURL != "" {
		target = &eventgrid.WebhookTarget{BaseURL: c.funcHostURL, Code: c.funcCode}
	} else {
		bindings, expect := map[string]string{}, map[string]hostwire.Expect{}
		for _, name := range app.Names() {
			fn := app.Functions[name]
			tr, _ := fn.Trigger()
			bindings[name] = tr.Name
			expect[name] = expectOf(fn)
		}
		target = &eventgrid.HostTarget{Client: client, HandlerURL: handlerURL, Bindings: bindings, Expect: expect,
			Now: func() hostwire.Sys { return hostwire.Sys{UtcNow: time.Now(), RandGuid: hostwire.NewUUID()} }}
	}
	var sink eventgrid.DeadLetterSink
	if c.deadLetter {
		sink = &eventgrid.BlobSink{Store: store, Topic: topicName(c.topic)}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	broker, err := eventgrid.NewBroker(runCtx, eventgrid.Config{Subscriptions: subs, Target: target, DeadLetter: sink, TimeFactor: c.timeFactor, Logger: log.With("component", "eventgrid")})
	if err != nil {
		return err
	}

	feedPath := c.changeFeedFile
	if feedPath != "" {
		if err := os.MkdirAll(filepath.Dir(feedPath), 0o755); err != nil {
			return err
		}
	}
	feed, err := dicomfront.OpenFeed(feedPath)
	if err != nil {
		return err
	}
	dicom, err := dicomfront.New(dicomfront.Config{OrthancURL: c.orthancURL, Feed: feed, Publisher: broker, ServiceHostName: c.dicomHost, Topic: c.topic, BaseURL: dicomBase, Partitions: c.dicomPartitions, Logger: log.With("component", "dicom")})
	if err != nil {
		return err
	}
	fhir, err := fhirfront.New(fhirfront.Config{FHIRURL: c.fhirURL, BaseURL: fhirBase, Account: c.fhirAccount, Topic: c.topic, Publisher: broker, Logger: log.With("component", "fhir")})
	if err != nil {
		return err
	}
	ns, err := newNamespace(c, app, setting, store, client, handlerURL, log.With("component", "eventhubs"))
	if err != nil {
		return err
	}
	ns.Run(runCtx)

	servers := []*http.Server{{Handler: dicom}, {Handler: fhir}, {Handler: ns.Handler()}}
	errc := make(chan error, len(servers))
	for i, l := range []net.Listener{dl, fl, el} {
		go func() { errc <- servers[i].Serve(l) }()
	}
	ep := Endpoints{FHIR: fhirBase, DICOMweb: dicomBase + "/v2", Storage: c.storage}
	if len(c.hubs) > 0 {
		ep.EventHubs = ehBase + "/" + c.hubs[0].hub + "/messages"
	}
	if err := writeEndpoints(c.endpointsFile, ep); err != nil {
		return err
	}
	if ready != nil {
		ready(ep)
	}
	log.Info("workspace ready", "dicomweb", ep.DICOMweb, "fhir", ep.FHIR, "eventHubs", ep.EventHubs, "handler", handlerURL, "endpoints", c.endpointsFile)

	select {
	case <-ctx.Done():
		err = nil
	case err = <-errc:
		err = fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	for _, s := range servers {
		_ = s.Shutdown(shutdownCtx)
	}
	cancel()
	broker.Wait()
	ns.Wait()
	return err
}

// checkSubscriptions refuses subscriptions whose function is not Event Grid
// triggered, and those whose function is missing unless allowMissing (then
// they are dropped with a warning).
func checkSubscriptions(app *funcapp.App, subs []eventgrid.Subscription, path string, allowMissing bool, log *slog.Logger) ([]eventgrid.Subscription, error) {
	var errs []error
	var kept []eventgrid.Subscription
	for _, s := range subs {
		fn, ok := app.Functions[s.Function]
		if !ok {
			if allowMissing {
				log.Warn("subscription dropped: its function is not in the app root", "file", path, "line", s.Line, "subscription", s.Name, "function", s.Function)
				continue
			}
			errs = append(errs, fmt.Errorf("%s:%d: subscription %q: function %q is not in %s (have %s)", path, s.Line, s.Name, s.Function, app.Root, strings.Join(app.Names(), ", ")))
			continue
		}
		if tr, _ := fn.Trigger(); tr.Type != "eventGridTrigger" {
			errs = append(errs, fmt.Errorf("%s:%d: subscription %q: function %q is triggered by %s, not eventGridTrigger", path, s.Line, s.Name, s.Function, tr.Type))
			continue
		}
		kept = append(kept, s)
	}
	return kept, errors.Join(errs...)
}

func newNamespace(c config, app *funcapp.App, setting func(string) string, store *blobstore.Store, client *hostwire.Client, handlerURL string, log *slog.Logger) (*eventhubs.Namespace, error) {
	var hubs []eventhubs.HubConfig
	for _, h := range c.hubs {
		hc := eventhubs.HubConfig{Name: h.hub, Partitions: c.partitions}
		if h.function != "" && c.funcHostURL == "" {
			fn, ok := app.Functions[h.function]
			switch {
			case !ok && c.allowMissing:
				log.Warn("hub has no consumer: its function is not in the app root", "hub", h.hub, "function", h.function)
			case !ok:
				return nil, fmt.Errorf("hub %q: function %q is not in %s (have %s)", h.hub, h.function, app.Root, strings.Join(app.Names(), ", "))
			default:
				tr, _ := fn.Trigger()
				if name, ok := funcapp.Expand(tr.EventHubName, setting); ok && !strings.EqualFold(name, h.hub) {
					log.Warn("function.json eventHubName differs from the hub it is bound to here", "hub", h.hub, "eventHubName", name)
				}
				cg, ok := funcapp.Expand(tr.ConsumerGroup, setting)
				if !ok {
					log.Warn("consumerGroup setting unresolved: using $Default", "function", fn.Name, "consumerGroup", tr.ConsumerGroup)
					cg = ""
				}
				hc.ConsumerGroup = cg
				hc.Function = fn
			}
		} else if h.function != "" {
			log.Warn("with -func-host-url the Event Hubs stand-in only accepts events: `func start` cannot consume them", "hub", h.hub)
		}
		hubs = append(hubs, hc)
	}
	expect := map[string]hostwire.Expect{}
	for name, fn := range app.Functions {
		expect[name] = expectOf(fn)
	}
	return eventhubs.New(eventhubs.Config{
		Namespace: c.namespace, Hubs: hubs, Batch: app.EventHubs, FunctionTimeout: app.FunctionTimeout,
		Checkpoints: &eventhubs.BlobCheckpoints{Store: store}, TimeFactor: c.timeFactor, Logger: log,
		Invoke: func(ctx context.Context, inv hostwire.Invocation) error {
			res, err := client.Invoke(ctx, handlerURL, inv, expect[inv.Function])
			if err == nil {
				for _, w := range res.Warnings {
					log.Warn("handler answer", "function", inv.Function, "warning", w)
				}
			}
			return err
		},
	})
}

// expectOf builds the answer checks from a function's out bindings.
func expectOf(fn funcapp.Function) hostwire.Expect {
	e := hostwire.Expect{Outputs: map[string]string{}, BinaryOutputs: map[string]bool{}}
	for _, b := range fn.Outputs() {
		e.Outputs[b.Name] = b.Type
		if b.DataType == "binary" {
			e.BinaryOutputs[b.Name] = true
		}
	}
	return e
}

// topicName is the last segment of a topic resource id.
func topicName(topic string) string {
	return topic[strings.LastIndex(topic, "/")+1:]
}

func writeEndpoints(path string, ep Endpoints) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write endpoints: %w", err)
	}
	b, err := json.MarshalIndent(ep, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write endpoints: %w", err)
	}
	return os.Rename(tmp, path)
}
