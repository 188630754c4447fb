package dicomweb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// StoreFailure is one entry of a STOW-RS FailedSOPSequence.
type StoreFailure struct {
	SOPInstanceUID string
	// Reason is the FailureReason (e.g. 272, 43264, 43265, 45070).
	Reason int
}

// StoreResult is a STOW-RS answer: 200 all stored, 202 some, 409 none.
type StoreResult struct {
	Status int
	Failed []StoreFailure
	// Body is the DICOM JSON answer.
	Body []byte
}

// Store sends DICOM Part 10 files with one STOW-RS request to /studies, or
// /studies/{study} when study is set. It always uses multipart/related
// (Orthanc refuses a single-part body). 200, 202 and 409 are results;
// other statuses are errors.
func (c *Client) Store(ctx context.Context, partition, study string, files ...[]byte) (*StoreResult, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("dicomweb: store: no files")
	}
	u := c.Base(partition) + "/studies"
	if partition != "" && !partitionRE.MatchString(partition) {
		return nil, fmt.Errorf("dicomweb: %q is not a valid partition name", partition)
	}
	if study != "" {
		if err := checkUIDs(study); err != nil {
			return nil, err
		}
		u += "/" + study
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	boundary := "dicomweb-" + hex.EncodeToString(rnd[:])
	var body bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&body, "--%s\r\nContent-Type: application/dicom\r\nContent-Length: %d\r\n\r\n", boundary, len(f))
		body.Write(f)
		body.WriteString("\r\n")
	}
	fmt.Fprintf(&body, "--%s--\r\n", boundary)
	resp, err := c.do(ctx, request{method: http.MethodPost, url: u, body: body.Bytes(), ok: []int{http.StatusConflict},
		header: http.Header{
			"Content-Type": {`multipart/related; type="application/dicom"; boundary=` + boundary},
			"Accept":       {"application/dicom+json"},
		}})
	if err != nil {
		return nil, err
	}
	return &StoreResult{Status: resp.status, Failed: failedSOPs(resp.body), Body: resp.body}, nil
}

// failedSOPs reads FailedSOPSequence (0008,1198) items.
func failedSOPs(b []byte) []StoreFailure {
	type element struct {
		Value []json.RawMessage
	}
	var ds map[string]element
	if json.Unmarshal(b, &ds) != nil {
		return nil
	}
	var out []StoreFailure
	for _, raw := range ds[findKey(ds, "00081198")].Value {
		var item map[string]element
		if json.Unmarshal(raw, &item) != nil {
			continue
		}
		var f StoreFailure
		if v := item[findKey(item, "00081155")].Value; len(v) > 0 {
			_ = json.Unmarshal(v[0], &f.SOPInstanceUID)
		}
		if v := item[findKey(item, "00081197")].Value; len(v) > 0 {
			var n json.Number
			if json.Unmarshal(v[0], &n) == nil {
				f.Reason, _ = strconv.Atoi(n.String())
			} else {
				var s string
				_ = json.Unmarshal(v[0], &s)
				f.Reason, _ = strconv.Atoi(s)
			}
		}
		out = append(out, f)
	}
	return out
}

func findKey[V any](m map[string]V, tag string) string {
	for k := range m {
		if strings.EqualFold(k, tag) {
			return k
		}
	}
	return tag
}

// DeleteStudy deletes a study; see Delete.
func (c *Client) DeleteStudy(ctx context.Context, partition, study string) error {
	return c.Delete(ctx, partition, study)
}

// Delete deletes a study, series or instance (one, two or three UIDs). A
// missing resource is ErrNotFound. Azure uses the DICOMweb DELETE; Orthanc
// answers that with 405, so the client looks the UID up (POST /tools/lookup)
// and deletes through Orthanc's REST API (empty parents go too).
func (c *Client) Delete(ctx context.Context, partition string, uids ...string) error {
	if len(uids) == 0 || len(uids) > 3 {
		return fmt.Errorf("dicomweb: delete needs 1 to 3 UIDs")
	}
	if c.o.Kind != KindOrthanc {
		p, err := c.studyPath(partition, uids...)
		if err != nil {
			return err
		}
		_, err = c.do(ctx, request{method: http.MethodDelete, url: p})
		return err
	}
	if err := checkUIDs(uids...); err != nil {
		return err
	}
	uid := uids[len(uids)-1]
	want := [...]string{"Study", "Series", "Instance"}[len(uids)-1]
	lookup := c.origin + "/tools/lookup"
	resp, err := c.do(ctx, request{method: http.MethodPost, url: lookup, body: []byte(uid)})
	if err != nil {
		return err
	}
	var found []struct {
		ID, Path, Type string
	}
	if err := json.Unmarshal(resp.body, &found); err != nil {
		return fmt.Errorf("dicomweb POST %s: decode: %w", lookup, err)
	}
	for _, f := range found {
		if f.Type == want && strings.HasPrefix(f.Path, "/") && !strings.Contains(f.Path, "..") {
			_, err := c.do(ctx, request{method: http.MethodDelete, url: c.origin + f.Path})
			return err
		}
	}
	return &Error{Method: http.MethodPost, URL: lookup, Status: http.StatusNotFound, Body: want + " " + uid + " not found"}
}
