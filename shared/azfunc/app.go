package azfunc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"strconv"
	"time"

	"github.com/ahds-events/ahds/shared/deadletter"
	"github.com/ahds-events/ahds/shared/event"
)

// Trigger is a function.json trigger binding type.
type Trigger string

// The trigger types this runtime serves.
const (
	TriggerEventGrid Trigger = "eventGridTrigger"
	TriggerEventHub  Trigger = "eventHubTrigger"
	TriggerTimer     Trigger = "timerTrigger"
	TriggerHTTP      Trigger = "httpTrigger"
)

// EventGridTimeout caps Event Grid invocations: Event Grid waits 30 s for the
// webhook's answer and retries a slower one (contract §8, §10).
const EventGridTimeout = 25 * time.Second

// maxBody bounds an invocation body; Event Hubs batches are the largest.
const maxBody = 256 << 20

// Options configure an App. The zero value of each field has a usable default.
type Options struct {
	// Logger receives every record; default slog.Default().
	Logger *slog.Logger
	// DeadLetters keeps permanently failing deliveries; default an
	// in-memory store (so nothing is kept across restarts: set it).
	DeadLetters deadletter.Store
	// Timeout is the per-invocation deadline; default 9 minutes, one below
	// the functionTimeout in host.json.
	Timeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// App serves the registered functions to the host.
type App struct {
	opts  Options
	funcs map[string]function
}

// function is one registered function and its adapter.
type function struct {
	trigger Trigger
	timeout time.Duration
	invoke  func(ctx context.Context, req invokeRequest) result
}

// result is what an adapter made of one invocation.
type result struct {
	outputs map[string]any
	logs    []string
	// dead are permanently failed items to dead-letter before answering.
	dead []deadItem
	// err is the invocation's error: permanent (dead-letter the whole
	// delivery when dead is empty, answer 200) or transient (answer 500).
	err error
}

type deadItem struct {
	id     string
	bytes  []byte
	err    error
	detail map[string]string
}

// New returns an App with no functions.
func New(opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DeadLetters == nil {
		opts.DeadLetters = deadletter.NewMemory()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 9 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &App{opts: opts, funcs: map[string]function{}}
}

func (a *App) register(name string, f function) {
	if name == "" {
		panic("azfunc: register with an empty function name")
	}
	if _, dup := a.funcs[name]; dup {
		panic("azfunc: function " + strconv.Quote(name) + " registered twice")
	}
	if f.timeout <= 0 || f.timeout > a.opts.Timeout {
		f.timeout = a.opts.Timeout
	}
	a.funcs[name] = f
}

// Functions returns the registered function names with their trigger types,
// for checking against the function.json files.
func (a *App) Functions() map[string]Trigger {
	out := make(map[string]Trigger, len(a.funcs))
	for n, f := range a.funcs {
		out[n] = f.trigger
	}
	return out
}

// Handler returns the http.Handler the host talks to: GET / answers the
// readiness and health pings, POST /{name} invokes a function.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "functions": len(a.funcs)})
	})
	names := make([]string, 0, len(a.funcs))
	for n := range a.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mux.HandleFunc("POST /"+n, func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, n) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.opts.Logger.ErrorContext(r.Context(), "no such function", "method", r.Method, "path", r.URL.Path)
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no function at %s %s; registered: %v", r.Method, r.URL.Path, names)})
	})
	return mux
}

func (a *App) serve(w http.ResponseWriter, r *http.Request, name string) {
	f := a.funcs[name]
	start := a.opts.Now()
	inv := Invocation{ID: r.Header.Get("X-Azure-Functions-InvocationId"), Function: name, Attempt: 1}
	ctx := NewContext(r.Context(), inv)
	log := a.opts.Logger

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(body) > maxBody {
		err = fmt.Errorf("body larger than %d bytes", maxBody)
	}
	if err != nil {
		log.ErrorContext(ctx, "read invocation body", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "read body: " + err.Error()})
		return
	}
	var res result
	req, err := decodeEnvelope(body)
	if err != nil {
		res = result{err: wireError(err)}
	} else {
		inv.Attempt = attempt(req.Metadata)
		inv.Deadline = start.Add(f.timeout)
		ctx = NewContext(r.Context(), inv)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, inv.Deadline)
		res = a.call(ctx, f, req)
		cancel()
	}
	// Dead-lettering must not be cut short by the invocation's own deadline:
	// it is what makes a failure safe to acknowledge.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer fcancel()
	a.finish(fctx, w, inv, f.trigger, body, res, start)
}

// call runs the adapter, turning a panic into a transient error.
func (a *App) call(ctx context.Context, f function, req invokeRequest) (res result) {
	defer func() {
		if p := recover(); p != nil {
			a.opts.Logger.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = result{err: fmt.Errorf("handler panicked: %v", p)}
		}
	}()
	return f.invoke(ctx, req)
}

// finish maps a result to the host's answer. This is the one place where
// outcomes become status codes (see the package doc).
func (a *App) finish(ctx context.Context, w http.ResponseWriter, inv Invocation, trig Trigger, body []byte, res result, start time.Time) {
	log := a.opts.Logger
	dead := res.dead
	if res.err != nil && event.IsPermanent(res.err) && len(dead) == 0 {
		dead = []deadItem{{bytes: body, err: res.err}}
	}
	for _, d := range dead {
		id := d.id
		if id == "" {
			id = deadletter.ID(inv.Function, d.bytes)
		}
		rec := deadletter.Record{
			ID: id, Function: inv.Function, InvocationID: inv.ID, Trigger: string(trig),
			Error: d.err.Error(), Attempt: inv.Attempt, Time: a.opts.Now().UTC(), Detail: d.detail, Event: d.bytes,
		}
		if err := a.opts.DeadLetters.Put(ctx, rec); err != nil {
			log.ErrorContext(ctx, "dead-letter write failed; failing the invocation so it is retried", "dead_letter_id", id, "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "dead-letter store: " + err.Error()})
			return
		}
		reason := logReason(d.err)
		log.ErrorContext(ctx, "dead-lettered", "dead_letter_id", id, "reason", reason)
		res.logs = append(res.logs, "dead-lettered "+id+": "+reason)
	}
	elapsed := a.opts.Now().Sub(start)
	if res.err != nil && !event.IsPermanent(res.err) {
		log.ErrorContext(ctx, "invocation failed; the trigger's retry applies", "err", res.err.Error(), "attempt", inv.Attempt, "elapsed_ms", elapsed.Milliseconds())
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": res.err.Error()})
		return
	}
	log.DebugContext(ctx, "invocation done", "attempt", inv.Attempt, "elapsed_ms", elapsed.Milliseconds(), "dead_lettered", len(dead))
	if res.logs == nil {
		res.logs = []string{}
	}
	writeJSON(w, http.StatusOK, invokeResponse{Outputs: res.outputs, Logs: res.logs})
}

// attempt returns the 1-based attempt number of an invocation.
func attempt(meta map[string]json.RawMessage) int {
	n, _, _ := retryState(meta)
	return n + 1
}

// writeJSON answers with an explicit application/json Content-Type: Go would
// otherwise sniff text/plain, which the host rejects (contract §6.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
