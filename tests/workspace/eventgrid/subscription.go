package eventgrid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Event Grid's policy limits (contract §8).
const (
	DefaultMaxDeliveryAttempts = 30
	DefaultEventTTL            = 1440 * time.Minute
	// DefaultDeadLetterContainer is the project's dead-letter container
	// (infra.md §8).
	DefaultDeadLetterContainer = "eventgrid-deadletter"
)

// Subscription is one event subscription whose destination is a function.
type Subscription struct {
	Name string
	// Function is the destination function's name.
	Function string
	// EventTypes is includedEventTypes; empty means all.
	EventTypes []string
	Schema     Schema
	Filter     Filter
	// MaxDeliveryAttempts is retryPolicy.maxDeliveryAttempts (1–30).
	MaxDeliveryAttempts int
	// EventTTL is retryPolicy.eventTimeToLiveInMinutes (1–1440 min).
	EventTTL time.Duration
	// DeadLetterContainer is the blob container for final failures; ""
	// drops them.
	DeadLetterContainer string
	// Line is the subscription's line in its file, for messages.
	Line int
}

// subscriptionJSON is the file shape, named as in the Bicep resource.
type subscriptionJSON struct {
	Name                string   `json:"name"`
	Function            string   `json:"function"`
	IncludedEventTypes  []string `json:"includedEventTypes"`
	EventDeliverySchema Schema   `json:"eventDeliverySchema"`
	Filter              struct {
		SubjectBeginsWith      string            `json:"subjectBeginsWith"`
		SubjectEndsWith        string            `json:"subjectEndsWith"`
		IsSubjectCaseSensitive bool              `json:"isSubjectCaseSensitive"`
		AdvancedFilters        []json.RawMessage `json:"advancedFilters"`
	} `json:"filter"`
	RetryPolicy struct {
		MaxDeliveryAttempts      *int `json:"maxDeliveryAttempts"`
		EventTimeToLiveInMinutes *int `json:"eventTimeToLiveInMinutes"`
	} `json:"retryPolicy"`
	DeadLetterContainer *string `json:"deadLetterContainer"`
}

// LoadSubscriptions reads a subscriptions file:
//
//	{"subscriptions":[{"name":"fhir-events","function":"fhir-events",
//	  "includedEventTypes":["Microsoft.HealthcareApis.FhirResourceCreated"],
//	  "eventDeliverySchema":"EventGridSchema",
//	  "filter":{"advancedFilters":[{"operatorType":"StringIn","key":"data.resourceType","values":["Patient"]}]},
//	  "retryPolicy":{"maxDeliveryAttempts":30,"eventTimeToLiveInMinutes":1440},
//	  "deadLetterContainer":"eventgrid-deadletter"}]}
//
// Every error names the file and the line of the offending subscription.
//
// String values may hold ${name} placeholders resolved from vars (e.g.
// ${fhirAccount} in a StringIn on data.resourceFhirAccount, as the infra's
// subscriptions filter on the service host); an unknown name is an error.
func LoadSubscriptions(path string, vars map[string]string) ([]Subscription, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load subscriptions: %w", err)
	}
	subs, err := ParseSubscriptions(b, vars)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return subs, nil
}

// ParseSubscriptions parses a subscriptions document (see
// LoadSubscriptions). Errors start with "<line>: ".
func ParseSubscriptions(b []byte, vars map[string]string) ([]Subscription, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("%d: %w", lineAt(b, dec.InputOffset()), err)
	}
	var subs []Subscription
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%d: %w", lineAt(b, dec.InputOffset()), err)
		}
		if tok != "subscriptions" {
			return nil, fmt.Errorf("%d: unknown member %q (want \"subscriptions\")", lineAt(b, dec.InputOffset()), tok)
		}
		found = true
		if err := expectDelim(dec, '['); err != nil {
			return nil, fmt.Errorf("%d: subscriptions: %w", lineAt(b, dec.InputOffset()), err)
		}
		for dec.More() {
			line := lineAt(b, skipSpace(b, dec.InputOffset()))
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, fmt.Errorf("%d: %w", line, err)
			}
			raw, err = expandVars(raw, vars)
			if err != nil {
				return nil, fmt.Errorf("%d: subscription %d: %w", line, len(subs)+1, err)
			}
			s, err := parseSubscription(raw)
			if err != nil {
				return nil, fmt.Errorf("%d: subscription %d: %w", line, len(subs)+1, err)
			}
			s.Line = line
			for _, o := range subs {
				if o.Name == s.Name {
					return nil, fmt.Errorf("%d: subscription %q: duplicate name (first at line %d)", line, s.Name, o.Line)
				}
			}
			subs = append(subs, s)
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("%d: %w", lineAt(b, dec.InputOffset()), err)
		}
	}
	if !found {
		return nil, errors.New("1: no \"subscriptions\" member")
	}
	return subs, nil
}

