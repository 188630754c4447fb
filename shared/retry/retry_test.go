package retry

import (
	"context"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	p := Policy{MaxAttempts: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 150 * time.Millisecond}
	ctx := context.Background()
	for tries := 1; tries < 3; tries++ {
		d, ok := p.Next(ctx, tries, -1)
		if !ok || d < 0 || d > 150*time.Millisecond {
			t.Errorf("Next(%d) = %v, %v; want a delay within the cap", tries, d, ok)
		}
	}
	if _, ok := p.Next(ctx, 3, -1); ok {
		t.Error("Next after the last attempt = ok")
	}
	if d, ok := p.Next(ctx, 1, 2*time.Second); !ok || d != 2*time.Second {
		t.Errorf("Retry-After not honoured: %v %v", d, ok)
	}
	if d, _ := p.Next(ctx, 1, time.Hour); d != MaxRetryAfter {
		t.Errorf("Retry-After not capped: %v", d)
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, ok := p.Next(short, 1, 30*time.Second); ok {
		t.Error("Next waits past the deadline")
	}
}

func TestParseRetryAfter(t *testing.T) {
	for give, want := range map[string]time.Duration{"": -1, "7": 7 * time.Second, "soon": -1, "Mon, 02 Jan 2006 15:04:05 GMT": 0} {
		if got := ParseRetryAfter(give); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", give, got, want)
		}
	}
}
