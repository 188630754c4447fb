package dicomweb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
)

var uidRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// checkUIDs refuses anything but UIDs in URL paths (P3.3).
func checkUIDs(uids ...string) error {
	for _, u := range uids {
		if len(u) > 64 || !uidRE.MatchString(u) {
			return fmt.Errorf("dicomweb: %q is not a valid UID", u)
		}
	}
	return nil
}

var partitionRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (c *Client) studyPath(partition string, uids ...string) (string, error) {
	if partition != "" && !partitionRE.MatchString(partition) {
		return "", fmt.Errorf("dicomweb: %q is not a valid partition name", partition)
	}
	if err := checkUIDs(uids...); err != nil {
		return "", err
	}
	p := c.Base(partition)
	for i, u := range uids {
		p += "/" + [...]string{"studies", "series", "instances"}[i] + "/" + u
	}
	return p, nil
}

// StudyMetadata returns the WADO-RS metadata of every instance of a study
// (a DICOM JSON array). A study with no instances is ErrNotFound.
func (c *Client) StudyMetadata(ctx context.Context, partition, study string) ([]byte, error) {
	return c.metadata(ctx, partition, study)
}

// SeriesMetadata returns the metadata of every instance of a series.
func (c *Client) SeriesMetadata(ctx context.Context, partition, study, series string) ([]byte, error) {
	return c.metadata(ctx, partition, study, series)
}

// InstanceMetadata returns the metadata of one instance (an array of one).
func (c *Client) InstanceMetadata(ctx context.Context, partition, study, series, sop string) ([]byte, error) {
	return c.metadata(ctx, partition, study, series, sop)
}

func (c *Client) metadata(ctx context.Context, partition string, uids ...string) ([]byte, error) {
	p, err := c.studyPath(partition, uids...)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, url: p + "/metadata",
		header: http.Header{"Accept": {"application/dicom+json"}}})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// SearchStudies runs QIDO-RS /studies. The result is always a JSON array:
// Azure's 204 No Content and Orthanc's [] both give []. Send explicit
// includefield values: the default attribute sets differ.
func (c *Client) SearchStudies(ctx context.Context, partition string, q url.Values) (json.RawMessage, error) {
	return c.search(ctx, partition, "/studies", q)
}

// SearchSeries runs QIDO-RS /studies/{study}/series, or /series when study
// is empty.
func (c *Client) SearchSeries(ctx context.Context, partition, study string, q url.Values) (json.RawMessage, error) {
	if study == "" {
		return c.search(ctx, partition, "/series", q)
	}
	if err := checkUIDs(study); err != nil {
		return nil, err
	}
	return c.search(ctx, partition, "/studies/"+study+"/series", q)
}

// SearchInstances runs QIDO-RS at /instances, /studies/{s}/instances or
// /studies/{s}/series/{se}/instances depending on which UIDs are set.
func (c *Client) SearchInstances(ctx context.Context, partition, study, series string, q url.Values) (json.RawMessage, error) {
	path := "/instances"
	switch {
	case study != "" && series != "":
		if err := checkUIDs(study, series); err != nil {
			return nil, err
		}
		path = "/studies/" + study + "/series/" + series + "/instances"
	case study != "":
		if err := checkUIDs(study); err != nil {
			return nil, err
		}
		path = "/studies/" + study + "/instances"
	}
	return c.search(ctx, partition, path, q)
}

func (c *Client) search(ctx context.Context, partition, path string, q url.Values) (json.RawMessage, error) {
	if partition != "" && !partitionRE.MatchString(partition) {
		return nil, fmt.Errorf("dicomweb: %q is not a valid partition name", partition)
	}
	u := c.Base(partition) + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, header: http.Header{"Accept": {"application/dicom+json"}}})
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNoContent || len(resp.body) == 0 {
		return json.RawMessage("[]"), nil
	}
	if !json.Valid(resp.body) {
		return nil, fmt.Errorf("dicomweb GET %s: answer is not JSON", u)
	}
	return resp.body, nil
}
