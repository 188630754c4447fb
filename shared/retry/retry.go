// Package retry is the schedule the service clients (FHIR, DICOMweb) use to
// retry a failed request: exponential backoff with full jitter, the server's
// Retry-After honoured (up to a minute), and never a wait that would outlive
// the caller's deadline — then the failure goes back to the trigger, whose
// own retry (Event Grid redelivery, the Event Hubs retry policy) takes over.
package retry

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps a server's Retry-After.
const MaxRetryAfter = time.Minute

// Policy is a retry schedule. Zero fields take the defaults: 5 attempts,
// 200 ms and 10 s.
type Policy struct {
	// MaxAttempts bounds the tries, the first included.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the jittered delay.
	MinBackoff, MaxBackoff time.Duration
}

// WithDefaults fills the zero fields.
func (p Policy) WithDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 200 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 10 * time.Second
	}
	return p
}

// Next returns the delay before the next try after `tries` failed tries,
// given the server's Retry-After (negative when it sent none). ok is false
// when the caller should give up: the attempts are spent, ctx is done, or
// the delay would pass ctx's deadline.
func (p Policy) Next(ctx context.Context, tries int, retryAfter time.Duration) (delay time.Duration, ok bool) {
	p = p.WithDefaults()
	if tries >= p.MaxAttempts || ctx.Err() != nil {
		return 0, false
	}
	if retryAfter >= 0 {
		delay = min(retryAfter, MaxRetryAfter)
	} else {
		ceil := p.MinBackoff << (tries - 1)
		if ceil > p.MaxBackoff || ceil <= 0 {
			ceil = p.MaxBackoff
		}
		delay = rand.N(ceil + 1) // full jitter
	}
	if dl, has := ctx.Deadline(); has && time.Until(dl) < delay {
		return 0, false
	}
	return delay, true
}

// Sleep waits d, or until ctx is done; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ParseRetryAfter reads a Retry-After header (seconds or an HTTP date); it
// returns -1 when the header is absent or unreadable.
func ParseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return -1
}
