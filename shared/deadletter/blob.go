package deadletter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/ahds-events/ahds/shared/blobstore"
)

// Blob is a Store in an Azure Blob Storage container: one JSON blob per
// record, named ID + ".json", with function, time and error in the blob's
// metadata so List need not download the records.
type Blob struct {
	client    *azblob.Client
	container string

	lazy blobstore.Container
}

var _ Store = (*Blob)(nil)

// NewBlob returns a Blob store in container, created on first write.
func NewBlob(client *azblob.Client, container string) *Blob {
	return &Blob{client: client, container: container, lazy: blobstore.Container{Client: client, Name: container}}
}

func (b *Blob) ensure(ctx context.Context) error { return b.lazy.Ensure(ctx) }

// Put writes r, replacing a record with the same ID.
func (b *Blob) Put(ctx context.Context, r Record) error {
	if err := b.ensure(ctx); err != nil {
		return err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode dead-letter record %s: %w", r.ID, err)
	}
	_, err = b.client.UploadBuffer(ctx, b.container, r.ID+".json", body, &azblob.UploadBufferOptions{
		Metadata: map[string]*string{
			"function": to.Ptr(headerSafe(r.Function, 256)),
			"time":     to.Ptr(r.Time.UTC().Format(time.RFC3339Nano)),
			"error":    to.Ptr(headerSafe(r.Error, 1024)),
		},
	})
	if err != nil {
		return fmt.Errorf("write dead-letter record %s: %w", r.ID, err)
	}
	return nil
}

// Get reads the record with the given ID.
func (b *Blob) Get(ctx context.Context, id string) (Record, error) {
	resp, err := b.client.DownloadStream(ctx, b.container, strings.TrimSuffix(id, ".json")+".json", nil)
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
			return Record{}, fmt.Errorf("get %s: %w", id, ErrNotFound)
		}
		return Record{}, fmt.Errorf("read dead-letter record %s: %w", id, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return Record{}, fmt.Errorf("read dead-letter record %s: %w", id, err)
	}
	var r Record
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		return Record{}, fmt.Errorf("decode dead-letter record %s: %w", id, err)
	}
	return r, nil
}

// List returns the records of function (all when empty), oldest first.
func (b *Blob) List(ctx context.Context, function string) ([]Summary, error) {
	opts := &container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Metadata: true}}
	if function != "" {
		opts.Prefix = to.Ptr(function + "/")
	}
	var out []Summary
	pager := b.client.NewListBlobsFlatPager(b.container, opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if bloberror.HasCode(err, bloberror.ContainerNotFound) {
				return nil, nil
			}
			return nil, fmt.Errorf("list dead-letter records: %w", err)
		}
		for _, it := range page.Segment.BlobItems {
			s := Summary{ID: strings.TrimSuffix(*it.Name, ".json")}
			if it.Properties != nil && it.Properties.ContentLength != nil {
				s.Size = int(*it.Properties.ContentLength)
			}
			for k, v := range it.Metadata {
				if v == nil {
					continue
				}
				switch strings.ToLower(k) {
				case "function":
					s.Function = *v
				case "error":
					s.Error = *v
				case "time":
					s.Time, _ = time.Parse(time.RFC3339Nano, *v)
				}
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// headerSafe makes s a valid metadata value: printable ASCII, bounded.
func headerSafe(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
