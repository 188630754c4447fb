package azfunc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/event"
)

// DetailError is implemented by errors that carry context for the
// dead-letter record (template, expression, resource). Found with errors.As.
type DetailError interface {
	error
	DeadLetterDetail() map[string]string
}

func detailOf(err error) map[string]string {
	var d DetailError
	if errors.As(err, &d) {
		return d.DeadLetterDetail()
	}
	return nil
}

// EventGrid registers an Event Grid trigger function (cardinality one; both
// schemas). The host runs one invocation per event, in parallel.
func (a *App) EventGrid(name string, h event.Handler) {
	a.register(name, function{trigger: TriggerEventGrid, timeout: EventGridTimeout, invoke: func(ctx context.Context, req invokeRequest) result {
		_, raw, err := req.trigger()
		if err != nil {
			return result{err: wireError(err)}
		}
		e, err := DecodeEventGridEvent(raw)
		if err != nil {
			return result{err: wireError(err)}
		}
		if err := h(ctx, e); err != nil {
			if event.IsPermanent(err) {
				return result{err: err, dead: []deadItem{{bytes: e.Raw, err: err, detail: detailOf(err)}}}
			}
			return result{err: err}
		}
		return result{}
	}})
}

// EventHubBatch registers an Event Hubs trigger function with cardinality
// many and the given dataType. Permanently failed messages (a *BatchError
// entry) are dead-lettered one by one with their original body; a transient
// failure fails the invocation, so the whole batch is re-run only if
// function.json has a retry policy.
func (a *App) EventHubBatch(name string, dt DataType, h event.BatchHandler) {
	a.register(name, function{trigger: TriggerEventHub, invoke: func(ctx context.Context, req invokeRequest) result {
		_, raw, err := req.trigger()
		if err != nil {
			return result{err: wireError(err)}
		}
		msgs, err := DecodeEventHubBatch(raw, req.Metadata, dt)
		if err != nil {
			return result{err: wireError(err)}
		}
		err = h(ctx, msgs)
		if err == nil {
			return result{logs: []string{fmt.Sprintf("handled %d message(s)", len(msgs))}}
		}
		// A retry policy's last re-invocation is final: after it the trigger
		// checkpoints whatever the outcome, so a transient failure then would
		// lose the batch (contract §9).
		tries, maxTries, retrying := retryState(req.Metadata)
		final := retrying && maxTries >= 0 && tries >= maxTries
		var be *event.BatchError
		if !errors.As(err, &be) {
			if !event.IsPermanent(err) && !final {
				return result{err: err}
			}
			// A whole-batch failure that no retry will fix, or the last
			// retry: set every message aside one by one.
			be = &event.BatchError{Failed: make(map[int]error, len(msgs))}
			for i := range msgs {
				be.Failed[i] = err
			}
		}
		if final {
			be = exhaust(be, tries+1)
		}
		var res result
		var transient []error
		for i, merr := range be.Failed {
			if i < 0 || i >= len(msgs) {
				return result{err: fmt.Errorf("batch handler named message %d of %d: %w", i, len(msgs), err)}
			}
			if !event.IsPermanent(merr) {
				transient = append(transient, fmt.Errorf("message %d: %w", i, merr))
				continue
			}
			m := msgs[i]
			detail := map[string]string{"partitionId": m.PartitionID, "offset": m.Offset, "sequenceNumber": strconv.FormatInt(m.SequenceNumber, 10)}
			for k, v := range detailOf(merr) {
				detail[k] = v
			}
			key := append([]byte(m.PartitionID+"/"+strconv.FormatInt(m.SequenceNumber, 10)+"\x00"), m.Body...)
			res.dead = append(res.dead, deadItem{id: deadletter.ID(name, key), bytes: m.Body, err: merr, detail: detail})
		}
		// Only the transient failures decide the outcome: the permanent ones
		// are dead-lettered either way.
		if res.err = errors.Join(transient...); res.err == nil {
			res.logs = []string{fmt.Sprintf("handled %d message(s), %d dead-lettered", len(msgs), len(res.dead))}
		}
		return res
	}})
}

