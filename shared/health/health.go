// Package health reports whether the app can do its work: configuration
// problems and the reachability of each service it depends on. Reports never
// carry secrets: probe errors are reduced to their status and a message with
// URLs' query strings (SAS tokens, search parameters) removed.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// Probe checks one dependency; nil means reachable.
type Probe func(ctx context.Context) error

// Report is the health answer.
type Report struct {
	Status string           `json:"status"` // "ok" or "degraded"
	Config []string         `json:"config"`
	Checks map[string]Check `json:"checks"`
}

// Check is one probe's result.
type Check struct {
	OK        bool   `json:"ok"`
	LatencyMS int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
}

// Checker runs the probes. Its zero value reports "ok" with no checks.
type Checker struct {
	// ConfigProblems are shown as they are; they must hold no secrets.
	ConfigProblems []string
	Probes         map[string]Probe
	// Timeout bounds every probe; default 5 s.
	Timeout time.Duration
}

// Run runs every probe in parallel.
func (c Checker) Run(ctx context.Context) Report {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	r := Report{Status: "ok", Config: append([]string{}, c.ConfigProblems...), Checks: map[string]Check{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, p := range c.Probes {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			err := p(pctx)
			ch := Check{OK: err == nil, LatencyMS: time.Since(start).Milliseconds()}
			if err != nil {
				ch.Error = Scrub(err.Error())
			}
			mu.Lock()
			r.Checks[name] = ch
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(r.Config) > 0 {
		r.Status = "degraded"
	}
	for _, ch := range r.Checks {
		if !ch.OK {
			r.Status = "degraded"
		}
	}
	return r
}

// ServeHTTP answers GET with the report: 200 when ok, 503 when degraded.
func (c Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, `{"error":"use GET"}`, http.StatusMethodNotAllowed)
		return
	}
	rep := c.Run(r.Context())
	b, _ := json.MarshalIndent(rep, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(b)
}

var (
	queryRE  = regexp.MustCompile(`(https?://[^\s?"]+)\?[^\s"]*`)
	secretRE = regexp.MustCompile(`(?i)(AccountKey|SharedAccessKey|sig|code|password|client_secret)=[^;&\s"]+`)
)

// Scrub removes query strings and key=value secrets from s.
func Scrub(s string) string {
	s = queryRE.ReplaceAllString(s, "$1?…")
	s = secretRE.ReplaceAllString(s, "$1=…")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// HTTPProbe returns a probe that GETs url with client and wants any answer
// below 500 other than 401/403 (reachable and authorised).
func HTTPProbe(client *http.Client, url string) Probe {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
			return errors.New(res.Status + ": check the app identity's role assignment")
		case res.StatusCode >= 500:
			return errors.New(res.Status)
		}
		return nil
	}
}
