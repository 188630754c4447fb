// Package checkpoint stores the DICOM change-feed catch-up checkpoint
// (dicom.md P8.2) in Azure Blob Storage: container DICOM_CHECKPOINT_CONTAINER,
// blob changefeed/{host}.json, body {"sequence","updatedAt","base"}.
//
// Writes are compare-and-swap on the blob's ETag (If-None-Match: * for the
// first write); on a lost race the blob is re-read and the higher sequence
// wins, so the stored value is never lowered. Storage errors are returned
// as is and are transient for the caller.
package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/imaging"
)

// Blob is an imaging.CheckpointStore in a blob container. Safe for
// concurrent use.
type Blob struct {
	client    *azblob.Client
	container string

	lazy blobstore.Container
}

var _ imaging.CheckpointStore = (*Blob)(nil)

// NewBlob returns a store in container, created on first write.
func NewBlob(client *azblob.Client, container string) *Blob {
	return &Blob{client: client, container: container, lazy: blobstore.Container{Client: client, Name: container}}
}

// Name returns the blob name of a host's checkpoint.
func Name(host string) string { return "changefeed/" + host + ".json" }

// Load reads the checkpoint of host; the zero Checkpoint when absent.
func (b *Blob) Load(ctx context.Context, host string) (imaging.Checkpoint, error) {
	cp, _, err := b.read(ctx, host)
	return cp, err
}

func (b *Blob) read(ctx context.Context, host string) (imaging.Checkpoint, *azcore.ETag, error) {
	var cp imaging.Checkpoint
	resp, err := b.client.DownloadStream(ctx, b.container, Name(host), nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return cp, nil, nil
	}
	if err != nil {
		return cp, nil, fmt.Errorf("read checkpoint %s/%s: %w", b.container, Name(host), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return cp, nil, fmt.Errorf("read checkpoint %s/%s: %w", b.container, Name(host), err)
	}
	if err := json.Unmarshal(body, &cp); err != nil {
		return cp, nil, fmt.Errorf("checkpoint %s/%s is not valid JSON: %w", b.container, Name(host), err)
	}
	return cp, resp.ETag, nil
}

// Save writes cp unless a higher sequence is stored.
func (b *Blob) Save(ctx context.Context, host string, cp imaging.Checkpoint) error {
	if err := b.ensure(ctx); err != nil {
		return err
	}
	body, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 10; attempt++ {
		cur, etag, err := b.read(ctx, host)
		if err != nil {
			return err
		}
		if etag != nil && cur.Sequence >= cp.Sequence {
			return nil
		}
		cond := &blob.ModifiedAccessConditions{}
		if etag == nil {
			cond.IfNoneMatch = to.Ptr(azcore.ETagAny)
		} else {
			cond.IfMatch = etag
		}
		_, err = b.client.UploadBuffer(ctx, b.container, Name(host), body, &azblob.UploadBufferOptions{
			AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: cond},
		})
		if bloberror.HasCode(err, bloberror.ConditionNotMet, bloberror.BlobAlreadyExists) {
			continue // someone else wrote: re-read and compare
		}
		if err != nil {
			return fmt.Errorf("write checkpoint %s/%s: %w", b.container, Name(host), err)
		}
		return nil
	}
	return fmt.Errorf("write checkpoint %s/%s: too many concurrent writers", b.container, Name(host))
}

func (b *Blob) ensure(ctx context.Context) error { return b.lazy.Ensure(ctx) }
