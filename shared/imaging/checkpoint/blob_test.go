package checkpoint

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"github.com/ahds-events/ahds/shared/imaging"
	"github.com/ahds-events/ahds/tests/stack"
)

func TestBlob_Azurite(t *testing.T) {
	st := stack.Require(t)
	client, err := blobstore.Open(config.Storage{ConnectionString: st.Storage}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBlob(client, fmt.Sprintf("cptest%d", time.Now().UnixNano()%1e9))
	ctx := t.Context()
	const host = "127.0.0.1:8042"
	if cp, err := b.Load(ctx, host); err != nil || cp.Sequence != 0 {
		t.Fatalf("Load(absent) = %+v, %v", cp, err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := b.Save(ctx, host, imaging.Checkpoint{Sequence: 10, UpdatedAt: now, Base: "http://x/dicom-web"}); err != nil {
		t.Fatal(err)
	}
	// Concurrent writers: the highest value wins, never lowered.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Save(ctx, host, imaging.Checkpoint{Sequence: int64(5 + i*3), UpdatedAt: now}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	cp, err := b.Load(ctx, host)
	if err != nil || cp.Sequence != 26 {
		t.Errorf("after concurrent saves = %+v, %v; want 26", cp, err)
	}
	if err := b.Save(ctx, host, imaging.Checkpoint{Sequence: 3}); err != nil {
		t.Fatal(err)
	}
	if cp, _ := b.Load(ctx, host); cp.Sequence != 26 {
		t.Errorf("lowered to %d", cp.Sequence)
	}
}
