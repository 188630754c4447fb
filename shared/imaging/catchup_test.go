package imaging

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
	"github.com/ahds-events/ahds/shared/imaging/synth"
	"github.com/ahds-events/ahds/tests/stack"
)

func TestCatchup_Orthanc(t *testing.T) {
	s := newStackEnv(t, nil)
	ctx := t.Context()
	before, err := s.dicom.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	study := uniq("1.2.826.0.1.3680043.8.498.9201")
	ins := synth.Study(study, "CU-"+study[len(study)-6:], synth.SeriesSpec{Modality: "CT", Instances: 3}, synth.SeriesSpec{Modality: "SR", Instances: 1})
	t.Cleanup(func() { _ = s.dicom.DeleteStudy(context.Background(), "", study) })
	s.store(t, ins...)
	after, _ := s.dicom.Latest(ctx)

	// A dry run lists the study and writes nothing.
	store := &MemoryCheckpoints{}
	if err := store.Save(ctx, s.cfg.Host, Checkpoint{Sequence: before}); err != nil {
		t.Fatal(err)
	}
	dry, err := s.svc.Catchup(ctx, store, CatchupOptions{DryRun: true})
	if err != nil || !dry.ReachedEnd {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	if !slices.Contains(dry.Keys, Key{Host: s.cfg.Host, Partition: DefaultPartition, StudyUID: study}) {
		t.Errorf("dry-run keys %v lack the study", dry.Keys)
	}
	if cp, _ := store.Load(ctx, s.cfg.Host); cp.Sequence != before || len(s.studies(t, study)) != 0 {
		t.Errorf("dry run wrote: checkpoint %d, studies %d", cp.Sequence, len(s.studies(t, study)))
	}

	var progress []CatchupProgress
	res, err := s.svc.Catchup(ctx, store, CatchupOptions{Progress: func(p CatchupProgress) { progress = append(progress, p) }})
	if err != nil || !res.ReachedEnd || res.Counts[OutcomeCreated] < 1 {
		t.Fatalf("catch-up = %+v, %v", res, err)
	}
	if is := s.one(t, study); is["numberOfInstances"] != float64(4) {
		t.Errorf("caught-up study has %v instances, want 4", is["numberOfInstances"])
	}
	cp, _ := store.Load(ctx, s.cfg.Host)
	if cp.Sequence < after || cp.Base != s.dicom.Base("") || cp.UpdatedAt.IsZero() {
		t.Errorf("checkpoint = %+v, want ≥ %d", cp, after)
	}
	if len(progress) == 0 || progress[len(progress)-1].Position != cp.Sequence {
		t.Errorf("progress = %+v", progress)
	}
	// Nothing new: one empty page.
	res, err = s.svc.Catchup(ctx, store, CatchupOptions{})
	if err != nil || !res.ReachedEnd || res.Studies != 0 {
		t.Errorf("second run = %+v, %v", res, err)
	}
	// --from below the checkpoint replays and never lowers it.
	from := before
	res, err = s.svc.Catchup(ctx, store, CatchupOptions{From: &from})
	if err != nil || res.Counts[OutcomeUnchanged] < 1 {
		t.Errorf("replay = %+v, %v", res, err)
	}
	if cp2, _ := store.Load(ctx, s.cfg.Host); cp2.Sequence != cp.Sequence {
		t.Errorf("replay moved the checkpoint %d → %d", cp.Sequence, cp2.Sequence)
	}
}

// fakeDICOM serves change-feed pages and study metadata from memory.
type fakeDICOM struct {
	mu     sync.Mutex
	pages  map[int64]*dicomweb.ChangePage
	latest int64
	meta   map[string][]byte
	fail   map[string]error
	reads  map[string]int
}

func (f *fakeDICOM) Base(string) string { return "http://dicom.test/dicom-web" }
func (f *fakeDICOM) StudyMetadata(_ context.Context, _, study string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reads == nil {
		f.reads = map[string]int{}
	}
	f.reads[study]++
	if err := f.fail[study]; err != nil {
		return nil, err
	}
	if b, ok := f.meta[study]; ok {
		return b, nil
	}
	return nil, &dicomweb.Error{Status: 404}
}
func (f *fakeDICOM) Changes(_ context.Context, from int64, _ int) (*dicomweb.ChangePage, error) {
	if p, ok := f.pages[from]; ok {
		return p, nil
	}
	return &dicomweb.ChangePage{Next: from, Done: true}, nil
}
func (f *fakeDICOM) Latest(context.Context) (int64, error) { return f.latest, nil }

func TestCatchup_TransientStopsPermanentContinues(t *testing.T) {
	ep := stack.Require(t)
	cfg, err := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": "http://dicom.test", "DICOM_SERVICE_KIND": "orthanc", "DICOM_SETTLE_WINDOW": "0s"}))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	fc, err := fhir.New(ep.FHIR, fhir.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	good, bad, broken := uniq("1.2.826.0.1.3680043.8.498.9301"), uniq("1.2.826.0.1.3680043.8.498.9302"), uniq("1.2.826.0.1.3680043.8.498.9303")
	goodMeta := studyMetadata(t, synth.CTStudy(good, "GOOD-"+good[len(good)-6:], 1, 2))
	noPID := studyMetadata(t, synth.CTStudy(bad, "", 1, 1))
	f := &fakeDICOM{latest: 20,
		pages: map[int64]*dicomweb.ChangePage{
			0:  {Next: 10, Changes: []Change{{Sequence: 5, StudyUID: good}, {Sequence: 6, StudyUID: bad}, {Sequence: 7, StudyUID: good}, {Sequence: 8, StudyUID: "not a uid"}}},
			10: {Next: 20, Changes: []Change{{Sequence: 15, StudyUID: broken}}},
		},
		meta: map[string][]byte{good: goodMeta, bad: noPID},
		fail: map[string]error{broken: &dicomweb.Error{Status: 503}},
	}
	svc := NewService(cfg, f, fc, log)
	store := &MemoryCheckpoints{}
	res, err := svc.Catchup(t.Context(), store, CatchupOptions{})
	if err == nil || event.IsPermanent(err) || res.ReachedEnd {
		t.Fatalf("run = %+v, %v; want a transient stop", res, err)
	}
	var de *dicomweb.Error
	if !errors.As(err, &de) || de.Status != 503 {
		t.Errorf("error %v does not carry the DICOM 503", err)
	}
	if cp, _ := store.Load(t.Context(), cfg.Host); cp.Sequence != 10 {
		t.Errorf("checkpoint = %d, want 10 (the failing page not passed)", cp.Sequence)
	}
	if res.Counts[OutcomeCreated] != 1 || res.Permanent != 1 || f.reads[good] != 1 {
		t.Errorf("counts %v permanent %d reads %v", res.Counts, res.Permanent, f.reads)
	}
	// The broken study recovers: the next run repeats the page and ends.
	delete(f.fail, broken)
	res, err = svc.Catchup(t.Context(), store, CatchupOptions{})
	if err != nil || !res.ReachedEnd || res.From != 10 {
		t.Errorf("second run = %+v, %v", res, err)
	}
	if cp, _ := store.Load(t.Context(), cfg.Host); cp.Sequence != 20 {
		t.Errorf("checkpoint = %d, want 20", cp.Sequence)
	}
	// --to stops early; the limit is honoured.
	from := int64(0)
	res, err = svc.Catchup(t.Context(), &MemoryCheckpoints{}, CatchupOptions{From: &from, To: 10})
	if err != nil || !res.ReachedEnd || res.To != 10 || res.Pages != 1 {
		t.Errorf("--to 10 = %+v, %v", res, err)
	}
}

// studyMetadata renders synthetic instances as WADO-RS DICOM JSON.
func studyMetadata(t *testing.T, ins []synth.Instance) []byte {
	t.Helper()
	var arr []map[string]any
	for _, in := range ins {
		el := func(v string) map[string]any { return map[string]any{"vr": "LO", "Value": []any{v}} }
		m := map[string]any{
			"0020000D": el(in.StudyUID), "0020000E": el(in.SeriesUID), "00080018": el(in.SOPUID),
			"00080016": el(in.SOPClassUID), "00080060": el(in.Modality),
			"00200011": map[string]any{"vr": "IS", "Value": []any{in.SeriesNumber}},
			"00200013": map[string]any{"vr": "IS", "Value": []any{in.InstanceNumber}},
		}
		if in.PatientID != "" {
			m["00100020"] = el(in.PatientID)
		}
		arr = append(arr, m)
	}
	return mustJSON(t, arr)
}
