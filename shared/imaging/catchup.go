package imaging

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/event"
)

// Change is a change-feed entry.
type Change = dicomweb.Change

// Checkpoint is the catch-up position of one DICOM service (P8.2).
type Checkpoint struct {
	// Sequence is the last fully processed change-feed position.
	Sequence  int64     `json:"sequence"`
	UpdatedAt time.Time `json:"updatedAt"`
	Base      string    `json:"base"`
}

// CheckpointStore persists checkpoints per DICOM host. Load returns the zero
// Checkpoint when none is stored. Save never lowers the stored Sequence: it
// compares and swaps (re-reading on a conflict) and keeps the higher value.
// Implementations are safe for concurrent use.
type CheckpointStore interface {
	Load(ctx context.Context, host string) (Checkpoint, error)
	Save(ctx context.Context, host string, cp Checkpoint) error
}

// MemoryCheckpoints is an in-memory CheckpointStore (tests, dry runs).
type MemoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]Checkpoint
}

var _ CheckpointStore = (*MemoryCheckpoints)(nil)

// Load returns the stored checkpoint of host.
func (m *MemoryCheckpoints) Load(_ context.Context, host string) (Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[host], nil
}

// Save stores cp unless a higher sequence is stored.
func (m *MemoryCheckpoints) Save(_ context.Context, host string, cp Checkpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]Checkpoint)
	}
	if cur, ok := m.m[host]; ok && cur.Sequence > cp.Sequence {
		return nil
	}
	m.m[host] = cp
	return nil
}

// CatchupOptions control one catch-up run. Zero values: start at the stored
// checkpoint, no end, write the checkpoint, DICOM_CATCHUP_MAX_DURATION.
type CatchupOptions struct {
	// From replaces the stored checkpoint as start when set.
	From *int64
	// To stops the run once this position is reached (0: no limit).
	To int64
	// DryRun lists the study keys without rebuilding or saving.
	DryRun bool
	// NoCheckpoint never writes the checkpoint.
	NoCheckpoint bool
	// Concurrency bounds the rebuilds in flight per page (default
	// DICOM_MAX_CONCURRENT_REBUILDS).
	Concurrency int
	// MaxDuration stops the run at a page boundary once passed.
	MaxDuration time.Duration
	// Progress, when set, is called after every page.
	Progress func(CatchupProgress)
}

// CatchupProgress is the state after a page.
type CatchupProgress struct {
	Position, Latest int64
	Pages, Studies   int
	Counts           map[Outcome]int
	Elapsed          time.Duration
}

// CatchupResult summarises a run.
type CatchupResult struct {
	From, To       int64
	Pages, Studies int
	Counts         map[Outcome]int
	// Permanent counts studies that failed permanently (logged, skipped).
	Permanent int
	// ReachedEnd is false when the run stopped early (duration limit or an
	// error).
	ReachedEnd bool
	// Keys are the study keys a dry run would rebuild, in order.
	Keys []Key
}

// pageLimit is the change-feed page size (P8.3).
const pageLimit = 100

