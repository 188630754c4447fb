// Package funcapp reads an assembled Azure Functions app root (dist/): host.json
// and every <name>/function.json directly beneath it, as the host does
// (contract §1, §11). The workspace emulation uses it to find each
// function's trigger, out bindings, dataType and retry policy, and the
// Event Hubs batch settings.
package funcapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Binding is one entry of function.json "bindings".
type Binding struct {
	Type          string `json:"type"`
	Direction     string `json:"direction"`
	Name          string `json:"name"`
	DataType      string `json:"dataType,omitempty"`
	Cardinality   string `json:"cardinality,omitempty"`
	EventHubName  string `json:"eventHubName,omitempty"`
	ConsumerGroup string `json:"consumerGroup,omitempty"`
	Connection    string `json:"connection,omitempty"`
}

// Retry is a function-level retry policy (contract §11.4).
type Retry struct {
	// Strategy is "fixedDelay" or "exponentialBackoff".
	Strategy string
	// MaxRetryCount is the number of re-invocations; -1 retries forever.
	MaxRetryCount int
	// DelayInterval is the fixedDelay wait.
	DelayInterval time.Duration
	// MinimumInterval and MaximumInterval bound exponentialBackoff.
	MinimumInterval, MaximumInterval time.Duration
}

// Delay returns the wait before re-invocation number retry (1-based).
func (r Retry) Delay(retry int) time.Duration {
	if r.Strategy == "fixedDelay" {
		return r.DelayInterval
	}
	d := r.MinimumInterval
	for i := 1; i < retry && d < r.MaximumInterval; i++ {
		d *= 2
	}
	if r.MaximumInterval > 0 && d > r.MaximumInterval {
		d = r.MaximumInterval
	}
	return d
}

// Function is one function folder.
type Function struct {
	Name     string
	Bindings []Binding
	// Retry is nil when function.json has no retry policy.
	Retry *Retry
}

// Trigger returns the function's trigger binding (type ending in "Trigger").
func (f Function) Trigger() (Binding, bool) {
	for _, b := range f.Bindings {
		if strings.HasSuffix(b.Type, "Trigger") && b.Direction == "in" {
			return b, true
		}
	}
	return Binding{}, false
}

// Outputs returns the out bindings.
func (f Function) Outputs() []Binding {
	var out []Binding
	for _, b := range f.Bindings {
		if b.Direction == "out" {
			out = append(out, b)
		}
	}
	return out
}

// EventHubs are host.json extensions.eventHubs batch settings.
type EventHubs struct {
	MaxEventBatchSize int
	MinEventBatchSize int
	MaxWaitTime       time.Duration
}

// App is a loaded app root.
type App struct {
	Root string
	// FunctionTimeout is host.json functionTimeout; 0 when unset or -1.
	FunctionTimeout time.Duration
	EventHubs       EventHubs
	Functions       map[string]Function
}

