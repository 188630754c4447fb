package eventhubs

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/clock"
	"github.com/ahds-events/ahds/tests/workspace/funcapp"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// Checkpoint is a consumer's position in one partition.
type Checkpoint struct {
	Namespace, Hub, ConsumerGroup, PartitionID string
	Offset, SequenceNumber                     int64
}

// CheckpointStore stores checkpoints. Implementations must be safe for
// concurrent use.
type CheckpointStore interface {
	Checkpoint(ctx context.Context, cp Checkpoint) error
}

// InvokeFunc runs one invocation and returns nil when the handler
// succeeded (a hostwire.Client call).
type InvokeFunc func(ctx context.Context, inv hostwire.Invocation) error

// HubConfig is one event hub and the function it triggers.
type HubConfig struct {
	Name string
	// Partitions defaults to 4.
	Partitions int
	// ConsumerGroup defaults to the trigger's consumerGroup or "$Default".
	ConsumerGroup string
	// Function is the triggered function (its eventHubTrigger binding with
	// cardinality many, dataType and retry policy). A zero Function means
	// the hub accepts events that nobody consumes.
	Function funcapp.Function
}

// Config configures a Namespace.
type Config struct {
	// Namespace is the FullyQualifiedNamespace in partition contexts.
	Namespace string
	Hubs      []HubConfig
	// Batch is host.json extensions.eventHubs.
	Batch funcapp.EventHubs
	// FunctionTimeout bounds one invocation; 0 means none.
	FunctionTimeout time.Duration
	Invoke          InvokeFunc
	Checkpoints     CheckpointStore
	Clock           clock.Clock
	// TimeFactor divides retry delays and maxWaitTime; below 1 means 1.
	TimeFactor float64
	Logger     *slog.Logger
}

// Namespace holds the hubs and runs their consumers.
type Namespace struct {
	cfg  Config
	hubs map[string]*hub
	log  *slog.Logger
	wg   sync.WaitGroup
}

type hub struct {
	name, consumerGroup string
	fn                  funcapp.Function
	parts               []*partition
	mu                  sync.Mutex
	next                int // round-robin cursor
}

type partition struct {
	id         string
	mu         sync.Mutex
	pending    []hostwire.EventData
	nextSeq    int64
	nextOffset int64
	signal     chan struct{}
}

// New checks cfg and returns a namespace; Run starts its consumers.
func New(cfg Config) (*Namespace, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.TimeFactor < 1 {
		cfg.TimeFactor = 1
	}
	if cfg.Batch.MaxEventBatchSize < 1 {
		cfg.Batch.MaxEventBatchSize = 100
	}
	if cfg.Batch.MinEventBatchSize < 1 {
		cfg.Batch.MinEventBatchSize = 1
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "localhost"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ns := &Namespace{cfg: cfg, hubs: map[string]*hub{}, log: log}
	for _, hc := range cfg.Hubs {
		if hc.Name == "" {
			return nil, errors.New("eventhubs: hub without a name")
		}
		if _, dup := ns.hubs[strings.ToLower(hc.Name)]; dup {
			return nil, fmt.Errorf("eventhubs: hub %q defined twice", hc.Name)
		}
		if hc.Function.Name != "" {
			tr, ok := hc.Function.Trigger()
			if !ok || tr.Type != "eventHubTrigger" {
				return nil, fmt.Errorf("eventhubs: hub %q: function %q has no eventHubTrigger binding", hc.Name, hc.Function.Name)
			}
			if c := strings.ToLower(tr.Cardinality); c != "" && c != "one" && c != "many" {
				return nil, fmt.Errorf("eventhubs: hub %q: function %q: cardinality %q (want one or many)", hc.Name, hc.Function.Name, tr.Cardinality)
			}
			switch tr.DataType {
			case "", "string", "binary":
			default:
				return nil, fmt.Errorf("eventhubs: hub %q: function %q: dataType %q (want none, string or binary)", hc.Name, hc.Function.Name, tr.DataType)
			}
			if hc.ConsumerGroup == "" && !strings.Contains(tr.ConsumerGroup, "%") {
				hc.ConsumerGroup = tr.ConsumerGroup // %SETTING% references are the caller's to expand
			}
			if cfg.Invoke == nil {
				return nil, errors.New("eventhubs: a hub has a function but Config.Invoke is nil")
			}
		}
		if hc.ConsumerGroup == "" {
			hc.ConsumerGroup = "$Default"
		}
		if hc.Partitions == 0 {
			hc.Partitions = 4
		}
		if hc.Partitions < 1 || hc.Partitions > 32 {
			return nil, fmt.Errorf("eventhubs: hub %q: %d partitions (want 1–32)", hc.Name, hc.Partitions)
		}
		h := &hub{name: hc.Name, consumerGroup: hc.ConsumerGroup, fn: hc.Function}
		for i := range hc.Partitions {
			h.parts = append(h.parts, &partition{id: fmt.Sprint(i), signal: make(chan struct{}, 1)})
		}
		ns.hubs[strings.ToLower(hc.Name)] = h
	}
	return ns, nil
}

// Run starts one consumer per partition of every hub with a function and
// returns; consumers stop when ctx ends. Wait waits for them.
func (ns *Namespace) Run(ctx context.Context) {
	for _, h := range ns.hubs {
		if h.fn.Name == "" {
			continue
		}
		for _, p := range h.parts {
			ns.wg.Add(1)
			go func() {
				defer ns.wg.Done()
				ns.consume(ctx, h, p)
			}()
		}
	}
}

// Wait blocks until every consumer has stopped.
func (ns *Namespace) Wait() { ns.wg.Wait() }

// SendEvent is one event to enqueue.
type SendEvent struct {
	Body         []byte
	PartitionKey string
	// PartitionID forces a partition ("" = by key or round-robin).
	PartitionID string
	Properties  hostwire.Object
}

// ErrUnknownHub is returned by Send for a hub that does not exist.
var ErrUnknownHub = errors.New("unknown event hub")

// Send enqueues events on hub, all or none.
func (ns *Namespace) Send(hubName string, events []SendEvent) error {
	h, ok := ns.hubs[strings.ToLower(hubName)]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownHub, hubName)
	}
	targets := make([]*partition, len(events))
	for i, e := range events {
		p, err := h.pick(e)
		if err != nil {
			return err
		}
		targets[i] = p
	}
	now := ns.cfg.Clock.Now().UTC()
	for i, e := range events {
		p := targets[i]
		p.mu.Lock()
		p.pending = append(p.pending, hostwire.EventData{
			Body: e.Body, PartitionKey: e.PartitionKey, Offset: p.nextOffset, SequenceNumber: p.nextSeq,
			EnqueuedTime: now, Properties: e.Properties,
		})
		p.nextSeq++
		// Offsets grow with the stored size, as in Event Hubs; the per-event
		// overhead is illustrative.
		p.nextOffset += int64(len(e.Body)) + 86
		p.mu.Unlock()
		select {
		case p.signal <- struct{}{}:
		default:
		}
	}
	return nil
}

func (h *hub) pick(e SendEvent) (*partition, error) {
	if e.PartitionID != "" {
		for _, p := range h.parts {
			if p.id == e.PartitionID {
				return p, nil
			}
		}
		return nil, fmt.Errorf("hub %q has no partition %q", h.name, e.PartitionID)
	}
	if e.PartitionKey != "" {
		f := fnv.New32a()
		_, _ = f.Write([]byte(e.PartitionKey))
		return h.parts[int(f.Sum32()%uint32(len(h.parts)))], nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.parts[h.next%len(h.parts)]
	h.next++
	return p, nil
}