// Catchup replays the DICOM change feed from the checkpoint (P8): each page's
// distinct studies are rebuilt through the coalescing registry, then the
// checkpoint advances to the page's end. A transient failure of any study
// stops the run before advancing past that page (the next run repeats it);
// permanent per-study failures are counted and do not block progress.
func (s *Service) Catchup(ctx context.Context, store CheckpointStore, o CatchupOptions) (CatchupResult, error) {
	start := s.now()
	maxDur := o.MaxDuration
	if maxDur <= 0 {
		maxDur = s.cfg.CatchupMaxDuration
	}
	res := CatchupResult{Counts: map[Outcome]int{}}
	stored, err := store.Load(ctx, s.cfg.Host)
	if err != nil {
		return res, fmt.Errorf("load checkpoint: %w", err)
	}
	pos := stored.Sequence
	saveAllowed := !o.DryRun && !o.NoCheckpoint
	if o.From != nil {
		pos = *o.From
		saveAllowed = saveAllowed && *o.From <= stored.Sequence
	}
	res.From, res.To = pos, pos
	latest, err := s.dicom.Latest(ctx)
	if err != nil {
		return res, fmt.Errorf("read change feed latest: %w", err)
	}
	for {
		if o.To > 0 && pos >= o.To {
			res.ReachedEnd = true
			return res, nil
		}
		if s.now().Sub(start) >= maxDur {
			s.log.InfoContext(ctx, "catch-up stopped at the duration limit", "position", pos, "limit", maxDur.String())
			return res, nil
		}
		page, err := s.dicom.Changes(ctx, pos, pageLimit)
		if err != nil {
			return res, fmt.Errorf("read change feed after %d: %w", pos, err)
		}
		next := page.Next
		keys := s.pageKeys(ctx, page.Changes, o.To)
		if o.To > 0 && next > o.To {
			next = o.To
		}
		if o.DryRun {
			res.Keys = append(res.Keys, keys...)
		} else if err := s.rebuildPage(ctx, keys, o.Concurrency, &res); err != nil {
			return res, err
		}
		res.Studies += len(keys)
		res.Pages++
		pos = max(pos, next)
		res.To = pos
		if saveAllowed && pos > stored.Sequence {
			cp := Checkpoint{Sequence: pos, UpdatedAt: s.now().UTC(), Base: s.dicom.Base(DefaultPartition)}
			if err := store.Save(ctx, s.cfg.Host, cp); err != nil {
				return res, fmt.Errorf("save checkpoint %d: %w", pos, err)
			}
		}
		if pos > latest {
			latest = pos
		}
		if o.Progress != nil {
			o.Progress(CatchupProgress{Position: pos, Latest: latest, Pages: res.Pages, Studies: res.Studies,
				Counts: res.Counts, Elapsed: s.now().Sub(start)})
		}
		if page.Done {
			res.ReachedEnd = true
			return res, nil
		}
	}
}

// pageKeys returns the distinct, valid study keys of a page in order.
func (s *Service) pageKeys(ctx context.Context, changes []Change, to int64) []Key {
	seen := map[Key]bool{}
	var keys []Key
	for _, ch := range changes {
		if to > 0 && ch.Sequence > to {
			continue
		}
		part := ch.Partition
		if part == "" || !s.cfg.PartitionsEnabled {
			part = DefaultPartition
		}
		if !ValidUID(ch.StudyUID) || !partitionRE.MatchString(part) {
			s.log.WarnContext(ctx, "change-feed entry skipped: invalid study UID or partition", "sequence", ch.Sequence)
			continue
		}
		k := Key{Host: s.cfg.Host, Partition: part, StudyUID: ch.StudyUID}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// rebuildPage rebuilds keys in parallel and waits for all of them.
func (s *Service) rebuildPage(ctx context.Context, keys []Key, conc int, res *CatchupResult) error {
	if conc <= 0 {
		conc = max(1, s.cfg.MaxConcurrent)
	}
	type result struct {
		k   Key
		out Outcome
		err error
	}
	results := make(chan result, len(keys))
	sem := make(chan struct{}, conc)
	for _, k := range keys {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			out, err := s.submitNow(ctx, k).Wait(ctx)
			results <- result{k, out, err}
		}()
	}
	var transient error
	for range keys {
		r := <-results
		switch {
		case r.err == nil:
			res.Counts[r.out]++
		case event.IsPermanent(r.err):
			res.Permanent++
			res.Counts[OutcomeFailed]++
			s.log.WarnContext(ctx, "catch-up: study failed permanently", "partition", r.k.Partition, "study", r.k.StudyUID,
				"outcome", r.out, "error", r.err.Error())
		default:
			res.Counts[OutcomeFailed]++
			s.log.ErrorContext(ctx, "catch-up: study failed; the page will be repeated", "partition", r.k.Partition,
				"study", r.k.StudyUID, "error", r.err.Error())
			transient = errors.Join(transient, fmt.Errorf("study %s: %w", r.k.StudyUID, r.err))
		}
	}
	return transient
}

// CatchupTimer returns the handler of the dicom-catchup timer function: one
// catch-up run per firing. Stopping at the duration limit is a success;
// a transient failure fails the invocation (the next firing repeats the
// page).
func (s *Service) CatchupTimer(store CheckpointStore) event.TimerHandler {
	return func(ctx context.Context, _ event.Timer) error {
		res, err := s.Catchup(ctx, store, CatchupOptions{})
		s.log.InfoContext(ctx, "catch-up run", "from", res.From, "to", res.To, "pages", res.Pages, "studies", res.Studies,
			"permanent_failures", res.Permanent, "reached_end", res.ReachedEnd)
		return err
	}
}
