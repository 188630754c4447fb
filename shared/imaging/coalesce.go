package imaging

import (
	"context"
	"sync"
	"time"
)

// job is one rebuild of a study key, shared by every event that joined it.
type job struct {
	done chan struct{}
	out  Outcome
	err  error
}

type keyState struct {
	pending *job // joinable: in its settle window or waiting for running
	running *job // window closed; not joinable
}

// registry coalesces rebuilds per study key (P2). At most one running and one
// pending job exist per key; rebuilds of different keys run in parallel,
// bounded by sem.
type registry struct {
	settle time.Duration
	sem    chan struct{}
	run    func(ctx context.Context, k Key) (Outcome, error)
	// timeout bounds one run, from when it starts (0: none).
	timeout time.Duration

	mu   sync.Mutex
	keys map[Key]*keyState
}

func newRegistry(settle time.Duration, maxConcurrent int, run func(context.Context, Key) (Outcome, error)) *registry {
	return &registry{settle: settle, sem: make(chan struct{}, maxConcurrent), run: run, keys: make(map[Key]*keyState)}
}

// submit joins the pending rebuild of k or starts a new one. ctx must be
// detached from the caller's invocation; it bounds the whole rebuild.
func (r *registry) submit(ctx context.Context, k Key) *job { return r.submitSettle(ctx, k, r.settle) }

// submitSettle is submit with an explicit settle window for a new job (0 for
// catch-up, whose page already gathers a study's changes).
func (r *registry) submitSettle(ctx context.Context, k Key, settle time.Duration) *job {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.keys[k]
	if st == nil {
		st = &keyState{}
		r.keys[k] = st
	}
	if st.pending != nil {
		return st.pending
	}
	j := &job{done: make(chan struct{})}
	st.pending = j
	go r.execute(ctx, k, st, j, settle)
	return j
}

func (r *registry) execute(ctx context.Context, k Key, st *keyState, j *job, settle time.Duration) {
	defer close(j.done)
	// The settle window is fixed from the first event.
	if settle > 0 {
		t := time.NewTimer(settle)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	// Wait for the running job of this key, then become it.
	r.mu.Lock()
	for st.running != nil {
		prev := st.running
		r.mu.Unlock()
		select {
		case <-prev.done:
		case <-ctx.Done():
		}
		r.mu.Lock()
		if ctx.Err() != nil && st.running != nil {
			break
		}
	}
	if ctx.Err() != nil {
		if st.pending == j {
			st.pending = nil
		}
		r.cleanup(k, st)
		r.mu.Unlock()
		j.out, j.err = OutcomeFailed, ctx.Err()
		return
	}
	st.running = j
	if st.pending == j {
		st.pending = nil
	}
	r.mu.Unlock()

	defer func() {
		r.mu.Lock()
		st.running = nil
		r.cleanup(k, st)
		r.mu.Unlock()
	}()
	// The semaphore is taken after the settle window.
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		j.out, j.err = OutcomeFailed, ctx.Err()
		return
	}
	defer func() { <-r.sem }()
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	j.out, j.err = r.run(ctx, k)
}

// cleanup drops an idle key; r.mu is held.
func (r *registry) cleanup(k Key, st *keyState) {
	if st.pending == nil && st.running == nil && r.keys[k] == st {
		delete(r.keys, k)
	}
}
