package imaging

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRegistry_BurstCoalesces(t *testing.T) {
	var runs atomic.Int32
	r := newRegistry(50*time.Millisecond, 8, func(ctx context.Context, k Key) (Outcome, error) {
		runs.Add(1)
		return OutcomeUpdated, nil
	})
	k := Key{Host: "h", Partition: DefaultPartition, StudyUID: "1.2"}
	var wg sync.WaitGroup
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := r.submit(t.Context(), k)
			<-j.done
			if j.out != OutcomeUpdated || j.err != nil {
				t.Errorf("shared result = %s, %v", j.out, j.err)
			}
		}()
	}
	wg.Wait()
	if n := runs.Load(); n < 1 || n > 2 {
		t.Errorf("300 events ran %d rebuilds, want 1 or 2", n)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keys) != 0 {
		t.Errorf("registry keeps %d idle keys", len(r.keys))
	}
}

func TestRegistry_RunningIsNotJoined(t *testing.T) {
	started := make(chan int, 4)
	release := make(chan struct{})
	var runs atomic.Int32
	r := newRegistry(0, 8, func(ctx context.Context, k Key) (Outcome, error) {
		n := int(runs.Add(1))
		started <- n
		if n == 1 {
			<-release
		}
		return Outcome(fmt.Sprint("run", n)), nil
	})
	k := Key{StudyUID: "1.2"}
	a := r.submit(t.Context(), k)
	if n := <-started; n != 1 {
		t.Fatalf("first run = %d", n)
	}
	b := r.submit(t.Context(), k)
	c := r.submit(t.Context(), k)
	if b != c || b == a {
		t.Fatalf("events during a running rebuild must share the next one: a=%p b=%p c=%p", a, b, c)
	}
	select {
	case <-started:
		t.Fatal("the pending rebuild started while the running one had not ended")
	default:
	}
	close(release)
	<-a.done
	<-b.done
	if a.out != "run1" || b.out != "run2" || runs.Load() != 2 {
		t.Errorf("results a=%s b=%s runs=%d", a.out, b.out, runs.Load())
	}
}

func TestRegistry_MaxConcurrent(t *testing.T) {
	var cur, peak atomic.Int32
	release := make(chan struct{})
	r := newRegistry(0, 2, func(ctx context.Context, k Key) (Outcome, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		cur.Add(-1)
		return OutcomeUnchanged, nil
	})
	var jobs []*job
	for i := range 5 {
		jobs = append(jobs, r.submit(t.Context(), Key{StudyUID: fmt.Sprint("1.", i)}))
	}
	close(release)
	for _, j := range jobs {
		<-j.done
	}
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak concurrency = %d, want ≤ 2", p)
	}
}

func TestRegistry_CancelledContext(t *testing.T) {
	r := newRegistry(time.Hour, 1, func(ctx context.Context, k Key) (Outcome, error) {
		t.Error("rebuild ran after cancellation")
		return OutcomeUnchanged, nil
	})
	ctx, cancel := context.WithCancel(t.Context())
	j := r.submit(ctx, Key{StudyUID: "1"})
	cancel()
	<-j.done
	if j.err == nil || j.out != OutcomeFailed {
		t.Errorf("cancelled job = %s, %v", j.out, j.err)
	}
}

func TestRegistry_TimeoutStartsWhenRunning(t *testing.T) {
	release := make(chan struct{})
	var second atomic.Bool
	r := newRegistry(0, 1, func(ctx context.Context, k Key) (Outcome, error) {
		if !second.Swap(true) {
			<-release // the first run outlives the second's timeout budget
			return OutcomeUpdated, nil
		}
		select {
		case <-ctx.Done():
			return OutcomeFailed, ctx.Err()
		case <-time.After(10 * time.Millisecond):
			return OutcomeUpdated, nil
		}
	})
	r.timeout = 50 * time.Millisecond
	k := Key{StudyUID: "1"}
	a := r.submit(t.Context(), k)
	for !second.Load() {
		runtime.Gosched()
	}
	b := r.submit(t.Context(), k)
	time.AfterFunc(100*time.Millisecond, func() { close(release) })
	<-a.done
	<-b.done
	if a.err != nil || b.err != nil {
		t.Errorf("a = %v, b = %v; want both nil: b waited 100 ms for a, then ran 10 ms of its 50 ms budget", a.err, b.err)
	}
}