// Timer registers a timer trigger function.
func (a *App) Timer(name string, h event.TimerHandler) {
	a.register(name, function{trigger: TriggerTimer, invoke: func(ctx context.Context, req invokeRequest) result {
		_, raw, err := req.trigger()
		if err != nil {
			return result{err: wireError(err)}
		}
		var ti struct {
			ScheduleStatus *struct{ Last, Next string }
			IsPastDue      bool
		}
		if err := json.Unmarshal(unwrapValue(raw), &ti); err != nil {
			return result{err: wireError(fmt.Errorf("timer info: %w", err))}
		}
		t := event.Timer{IsPastDue: ti.IsPastDue}
		if ti.ScheduleStatus != nil {
			t.Last, _ = parseTime(ti.ScheduleStatus.Last)
			t.Next, _ = parseTime(ti.ScheduleStatus.Next)
		}
		return result{err: h(ctx, t)}
	}})
}

// HTTPOutput is the name of the http output binding every HTTP function's
// function.json must use.
const HTTPOutput = "res"

// httpRequest is Data.<req> with forwarding off (contract §5.4).
type httpRequest struct {
	URL     string              `json:"Url"`
	Method  string              `json:"Method"`
	Headers map[string][]string `json:"Headers"`
	Body    *string             `json:"Body"`
}

// HTTP registers an HTTP trigger function (forwarding off) served by a
// standard http.Handler; its response becomes Outputs.res.
func (a *App) HTTP(name string, h http.Handler) {
	a.register(name, function{trigger: TriggerHTTP, invoke: func(ctx context.Context, req invokeRequest) result {
		_, raw, err := req.trigger()
		if err != nil {
			return result{err: wireError(err)}
		}
		var hr httpRequest
		if err := json.Unmarshal(unwrapValue(raw), &hr); err != nil {
			return result{err: wireError(fmt.Errorf("http request: %w", err))}
		}
		u, err := url.Parse(hr.URL)
		if err != nil || hr.Method == "" {
			return result{err: wireError(fmt.Errorf("http request: bad Url or empty Method"))}
		}
		var body []byte
		if hr.Body != nil {
			body = []byte(*hr.Body)
		}
		r, err := http.NewRequestWithContext(ctx, hr.Method, u.String(), bytes.NewReader(body))
		if err != nil {
			return result{err: wireError(fmt.Errorf("http request: %w", err))}
		}
		for k, vs := range hr.Headers {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		rec := &responseRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		headers := map[string]string{}
		for k := range rec.header {
			headers[k] = rec.header.Get(k)
		}
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		// body as a string: an object would be re-indented by the host (§6.5).
		return result{outputs: map[string]any{HTTPOutput: map[string]any{
			"statusCode": rec.code, "headers": headers, "body": rec.body.String(),
		}}}
	}})
}

// responseRecorder collects an http.Handler's answer for Outputs.res.
type responseRecorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *responseRecorder) Header() http.Header { return r.header }

func (r *responseRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// retryState reads Metadata.RetryContext: present only while a retry policy
// re-invokes (contract §4.4).
func retryState(meta map[string]json.RawMessage) (count, maxCount int, ok bool) {
	raw, found := meta["RetryContext"]
	if !found {
		return 0, 0, false
	}
	var rc struct{ RetryCount, MaxRetryCount int }
	if err := json.Unmarshal(unwrapValue(raw), &rc); err != nil {
		return 0, 0, false
	}
	return rc.RetryCount, rc.MaxRetryCount, true
}

// exhaust turns the transient failures of a final attempt into permanent
// ones, so they are dead-lettered instead of checkpointed away.
func exhaust(be *event.BatchError, attempts int) *event.BatchError {
	out := &event.BatchError{Failed: make(map[int]error, len(be.Failed))}
	for i, err := range be.Failed {
		if !event.IsPermanent(err) {
			err = event.Permanent(fmt.Errorf("retries exhausted after %d attempts: %w", attempts, err))
		}
		out.Failed[i] = err
	}
	return out
}

// wireErr marks a failure to decode what the host sent. Its message names
// structure only (never payload values), so it is safe to log.
type wireErr struct{ err error }

func (w wireErr) Error() string   { return w.err.Error() }
func (w wireErr) Unwrap() []error { return []error{w.err, event.ErrPermanent} }

func wireError(err error) error { return wireErr{err} }

// logReason returns what may be logged about a permanent failure. Handler
// errors can quote payload values (patient identifiers, names), so only
// their class is logged; the full error stays in the dead-letter record,
// which is access-controlled.
func logReason(err error) string {
	var w wireErr
	if errors.As(err, &w) {
		return w.Error()
	}
	if d := detailOf(err); d != nil {
		for _, k := range []string{"error.name", "reason", "code"} {
			if v := d[k]; v != "" {
				return v
			}
		}
	}
	return "handler rejected the input (see the dead-letter record)"
}
