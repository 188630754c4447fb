// Package dicomcatchup is the `dicom-catchup` function (timer, every five
// minutes): it reads the DICOM change feed from the checkpoint kept in Blob
// Storage and rebuilds each touched study once per page, repairing events
// Event Grid dropped and back-filling studies stored before deployment. A
// failed run leaves the checkpoint where it was; the next firing repeats it.
package dicomcatchup

import (
	"context"
	"fmt"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/imaging"
)

// New returns the function's handler; without a service or a checkpoint
// store every firing fails with the reason.
func New(svc *imaging.Service, store imaging.CheckpointStore, problem error) event.TimerHandler {
	if svc == nil || store == nil {
		return func(context.Context, event.Timer) error {
			return fmt.Errorf("dicom-catchup is not configured: %w", problem)
		}
	}
	return svc.CatchupTimer(store)
}
