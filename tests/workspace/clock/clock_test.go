package clock

import (
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewFake(t0)
	if ch := c.After(0); len(ch) != 1 {
		t.Fatal("After(0) did not fire at once")
	}
	a, b := c.After(time.Second), c.After(3*time.Second)
	c.BlockUntil(2)
	c.Advance(2 * time.Second)
	select {
	case got := <-a:
		if !got.Equal(t0.Add(2 * time.Second)) {
			t.Errorf("fired at %v", got)
		}
	default:
		t.Fatal("1 s waiter did not fire after 2 s")
	}
	select {
	case <-b:
		t.Fatal("3 s waiter fired after 2 s")
	default:
	}
	if c.Waiters() != 1 || !c.Now().Equal(t0.Add(2*time.Second)) {
		t.Errorf("waiters = %d, now = %v", c.Waiters(), c.Now())
	}
	c.Advance(time.Second)
	<-b
}
