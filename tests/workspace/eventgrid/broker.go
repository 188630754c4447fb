package eventgrid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/clock"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// DeadLetterSink stores dead-lettered events. Implementations must be safe
// for concurrent use.
type DeadLetterSink interface {
	// DeadLetter stores record (a JSON array holding the one event with the
	// dead-letter fields) for sub in container.
	DeadLetter(ctx context.Context, sub *Subscription, container string, record []byte) error
}

// Config configures a Broker.
type Config struct {
	Subscriptions []Subscription
	Target        Target
	// DeadLetter stores final failures; nil drops them (logged).
	DeadLetter DeadLetterSink
	// Clock defaults to the system clock.
	Clock clock.Clock
	// TimeFactor divides the retry schedule, TTL and dead-letter delay;
	// values below 1 mean 1 (real time).
	TimeFactor float64
	// ResponseTimeout bounds one attempt; 0 means Event Grid's 30 s.
	ResponseTimeout time.Duration
	// DeadLetterDelay is the wait before the dead-letter write; 0 means
	// Event Grid's 5 min (then divided by TimeFactor); negative means none.
	DeadLetterDelay time.Duration
	Logger          *slog.Logger
}

// Broker delivers published events to matching subscriptions.
type Broker struct {
	cfg Config
	ctx context.Context
	wg  sync.WaitGroup
	log *slog.Logger
}

// NewBroker returns a broker whose deliveries run until ctx ends.
func NewBroker(ctx context.Context, cfg Config) (*Broker, error) {
	if cfg.Target == nil {
		return nil, errors.New("eventgrid broker: no target")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.TimeFactor < 1 {
		cfg.TimeFactor = 1
	}
	if cfg.ResponseTimeout == 0 {
		cfg.ResponseTimeout = 30 * time.Second
	}
	if cfg.DeadLetterDelay == 0 {
		cfg.DeadLetterDelay = 5 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Broker{cfg: cfg, ctx: ctx, log: log}, nil
}

// Publish starts delivering each event to every matching subscription and
// returns at once; it returns the number of deliveries started.
func (b *Broker) Publish(events ...Event) int {
	n := 0
	publishTime := b.cfg.Clock.Now()
	for _, e := range events {
		matched := false
		for i := range b.cfg.Subscriptions {
			sub := &b.cfg.Subscriptions[i]
			if !sub.Matches(e) {
				continue
			}
			matched = true
			n++
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				b.deliver(sub, e, publishTime)
			}()
		}
		if !matched {
			b.log.Debug("event matched no subscription", "event_id", e.ID, "type", e.Type)
		}
	}
	return n
}

// Wait blocks until every started delivery has ended (delivered,
// dead-lettered, dropped, or cancelled with the broker's context).
func (b *Broker) Wait() { b.wg.Wait() }

func (b *Broker) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / b.cfg.TimeFactor)
}

func (b *Broker) deliver(sub *Subscription, e Event, publishTime time.Time) {
	body := e.Render(sub.Schema)
	log := b.log.With("subscription", sub.Name, "function", sub.Function, "event_id", e.ID, "type", e.Type)
	deadline := publishTime.Add(b.scaled(sub.EventTTL))
	var (
		status   int
		timedOut bool
		lastTime time.Time
		reason   string
	)
	attempts := 0
	for {
		attempts++
		lastTime = b.cfg.Clock.Now()
		ctx, cancel := context.WithTimeout(b.ctx, b.cfg.ResponseTimeout)
		var err error
		status, err = b.cfg.Target.Deliver(ctx, sub, body)
		timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancel()
		if b.ctx.Err() != nil {
			log.Warn("delivery cancelled: shutting down", "attempts", attempts)
			return
		}
		if err == nil && Succeeded(status) {
			log.Info("delivered", "attempts", attempts, "status", status)
			return
		}
		log.Warn("delivery attempt failed", "attempt", attempts, "status", status, "outcome", Outcome(status, timedOut), "error", err)
		if !timedOut && !Retryable(status) {
			reason = "DeliveryFailed: non-retryable status " + fmt.Sprint(status)
			break
		}
		if attempts >= sub.MaxDeliveryAttempts {
			reason = "MaxDeliveryAttemptsExceeded"
			break
		}
		wait := b.scaled(RetryDelay(attempts, status))
		if !b.cfg.Clock.Now().Add(wait).Before(deadline) {
			reason = "TimeToLiveExceeded"
			break
		}
		select {
		case <-b.cfg.Clock.After(wait):
		case <-b.ctx.Done():
			return
		}
	}
	b.deadLetter(log, sub, body, reason, attempts, Outcome(status, timedOut), status, publishTime, lastTime)
}

func (b *Broker) deadLetter(log *slog.Logger, sub *Subscription, body json.RawMessage, reason string, attempts int, outcome string, status int, publishTime, lastTime time.Time) {
	if b.cfg.DeadLetter == nil || sub.DeadLetterContainer == "" {
		log.Error("delivery failed; no dead-letter destination: event dropped", "reason", reason, "attempts", attempts)
		return
	}
	if b.cfg.DeadLetterDelay > 0 {
		select {
		case <-b.cfg.Clock.After(b.scaled(b.cfg.DeadLetterDelay)):
		case <-b.ctx.Done():
			return
		}
	}
	ev, err := hostwire.ParseObject(body)
	if err != nil {
		log.Error("dead-letter: re-read event", "error", err)
		return
	}
	q := func(s string) json.RawMessage { return hostwire.AppendString(nil, s) }
	ev.Set("deadLetterReason", q(reason))
	ev.Set("deliveryAttempts", json.RawMessage(fmt.Sprint(attempts)))
	ev.Set("lastDeliveryOutcome", q(outcome))
	ev.Set("lastHttpStatusCode", json.RawMessage(fmt.Sprint(status)))
	ev.Set("publishTime", q(hostwire.FormatDateTime(publishTime, hostwire.KindUTC)))
	ev.Set("lastDeliveryAttemptTime", q(hostwire.FormatDateTime(lastTime, hostwire.KindUTC)))
	obj, _ := ev.MarshalJSON()
	record := append(append([]byte{'['}, obj...), ']')
	if err := b.cfg.DeadLetter.DeadLetter(b.ctx, sub, sub.DeadLetterContainer, record); err != nil {
		log.Error("dead-letter write failed: event dropped", "reason", reason, "error", err)
		return
	}
	log.Warn("event dead-lettered", "reason", reason, "attempts", attempts, "container", sub.DeadLetterContainer)
}
