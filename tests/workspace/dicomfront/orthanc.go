package dicomfront

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// orthanc is the few Orthanc REST calls the front needs.
type orthanc struct {
	base string
	hc   *http.Client
}

// orthancError is a non-2xx Orthanc answer.
type orthancError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *orthancError) Error() string {
	return fmt.Sprintf("orthanc %s %s: status %d: %s", e.Method, e.Path, e.Status, e.Body)
}

func (o *orthanc) do(ctx context.Context, method, path, ctype string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, o.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := o.hc.Do(req)
	if err != nil {
		return fmt.Errorf("orthanc %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("orthanc %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return &orthancError{Method: method, Path: path, Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("orthanc %s %s: %w", method, path, err)
		}
	}
	return nil
}

// lookup returns the Orthanc id of the resource of the given type ("Study",
// "Series", "Instance") with that UID, or "" when there is none.
func (o *orthanc) lookup(ctx context.Context, uid, typ string) (string, error) {
	var hits []struct{ ID, Type string }
	if err := o.do(ctx, http.MethodPost, "/tools/lookup", "text/plain", []byte(uid), &hits); err != nil {
		return "", err
	}
	for _, h := range hits {
		if h.Type == typ {
			return h.ID, nil
		}
	}
	return "", nil
}

// resource is the part of an Orthanc resource answer the front reads.
type resource struct {
	ID            string
	ParentStudy   string
	ParentSeries  string
	MainDicomTags map[string]string
}

// store POSTs one DICOM Part 10 file to /instances.
func (o *orthanc) store(ctx context.Context, dcm []byte) (resource, error) {
	var r resource
	err := o.do(ctx, http.MethodPost, "/instances", "application/dicom", dcm, &r)
	return r, err
}

func (o *orthanc) get(ctx context.Context, path string, out any) error {
	return o.do(ctx, http.MethodGet, path, "", nil, out)
}

func (o *orthanc) delete(ctx context.Context, path string) error {
	return o.do(ctx, http.MethodDelete, path, "", nil, nil)
}