func parseSubscription(raw json.RawMessage) (Subscription, error) {
	var j subscriptionJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Subscription{}, err
	}
	if j.Name == "" {
		return Subscription{}, errors.New("missing name")
	}
	fail := func(format string, a ...any) (Subscription, error) {
		return Subscription{}, fmt.Errorf("%q: %s", j.Name, fmt.Sprintf(format, a...))
	}
	if j.Function == "" {
		return fail("missing function (the destination function's name)")
	}
	for _, t := range j.IncludedEventTypes {
		if !slices.Contains(KnownEventTypes, t) {
			return fail("unknown event type %q (known: %s)", t, strings.Join(KnownEventTypes, ", "))
		}
	}
	s := Subscription{
		Name: j.Name, Function: j.Function, EventTypes: j.IncludedEventTypes, Schema: j.EventDeliverySchema,
		MaxDeliveryAttempts: DefaultMaxDeliveryAttempts, EventTTL: DefaultEventTTL, DeadLetterContainer: DefaultDeadLetterContainer,
	}
	switch s.Schema {
	case "":
		s.Schema = SchemaEventGrid
	case SchemaEventGrid, SchemaCloudEvents:
	default:
		return fail("eventDeliverySchema %q: want %s or %s", s.Schema, SchemaEventGrid, SchemaCloudEvents)
	}
	if p := j.RetryPolicy.MaxDeliveryAttempts; p != nil {
		if *p < 1 || *p > 30 {
			return fail("retryPolicy.maxDeliveryAttempts %d: want 1–30", *p)
		}
		s.MaxDeliveryAttempts = *p
	}
	if p := j.RetryPolicy.EventTimeToLiveInMinutes; p != nil {
		if *p < 1 || *p > 1440 {
			return fail("retryPolicy.eventTimeToLiveInMinutes %d: want 1–1440", *p)
		}
		s.EventTTL = time.Duration(*p) * time.Minute
	}
	if j.DeadLetterContainer != nil {
		s.DeadLetterContainer = *j.DeadLetterContainer
	}
	f := &s.Filter
	f.SubjectBeginsWith, f.SubjectEndsWith, f.CaseSensitive = j.Filter.SubjectBeginsWith, j.Filter.SubjectEndsWith, j.Filter.IsSubjectCaseSensitive
	if len(j.Filter.AdvancedFilters) > MaxAdvancedFilters {
		return fail("%d advanced filters: at most %d", len(j.Filter.AdvancedFilters), MaxAdvancedFilters)
	}
	values := 0
	for i, raw := range j.Filter.AdvancedFilters {
		af, err := ParseAdvancedFilter(raw)
		if err != nil {
			return fail("advancedFilters[%d]: %v", i, err)
		}
		values += af.valueCount()
		f.Advanced = append(f.Advanced, af)
	}
	if values > MaxFilterValues {
		return fail("advanced filters hold %d values: at most %d across all filters", values, MaxFilterValues)
	}
	return s, nil
}

// Matches reports whether the subscription takes the event.
func (s *Subscription) Matches(e Event) bool {
	if len(s.EventTypes) > 0 && !slices.ContainsFunc(s.EventTypes, func(t string) bool { return strings.EqualFold(t, e.Type) }) {
		return false
	}
	return s.Filter.Match(e)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

func skipSpace(b []byte, off int64) int64 {
	for off < int64(len(b)) && strings.IndexByte(" \t\r\n,", b[off]) >= 0 {
		off++
	}
	return off
}

func lineAt(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte("\n")) + 1
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_]*)\}`)

// expandVars replaces ${name} placeholders in a subscription's JSON text.
func expandVars(raw []byte, vars map[string]string) ([]byte, error) {
	var missing []string
	out := placeholder.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		q, _ := json.Marshal(v)
		return q[1 : len(q)-1]
	})
	if len(missing) > 0 {
		known := make([]string, 0, len(vars))
		for k := range vars {
			known = append(known, k)
		}
		slices.Sort(known)
		return nil, fmt.Errorf("unknown placeholder(s) %v (known: %v)", missing, known)
	}
	return out, nil
}
