// Package blobstore opens Azure Blob Storage from the app's storage settings:
// a connection string (Azurite's UseDevelopmentStorage=true included) or the
// identity-based AzureWebJobsStorage__* form with a managed identity.
//
// The azblob client retries transient failures itself (its default policy);
// errors that remain are transient to callers.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/ahds-events/ahds/shared/config"
)

// DevelopmentConnectionString is what UseDevelopmentStorage=true means: the
// well-known Azurite account on 127.0.0.1.
const DevelopmentConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
	"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
	"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;" +
	"TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

// Open returns a blob service client for s. cred is used for the identity
// form and may be nil for connection strings.
func Open(s config.Storage, cred azcore.TokenCredential) (*azblob.Client, error) {
	switch {
	case s.ConnectionString != "":
		cs := s.ConnectionString
		if strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(cs), ";"), "UseDevelopmentStorage=true") {
			cs = DevelopmentConnectionString
		}
		c, err := azblob.NewClientFromConnectionString(cs, nil)
		if err != nil {
			return nil, fmt.Errorf("storage connection string: %w", err)
		}
		return c, nil
	case s.BlobServiceURL != "":
		if cred == nil {
			return nil, errors.New("storage: identity-based settings need a credential")
		}
		c, err := azblob.NewClient(s.BlobServiceURL, cred, nil)
		if err != nil {
			return nil, fmt.Errorf("storage %s: %w", s.BlobServiceURL, err)
		}
		return c, nil
	}
	return nil, errors.New("storage is not configured: set AzureWebJobsStorage")
}

// Container is a blob container created on first use. A failed creation is
// retried on the next call: storage may come back. Safe for concurrent use.
type Container struct {
	Client *azblob.Client
	Name   string

	mu    sync.Mutex
	ready bool
}

// Ensure creates the container unless this Container already has.
func (c *Container) Ensure(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready {
		return nil
	}
	if err := EnsureContainer(ctx, c.Client, c.Name); err != nil {
		return err
	}
	c.ready = true
	return nil
}

// EnsureContainer creates container unless it exists.
func EnsureContainer(ctx context.Context, c *azblob.Client, container string) error {
	_, err := c.CreateContainer(ctx, container, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return fmt.Errorf("create container %s: %w", container, err)
	}
	return nil
}

// Reader reads whole blobs by URL with the app's storage client, for
// configuration kept in Blob Storage (such as MedTech mappings). The URL's
// account must be the client's; its container and blob name are used.
type Reader struct {
	Client *azblob.Client
}

// ReadBlob downloads the blob at rawURL.
func (r Reader) ReadBlob(ctx context.Context, rawURL string) ([]byte, error) {
	parts, err := azblob.ParseURL(rawURL)
	if err != nil || parts.ContainerName == "" || parts.BlobName == "" {
		return nil, fmt.Errorf("blob URL %q: want https://<account>.blob.core.windows.net/<container>/<blob>", rawURL)
	}
	resp, err := r.Client.DownloadStream(ctx, parts.ContainerName, parts.BlobName, nil)
	if err != nil {
		return nil, fmt.Errorf("read blob %s/%s: %w", parts.ContainerName, parts.BlobName, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read blob %s/%s: %w", parts.ContainerName, parts.BlobName, err)
	}
	return b, nil
}
