package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2"

	"github.com/ahds-events/ahds/shared/azcred"
	"github.com/ahds-events/ahds/shared/devicesim"
)

// sender delivers one batch of messages that share a device (partition key).
type sender interface {
	send(ctx context.Context, msgs []devicesim.Message) error
	close(ctx context.Context) error
}

// runSimulate: `ahds simulate devices` sends seed-format telemetry to the
// local Event Hubs stand-in (REST send API, --url) or to a real Event Hub
// (--namespace and --hub, with the identity or EVENTHUB_CONNECTION_STRING).
func runSimulate(ctx context.Context, args []string, e env) int {
	if len(args) > 0 && args[0] == "study" {
		return runSimulateStudy(ctx, args[1:], e)
	}
	if len(args) == 0 || args[0] != "devices" {
		return usageError(e.stderr, "usage: ahds simulate devices|study [flags] (see ahds simulate devices -h)")
	}
	fs := flag.NewFlagSet("simulate devices", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	devices := fs.Int("devices", 10, "number of devices")
	patients := fs.Int("patients", 0, "number of patients (default: one per device)")
	interval := fs.Duration("interval", time.Second, "each device's reporting interval (measurement time step)")
	duration := fs.Duration("duration", time.Minute, "span of measurement time to generate")
	rate := fs.Float64("rate", 0, "messages per second to send (0: as fast as the target takes them)")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same messages)")
	startAt := fs.String("start", "", "first measurement time, RFC 3339 (default: now minus --duration)")
	url := fs.String("url", "", "Event Hubs REST send URL, e.g. the local stand-in's http://127.0.0.1:7072/device-telemetry/messages")
	namespace := fs.String("namespace", "", "Event Hubs namespace host, e.g. myns.servicebus.windows.net")
	hub := fs.String("hub", "device-telemetry", "event hub name (with --namespace or EVENTHUB_CONNECTION_STRING)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *devices <= 0 || *interval <= 0 || *duration < *interval || *rate < 0 {
		return usageError(e.stderr, "--devices, --interval and --duration must be positive (duration ≥ interval), --rate ≥ 0")
	}
	start := time.Now().UTC().Add(-*duration).Truncate(time.Second)
	if *startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, *startAt)
		if err != nil {
			return usageError(e.stderr, "--start %q: %v", *startAt, err)
		}
		start = t
	}
	var s sender
	switch {
	case *url != "" && *namespace == "":
		s = &restSender{url: *url, client: &http.Client{Timeout: 30 * time.Second}}
	case *url == "" && (*namespace != "" || e.getenv("EVENTHUB_CONNECTION_STRING") != ""):
		var err error
		if s, err = newAMQPSender(*namespace, *hub, e.getenv); err != nil {
			return fail(e.stderr, err)
		}
	default:
		return usageError(e.stderr, "give exactly one target: --url (REST send API) or --namespace/EVENTHUB_CONNECTION_STRING with --hub")
	}
	defer s.close(context.WithoutCancel(ctx))

	fleet := devicesim.New(devicesim.Options{Devices: *devices, Patients: *patients, Interval: *interval, Start: start, Seed: *seed})
	ticks := int(*duration / *interval)
	total := ticks * *devices
	began := time.Now()
	sent := 0
	for tick := range ticks {
		msgs := fleet.Next()
		if err := s.send(ctx, msgs); err != nil {
			return fail(e.stderr, fmt.Errorf("after %d of %d messages: %w", sent, total, err))
		}
		sent += len(msgs)
		if *rate > 0 {
			due := began.Add(time.Duration(float64(sent) / *rate * float64(time.Second)))
			select {
			case <-ctx.Done():
				return fail(e.stderr, ctx.Err())
			case <-time.After(time.Until(due)):
			}
		}
		if tick%10 == 9 || tick == ticks-1 {
			el := time.Since(began).Seconds()
			fmt.Fprintf(e.stderr, "\rsent %d/%d messages (%.0f/s)", sent, total, float64(sent)/max(el, 1e-9))
		}
	}
	fmt.Fprintln(e.stderr)
	fmt.Fprintf(e.stdout, "sent %d messages from %d devices, measurement times %s to %s\n", sent, *devices,
		start.Format(time.RFC3339), start.Add(time.Duration(ticks-1)**interval).Format(time.RFC3339))
	return 0
}

// restSender posts batches with the Event Hubs REST send API.
type restSender struct {
	url    string
	client *http.Client
}

type restEvent struct {
	Body             string            `json:"Body"`
	UserProperties   map[string]string `json:"UserProperties,omitempty"`
	BrokerProperties map[string]string `json:"BrokerProperties,omitempty"`
}

func (r *restSender) send(ctx context.Context, msgs []devicesim.Message) error {
	batch := make([]restEvent, len(msgs))
	for i, m := range msgs {
		batch[i] = restEvent{Body: string(m.Body), BrokerProperties: map[string]string{"PartitionKey": m.DeviceID}}
	}
	body, _ := json.Marshal(batch)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/vnd.microsoft.servicebus.json")
	res, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("send to %s: %w", r.url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("send to %s: %s: %s", r.url, res.Status, bytes.TrimSpace(b))
	}
	return nil
}

func (r *restSender) close(context.Context) error { return nil }

// amqpSender sends to a real Event Hub with the Azure SDK.
type amqpSender struct{ pc *azeventhubs.ProducerClient }

func newAMQPSender(namespace, hub string, getenv func(string) string) (*amqpSender, error) {
	if cs := getenv("EVENTHUB_CONNECTION_STRING"); cs != "" && namespace == "" {
		pc, err := azeventhubs.NewProducerClientFromConnectionString(cs, hub, nil)
		if err != nil {
			return nil, fmt.Errorf("event hubs connection string: %w", err)
		}
		return &amqpSender{pc}, nil
	}
	cred, err := azcred.NewCredential(getenv("AZURE_CLIENT_ID"))
	if err != nil {
		return nil, err
	}
	pc, err := azeventhubs.NewProducerClient(namespace, hub, cred, nil)
	if err != nil {
		return nil, fmt.Errorf("event hubs %s/%s: %w", namespace, hub, err)
	}
	return &amqpSender{pc}, nil
}

func (a *amqpSender) send(ctx context.Context, msgs []devicesim.Message) error {
	// One batch per device keeps each device's messages in one partition,
	// in order, as IoT Hub routing does.
	for _, m := range msgs {
		key := m.DeviceID
		b, err := a.pc.NewEventDataBatch(ctx, &azeventhubs.EventDataBatchOptions{PartitionKey: &key})
		if err != nil {
			return fmt.Errorf("new batch: %w", err)
		}
		if err := b.AddEventData(&azeventhubs.EventData{Body: m.Body}, nil); err != nil {
			return fmt.Errorf("add event: %w", err)
		}
		if err := a.pc.SendEventDataBatch(ctx, b, nil); err != nil {
			return fmt.Errorf("send batch: %w", err)
		}
	}
	return nil
}

func (a *amqpSender) close(ctx context.Context) error { return a.pc.Close(ctx) }
