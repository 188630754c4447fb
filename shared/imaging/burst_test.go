package imaging

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ahds-events/ahds/shared/imaging/synth"
)

// TestE2E_Burst300Converges10Trials: in each of 10 trials, a 300-instance
// study is stored at once and its 300 DicomImageCreated events arrive
// concurrently; every trial converges to one correct ImagingStudy with one
// or two writes and a handful of metadata fetches (P2 coalescing).
func TestE2E_Burst300Converges10Trials(t *testing.T) {
	s := newProxiedEnv(t, "200ms", [3]int64{0, 0, 0}, [3]int64{0, 0, 0})
	for trial := range 10 {
		study := uniq(fmt.Sprint("1.2.826.0.1.3680043.8.498.9801.", trial))
		ins := synth.CTStudy(study, fmt.Sprintf("BURST300-%d", trial), 3, 100)
		t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
		s.store(t, ins...)
		meta0, writes0 := s.metrics.MetadataRequests.Load(), s.fhirProxy.writes.Load()

		var wg sync.WaitGroup
		errs := make(chan error, len(ins))
		for i, in := range ins {
			wg.Go(func() { errs <- s.svc.HandleEvent(t.Context(), s.dicomEvent(fmt.Sprint(study, "-", i), "Created", in)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("trial %d: HandleEvent: %v", trial, err)
			}
		}
		is := s.one(t, study)
		if is["numberOfInstances"] != float64(300) || is["numberOfSeries"] != float64(3) {
			t.Errorf("trial %d: %v series, %v instances; want 3, 300", trial, is["numberOfSeries"], is["numberOfInstances"])
		}
		if n := s.metrics.MetadataRequests.Load() - meta0; n > 3 {
			t.Errorf("trial %d: %d metadata fetches, want ≤ 3", trial, n)
		}
		if w := s.fhirProxy.writes.Load() - writes0; w < 1 || w > 5 {
			t.Errorf("trial %d: %d FHIR writes, want 1–5", trial, w)
		}
	}
}
