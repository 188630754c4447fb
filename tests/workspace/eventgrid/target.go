package eventgrid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// Target delivers one event to a subscription's destination and returns the
// HTTP status Event Grid would see (0 with an error when no answer came).
// Implementations must be safe for concurrent use.
type Target interface {
	Deliver(ctx context.Context, sub *Subscription, event json.RawMessage) (int, error)
}

// HostTarget invokes the custom handler directly with the host's encoding,
// standing in for `func start` plus the Event Grid extension: a successful
// invocation is answered 202, a failed one 500 (contract §7, §8).
type HostTarget struct {
	Client *hostwire.Client
	// HandlerURL is the handler's base URL, http://127.0.0.1:{port}.
	HandlerURL string
	// Bindings maps function name → the eventGridTrigger binding's name.
	Bindings map[string]string
	// Expect maps function name → its answer checks (optional).
	Expect map[string]hostwire.Expect
	// Now gives sys.UtcNow.
	Now func() hostwire.Sys
}

// Deliver runs one invocation.
func (h *HostTarget) Deliver(ctx context.Context, sub *Subscription, event json.RawMessage) (int, error) {
	binding, ok := h.Bindings[sub.Function]
	if !ok {
		return http.StatusNotFound, fmt.Errorf("function %q has no eventGridTrigger binding", sub.Function)
	}
	sys := h.Now()
	sys.MethodName = sub.Function
	inv, err := hostwire.EventGrid(sub.Function, binding, event, sys)
	if err != nil {
		return http.StatusBadRequest, err
	}
	if _, err := h.Client.Invoke(ctx, h.HandlerURL, inv, h.Expect[sub.Function]); err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		return http.StatusInternalServerError, err
	}
	return http.StatusAccepted, nil
}

// WebhookTarget POSTs to a real `func start` Event Grid webhook,
// {BaseURL}/runtime/webhooks/eventgrid?functionName={function}, with
// aeg-event-type: Notification and a one-event array (CloudEvents: the
// object), as Event Grid does with maxEventsPerBatch 1.
type WebhookTarget struct {
	HTTP *http.Client
	// BaseURL is the Functions host, e.g. http://localhost:7071.
	BaseURL string
	// Code is the eventgrid_extension system key, if any.
	Code string
}

// Deliver makes one webhook call.
func (w *WebhookTarget) Deliver(ctx context.Context, sub *Subscription, event json.RawMessage) (int, error) {
	q := url.Values{"functionName": {sub.Function}}
	if w.Code != "" {
		q.Set("code", w.Code)
	}
	body, ctype := append(append([]byte{'['}, event...), ']'), "application/json"
	if sub.Schema == SchemaCloudEvents {
		body, ctype = event, "application/cloudevents+json; charset=utf-8"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(w.BaseURL, "/")+"/runtime/webhooks/eventgrid?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("aeg-event-type", "Notification")
	req.Header.Set("aeg-subscription-name", strings.ToUpper(sub.Name))
	hc := w.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if !Succeeded(resp.StatusCode) {
		return resp.StatusCode, errors.New(strings.TrimSpace(string(msg)))
	}
	return resp.StatusCode, nil
}
