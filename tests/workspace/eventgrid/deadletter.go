package eventgrid

import (
	"context"
	"fmt"
	"time"

	"github.com/ahds-events/ahds/tests/workspace/blobstore"
	"github.com/ahds-events/ahds/tests/workspace/hostwire"
)

// BlobSink writes dead-letters as Event Grid does: one blob per event,
// {topic}/{SUBSCRIPTION}/{yyyy}/{MM}/{dd}/{HH}/{guid}.json, holding a JSON
// array with the event.
type BlobSink struct {
	Store *blobstore.Store
	// Topic is the topic's name in the path (e.g. the workspace name).
	Topic string
	Now   func() time.Time
}

// DeadLetter writes one record.
func (s *BlobSink) DeadLetter(ctx context.Context, sub *Subscription, container string, record []byte) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().UTC()
	name := fmt.Sprintf("%s/%s/%s/%s.json", s.Topic, upper(sub.Name), t.Format("2006/01/02/15"), hostwire.NewUUID())
	return s.Store.Put(ctx, container, name, record, nil)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