// Names returns the function names, sorted.
func (a *App) Names() []string {
	n := make([]string, 0, len(a.Functions))
	for k := range a.Functions {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Load reads root/host.json and root/*/function.json. A missing host.json or a
// function.json that does not parse is an error naming the file.
func Load(root string) (*App, error) {
	hostPath := filepath.Join(root, "host.json")
	b, err := os.ReadFile(hostPath)
	if err != nil {
		return nil, fmt.Errorf("load app root: %w", err)
	}
	var host struct {
		FunctionTimeout string `json:"functionTimeout"`
		Extensions      struct {
			EventHubs struct {
				MaxEventBatchSize *int   `json:"maxEventBatchSize"`
				MinEventBatchSize *int   `json:"minEventBatchSize"`
				MaxWaitTime       string `json:"maxWaitTime"`
			} `json:"eventHubs"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(b, &host); err != nil {
		return nil, fmt.Errorf("%s: %w", hostPath, err)
	}
	app := &App{Root: root, Functions: map[string]Function{}, EventHubs: EventHubs{MaxEventBatchSize: 100, MinEventBatchSize: 1, MaxWaitTime: time.Minute}}
	if host.FunctionTimeout != "" && host.FunctionTimeout != "-1" {
		if app.FunctionTimeout, err = ParseTimeSpan(host.FunctionTimeout); err != nil {
			return nil, fmt.Errorf("%s: functionTimeout: %w", hostPath, err)
		}
	}
	eh := host.Extensions.EventHubs
	if eh.MaxEventBatchSize != nil {
		if *eh.MaxEventBatchSize < 1 {
			return nil, fmt.Errorf("%s: extensions.eventHubs.maxEventBatchSize %d < 1", hostPath, *eh.MaxEventBatchSize)
		}
		app.EventHubs.MaxEventBatchSize = *eh.MaxEventBatchSize
	}
	if eh.MinEventBatchSize != nil {
		app.EventHubs.MinEventBatchSize = max(1, *eh.MinEventBatchSize)
	}
	if eh.MaxWaitTime != "" {
		if app.EventHubs.MaxWaitTime, err = ParseTimeSpan(eh.MaxWaitTime); err != nil {
			return nil, fmt.Errorf("%s: extensions.eventHubs.maxWaitTime: %w", hostPath, err)
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("load app root: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(root, e.Name(), "function.json")
		fb, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load app root: %w", err)
		}
		f, err := parseFunction(e.Name(), fb)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		app.Functions[f.Name] = f
	}
	return app, nil
}

func parseFunction(name string, b []byte) (Function, error) {
	var fj struct {
		Bindings []Binding `json:"bindings"`
		Retry    *struct {
			Strategy        string `json:"strategy"`
			MaxRetryCount   int    `json:"maxRetryCount"`
			DelayInterval   string `json:"delayInterval"`
			MinimumInterval string `json:"minimumInterval"`
			MaximumInterval string `json:"maximumInterval"`
		} `json:"retry"`
	}
	if err := json.Unmarshal(b, &fj); err != nil {
		return Function{}, err
	}
	f := Function{Name: name, Bindings: fj.Bindings}
	if _, ok := f.Trigger(); !ok {
		return Function{}, errors.New("no trigger binding (type …Trigger, direction in)")
	}
	if r := fj.Retry; r != nil {
		pol := &Retry{Strategy: r.Strategy, MaxRetryCount: r.MaxRetryCount}
		var err error
		switch r.Strategy {
		case "fixedDelay":
			if pol.DelayInterval, err = ParseTimeSpan(r.DelayInterval); err != nil {
				return Function{}, fmt.Errorf("retry.delayInterval: %w", err)
			}
		case "exponentialBackoff":
			if pol.MinimumInterval, err = ParseTimeSpan(r.MinimumInterval); err != nil {
				return Function{}, fmt.Errorf("retry.minimumInterval: %w", err)
			}
			if pol.MaximumInterval, err = ParseTimeSpan(r.MaximumInterval); err != nil {
				return Function{}, fmt.Errorf("retry.maximumInterval: %w", err)
			}
		default:
			return Function{}, fmt.Errorf("retry.strategy %q: want fixedDelay or exponentialBackoff", r.Strategy)
		}
		if r.MaxRetryCount < -1 {
			return Function{}, fmt.Errorf("retry.maxRetryCount %d: want -1 or more", r.MaxRetryCount)
		}
		f.Retry = pol
	}
	return f, nil
}

// ParseTimeSpan parses a .NET TimeSpan string: [d.]hh:mm:ss[.fffffff].
func ParseTimeSpan(s string) (time.Duration, error) {
	orig := s
	var days int
	if d, rest, ok := strings.Cut(s, "."); ok && strings.Count(d, ":") == 0 && strings.Contains(rest, ":") {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, fmt.Errorf("timespan %q: bad days", orig)
		}
		days, s = n, rest
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("timespan %q: want hh:mm:ss", orig)
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || h < 0 || m < 0 || m > 59 || sec < 0 || sec >= 60 {
		return 0, fmt.Errorf("timespan %q: want hh:mm:ss", orig)
	}
	return time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second)), nil
}
