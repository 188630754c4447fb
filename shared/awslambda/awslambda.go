// Package awslambda reaches the same platform-neutral handlers from AWS
// Lambda (github.com/aws/aws-lambda-go), so that the core logic does not
// depend on Azure Functions. It is the only package that imports
// aws-lambda-go.
//
// # Delivery and retry
//
// Unlike the Event Hubs trigger, SQS can negatively acknowledge single
// messages: a transient failure is reported in the partial batch response
// (BatchItemFailures) and only that message is redelivered, after its
// visibility timeout. A permanent failure is written to the dead-letter
// store and acknowledged, as under Azure Functions. EventBridge has no
// partial response: a transient error fails the invocation so Lambda's
// asynchronous retry applies.
package awslambda

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/event"
)

// Options configure the adapters.
type Options struct {
	// Function names the handler in dead-letter records.
	Function string
	// DeadLetters receives permanently failed messages; required.
	DeadLetters deadletter.Store
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// SQS adapts a batch handler to a Lambda SQS handler with partial batch
// responses (the event source mapping must enable ReportBatchItemFailures).
func SQS(h event.BatchHandler, o Options) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		msgs := make([]event.Message, len(ev.Records))
		for i, r := range ev.Records {
			props := map[string]any{}
			for k, a := range r.MessageAttributes {
				if a.StringValue != nil {
					props[k] = *a.StringValue
				}
			}
			sys := map[string]any{"MessageId": r.MessageId, "EventSourceARN": r.EventSourceARN}
			for k, v := range r.Attributes {
				sys[k] = v
			}
			m := event.Message{Body: []byte(r.Body), Properties: props, SystemProperties: sys, Offset: r.MessageId}
			if ms, err := strconv.ParseInt(r.Attributes["SentTimestamp"], 10, 64); err == nil {
				m.EnqueuedTime = time.UnixMilli(ms).UTC()
			}
			m.SequenceNumber, _ = strconv.ParseInt(r.Attributes["SequenceNumber"], 10, 64)
			msgs[i] = m
		}
		err := h(ctx, msgs)
		if err == nil {
			return events.SQSEventResponse{}, nil
		}
		failed := map[int]error{}
		var be *event.BatchError
		switch {
		case errors.As(err, &be):
			failed = be.Failed
		case event.IsPermanent(err):
			for i := range msgs {
				failed[i] = err
			}
		default:
			// The whole batch failed transiently: redeliver all of it.
			return events.SQSEventResponse{}, err
		}
		var resp events.SQSEventResponse
		for i, ferr := range failed {
			if i < 0 || i >= len(ev.Records) {
				return events.SQSEventResponse{}, fmt.Errorf("batch handler named message %d of %d: %w", i, len(ev.Records), err)
			}
			id := ev.Records[i].MessageId
			if !event.IsPermanent(ferr) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
				continue
			}
			rec := deadletter.Record{
				ID: deadletter.ID(o.Function, append([]byte(id+"\x00"), msgs[i].Body...)), Function: o.Function, Trigger: "sqs",
				Error: ferr.Error(), Attempt: receiveCount(ev.Records[i]), Time: o.Now().UTC(), Event: msgs[i].Body,
				Detail: map[string]string{"messageId": id},
			}
			if perr := o.DeadLetters.Put(ctx, rec); perr != nil {
				// Keep the message: SQS redelivers it and we try again.
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
			}
		}
		return resp, nil
	}
}

func receiveCount(r events.SQSMessage) int {
	n, err := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// EventBridge adapts an event handler to a Lambda EventBridge handler; the
// event's detail is the data. Permanent failures are dead-lettered and
// acknowledged; transient ones fail the invocation.
func EventBridge(h event.Handler, o Options) func(context.Context, events.EventBridgeEvent) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		e := event.Event{ID: ev.ID, Source: ev.Source, Type: ev.DetailType, Time: ev.Time.UTC(), DataVersion: ev.Version, Data: ev.Detail}
		if len(ev.Resources) > 0 {
			e.Subject = ev.Resources[0]
		}
		err := h(ctx, e)
		if err == nil || !event.IsPermanent(err) {
			return err
		}
		raw := []byte(fmt.Sprintf(`{"id":%q,"source":%q,"detail-type":%q,"detail":%s}`, ev.ID, ev.Source, ev.DetailType, orNull(ev.Detail)))
		return o.DeadLetters.Put(ctx, deadletter.Record{
			ID: deadletter.ID(o.Function, raw), Function: o.Function, Trigger: "eventbridge",
			Error: err.Error(), Attempt: 1, Time: o.Now().UTC(), Event: raw,
		})
	}
}

func orNull(b []byte) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}
