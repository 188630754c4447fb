package dicomweb

import (
	"encoding/json"
	"errors"
	"github.com/ahds-events/ahds/tests/sharedcases"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/imaging/synth"
	"github.com/ahds-events/ahds/tests/stack"
)

// tinyStudyUID is a study only this package stores.
const tinyStudyUID = "1.2.826.0.1.3680043.8.498.7001"

func tinyFiles(t *testing.T) [][]byte {
	t.Helper()
	dir := sharedcases.Path(t, "cases", "dicom", "tiny-study")
	var out [][]byte
	for _, n := range []string{"inst1.dcm", "inst2.dcm", "inst3.dcm"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func orthanc(t *testing.T) *Client {
	t.Helper()
	ep := stack.Require(t)
	c, err := New(ep.Orthanc, Options{Kind: KindOrthanc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func instanceCount(t *testing.T, b []byte) int {
	t.Helper()
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil {
		t.Fatalf("metadata is not a JSON array: %v", err)
	}
	return len(arr)
}

func TestOrthanc_StoreMetadataSearchChangesDelete(t *testing.T) {
	c := orthanc(t)
	ctx := t.Context()
	before, err := c.Latest(ctx)
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	files, err := synth.Files(synth.Study(tinyStudyUID, "DW-1",
		synth.SeriesSpec{Modality: "CT", Description: "Series one", Instances: 2},
		synth.SeriesSpec{Modality: "MR", Description: "Series two", Instances: 1}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Store(ctx, "", "", files[0], files[1])
	if err != nil || res.Status != 200 {
		t.Fatalf("Store = %+v, %v", res, err)
	}
	res, err = c.Store(ctx, "", tinyStudyUID, files[2])
	if err != nil || res.Status != 200 {
		t.Fatalf("Store to study URL = %+v, %v", res, err)
	}
	t.Cleanup(func() { _ = c.DeleteStudy(t.Context(), "", tinyStudyUID) })

	meta, err := c.StudyMetadata(ctx, "", tinyStudyUID)
	if err != nil {
		t.Fatalf("StudyMetadata: %v", err)
	}
	if n := instanceCount(t, meta); n != 3 {
		t.Errorf("study metadata has %d instances, want 3", n)
	}
	meta, err = c.SeriesMetadata(ctx, "", tinyStudyUID, tinyStudyUID+".1")
	if err != nil || instanceCount(t, meta) != 2 {
		t.Errorf("SeriesMetadata: %v", err)
	}
	meta, err = c.InstanceMetadata(ctx, "", tinyStudyUID, tinyStudyUID+".2", tinyStudyUID+".2.1")
	if err != nil || instanceCount(t, meta) != 1 || !strings.Contains(string(meta), "Series two") {
		t.Errorf("InstanceMetadata: %v", err)
	}

	found, err := c.SearchStudies(ctx, "", url.Values{"StudyInstanceUID": {tinyStudyUID}, "includefield": {"00081030"}})
	if err != nil || instanceCount(t, found) != 1 || !strings.Contains(string(found), "Synthetic study") {
		t.Errorf("SearchStudies = %s, %v", found, err)
	}
	none, err := c.SearchStudies(ctx, "", url.Values{"StudyInstanceUID": {"1.2.3.999999"}})
	if err != nil || string(none) != "[]" {
		t.Errorf("SearchStudies(no match) = %s, %v; want []", none, err)
	}
	series, err := c.SearchSeries(ctx, "", tinyStudyUID, nil)
	if err != nil || instanceCount(t, series) != 2 {
		t.Errorf("SearchSeries = %s, %v", series, err)
	}
	insts, err := c.SearchInstances(ctx, "", tinyStudyUID, tinyStudyUID+".1", nil)
	if err != nil || instanceCount(t, insts) != 2 {
		t.Errorf("SearchInstances = %s, %v", insts, err)
	}

	// The change source lists the new instances with their study.
	page, err := c.Changes(ctx, before, 100)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	n := 0
	for _, ch := range page.Changes {
		if ch.StudyUID == tinyStudyUID && ch.Action == "create" {
			n++
		}
	}
	if n != 3 || page.Next <= before {
		t.Errorf("Changes after %d: %d creates of the study, next %d; want 3 and > %d", before, n, page.Next, before)
	}

	// Storing to the wrong study URL is a 409 result with reason 272.
	res, err = c.Store(ctx, "", "1.2.3.4.5", tinyFiles(t)[0])
	if err != nil || res.Status != 409 || len(res.Failed) != 1 || res.Failed[0].Reason != 272 {
		t.Errorf("Store(wrong study) = %+v, %v; want 409 reason 272", res, err)
	}

	// Delete an instance, then the study; the study is gone afterwards.
	if err := c.Delete(ctx, "", tinyStudyUID, tinyStudyUID+".2", tinyStudyUID+".2.1"); err != nil {
		t.Fatalf("Delete(instance): %v", err)
	}
	meta, err = c.StudyMetadata(ctx, "", tinyStudyUID)
	if err != nil || instanceCount(t, meta) != 2 {
		t.Errorf("after instance delete: %v", err)
	}
	if err := c.DeleteStudy(ctx, "", tinyStudyUID); err != nil {
		t.Fatalf("DeleteStudy: %v", err)
	}
	if _, err := c.StudyMetadata(ctx, "", tinyStudyUID); !errors.Is(err, ErrNotFound) {
		t.Errorf("StudyMetadata after delete = %v, want ErrNotFound", err)
	}
	if err := c.DeleteStudy(ctx, "", tinyStudyUID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteStudy twice = %v, want ErrNotFound", err)
	}
}

func TestOrthanc_SyntheticStudy(t *testing.T) {
	c := orthanc(t)
	const study = "1.2.826.0.1.3680043.8.498.4242"
	files, err := synth.Files(synth.CTStudy(study, "SYN-DW", 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Store(t.Context(), "", "", files...)
	if err != nil || res.Status != 200 {
		t.Fatalf("Store synthetic = %+v, %v", res, err)
	}
	t.Cleanup(func() { _ = c.DeleteStudy(t.Context(), "", study) })
	meta, err := c.StudyMetadata(t.Context(), "", study)
	if err != nil || instanceCount(t, meta) != 12 {
		t.Fatalf("metadata: %v", err)
	}
}
