// Package blobstore connects the workspace emulation to Azure Blob Storage
// (Azurite locally) for Event Grid dead-letters and Event Hubs checkpoints.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	appblob "github.com/ahds-events/ahds/shared/blobstore"
	"github.com/ahds-events/ahds/shared/config"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
)

// Store writes blobs into containers it creates on first use.
// It is safe for concurrent use.
type Store struct {
	client *azblob.Client
}

// New connects to the account of a connection string.
func New(conn string) (*Store, error) {
	if strings.TrimSpace(conn) == "" {
		return nil, errors.New("blobstore: empty connection string")
	}
	c, err := appblob.Open(config.Storage{ConnectionString: conn}, nil)
	if err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	return &Store{client: c}, nil
}

// Client returns the underlying azblob client.
func (s *Store) Client() *azblob.Client { return s.client }

// Put writes body to container/name with metadata, creating the container
// when it does not exist.
func (s *Store) Put(ctx context.Context, container, name string, body []byte, metadata map[string]string) error {
	meta := make(map[string]*string, len(metadata))
	for k, v := range metadata {
		meta[k] = to.Ptr(v)
	}
	opts := &blockblob.UploadBufferOptions{Metadata: meta}
	_, err := s.client.UploadBuffer(ctx, container, name, body, opts)
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		if _, cerr := s.client.CreateContainer(ctx, container, nil); cerr != nil && !bloberror.HasCode(cerr, bloberror.ContainerAlreadyExists) {
			return fmt.Errorf("create container %s: %w", container, cerr)
		}
		_, err = s.client.UploadBuffer(ctx, container, name, body, opts)
	}
	if err != nil {
		return fmt.Errorf("put blob %s/%s: %w", container, name, err)
	}
	return nil
}

// Metadata returns a blob's metadata (keys lower-cased), or an error
// wrapping bloberror.BlobNotFound.
func (s *Store) Metadata(ctx context.Context, container, name string) (map[string]string, error) {
	props, err := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("get blob %s/%s: %w", container, name, err)
	}
	out := map[string]string{}
	for k, v := range props.Metadata {
		if v != nil {
			out[strings.ToLower(k)] = *v
		}
	}
	return out, nil
}
