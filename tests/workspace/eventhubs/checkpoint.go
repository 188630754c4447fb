package eventhubs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ahds-events/ahds/tests/workspace/blobstore"
)

// DefaultCheckpointContainer is the container the Functions Event Hubs
// extension keeps checkpoints in.
const DefaultCheckpointContainer = "azure-webjobs-eventhub"

// BlobCheckpoints writes checkpoints as the extension's blob checkpoint store
// does: an empty blob {namespace}/{hub}/{consumergroup}/checkpoint/{partition}
// (lower-case) with metadata offset and sequencenumber.
type BlobCheckpoints struct {
	Store     *blobstore.Store
	Container string
}

// BlobName returns the checkpoint blob's name.
func BlobName(cp Checkpoint) string {
	return strings.ToLower(fmt.Sprintf("%s/%s/%s/checkpoint/%s", cp.Namespace, cp.Hub, cp.ConsumerGroup, cp.PartitionID))
}

// Checkpoint writes one checkpoint.
func (b *BlobCheckpoints) Checkpoint(ctx context.Context, cp Checkpoint) error {
	c := b.Container
	if c == "" {
		c = DefaultCheckpointContainer
	}
	return b.Store.Put(ctx, c, BlobName(cp), nil, map[string]string{
		"offset":         strconv.FormatInt(cp.Offset, 10),
		"sequencenumber": strconv.FormatInt(cp.SequenceNumber, 10),
	})
}
