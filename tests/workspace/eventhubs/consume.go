package eventhubs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

func (ns *Namespace) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / ns.cfg.TimeFactor)
}

// consume delivers one partition's events in order until ctx ends.
func (ns *Namespace) consume(ctx context.Context, h *hub, p *partition) {
	log := ns.log.With("hub", h.name, "partition", p.id, "function", h.fn.Name)
	for {
		batch, ok := ns.nextBatch(ctx, p)
		if !ok {
			return
		}
		if tr, _ := h.fn.Trigger(); strings.EqualFold(tr.Cardinality, "many") {
			ns.deliver(ctx, h, p, batch, log)
		} else {
			// Cardinality one: the extension runs one invocation per event of
			// the batch, in order, and checkpoints after the batch.
			for i := range batch {
				if ctx.Err() != nil {
					return
				}
				ns.deliver(ctx, h, p, batch[i:i+1], log)
			}
		}
		if ctx.Err() != nil {
			return
		}
		last := batch[len(batch)-1]
		cp := Checkpoint{Namespace: ns.cfg.Namespace, Hub: h.name, ConsumerGroup: h.consumerGroup, PartitionID: p.id, Offset: last.Offset, SequenceNumber: last.SequenceNumber}
		if ns.cfg.Checkpoints != nil {
			if err := ns.cfg.Checkpoints.Checkpoint(ctx, cp); err != nil {
				log.Error("checkpoint failed", "sequence", last.SequenceNumber, "error", err)
			}
		}
		p.mu.Lock()
		p.pending = p.pending[len(batch):]
		p.mu.Unlock()
	}
}

// nextBatch waits for events and returns up to maxEventBatchSize of them;
// with minEventBatchSize > 1 it waits up to maxWaitTime for that many.
func (ns *Namespace) nextBatch(ctx context.Context, p *partition) ([]hostwire.EventData, bool) {
	b := ns.cfg.Batch
	var waitUntil <-chan time.Time
	for {
		p.mu.Lock()
		n := len(p.pending)
		p.mu.Unlock()
		if n > 0 && (n >= b.MinEventBatchSize || waitUntil == nil && b.MaxWaitTime <= 0) {
			break
		}
		if n > 0 && waitUntil == nil {
			waitUntil = ns.cfg.Clock.After(ns.scaled(b.MaxWaitTime))
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-p.signal:
		case <-waitUntil:
			p.mu.Lock()
			n = len(p.pending)
			p.mu.Unlock()
			if n > 0 {
				return ns.take(p), true
			}
			waitUntil = nil
		}
	}
	return ns.take(p), true
}

func (ns *Namespace) take(p *partition) []hostwire.EventData {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := min(len(p.pending), ns.cfg.Batch.MaxEventBatchSize)
	return append([]hostwire.EventData(nil), p.pending[:n]...)
}

// deliver invokes the function with the batch, re-invoking per the retry
// policy. It returns when the batch is done, whatever the outcome.
func (ns *Namespace) deliver(ctx context.Context, h *hub, p *partition, batch []hostwire.EventData, log *slog.Logger) {
	tr, _ := h.fn.Trigger()
	pc := hostwire.PartitionContext{IsCheckpointingAfterInvocation: true, FullyQualifiedNamespace: ns.cfg.Namespace, EventHubName: h.name, ConsumerGroup: h.consumerGroup, PartitionID: p.id}
	first, last := batch[0].SequenceNumber, batch[len(batch)-1].SequenceNumber
	var retry *hostwire.RetryContext
	for attempt := 0; ; attempt++ {
		encode := hostwire.EventHubBatch
		if !strings.EqualFold(tr.Cardinality, "many") {
			encode = hostwire.EventHubSingle
		}
		inv, err := encode(hostwire.Batch{
			Function: h.fn.Name, Binding: tr.Name, DataType: tr.DataType, Partition: pc, Events: batch,
			Sys:   hostwire.Sys{MethodName: h.fn.Name, UtcNow: ns.cfg.Clock.Now(), RandGuid: hostwire.NewUUID()},
			Retry: retry,
		})
		if errors.Is(err, hostwire.ErrBinding) {
			log.Error("batch not bound: handler not called; checkpointing anyway", "first_sequence", first, "last_sequence", last, "error", err)
			return
		}
		if err != nil {
			log.Error("batch encoding failed", "error", err)
			return
		}
		ictx, cancel := ctx, context.CancelFunc(func() {})
		if ns.cfg.FunctionTimeout > 0 {
			ictx, cancel = context.WithTimeout(ctx, ns.cfg.FunctionTimeout)
		}
		err = ns.cfg.Invoke(ictx, inv)
		cancel()
		if err == nil {
			log.Info("batch delivered", "events", len(batch), "first_sequence", first, "last_sequence", last, "retries", attempt)
			return
		}
		if ctx.Err() != nil {
			return
		}
		pol := h.fn.Retry
		if pol == nil || (pol.MaxRetryCount >= 0 && attempt >= pol.MaxRetryCount) {
			log.Warn("batch failed; checkpointing anyway (events lost)", "events", len(batch), "first_sequence", first, "last_sequence", last, "retries", attempt, "error", err)
			return
		}
		log.Warn("batch failed; retrying per function.json retry policy", "retry", attempt+1, "error", err)
		retry = &hostwire.RetryContext{RetryCount: attempt + 1, MaxRetryCount: pol.MaxRetryCount, Message: err.Error(), InvocationID: hostwire.NewUUID()}
		select {
		case <-ctx.Done():
			return
		case <-ns.cfg.Clock.After(ns.scaled(pol.Delay(attempt + 1))):
		}
	}
}
