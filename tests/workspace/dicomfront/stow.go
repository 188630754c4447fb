package dicomfront

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// DICOM STOW-RS failure reasons (PS3.18 / Azure DICOM conformance).
const (
	reasonProcessing    = 272   // general processing failure (not parseable)
	reasonValidation    = 43264 // required attribute missing or invalid
	reasonStudyMismatch = 43265 // study UID differs from the request URL
	reasonExists        = 45070 // instance already stored (Azure: delete first)
)

// part is one DICOM instance of a STOW request.
type part struct {
	data                              []byte
	study, series, sop, sopClass, pid string
	// failure is the reason code when the part is rejected before storing.
	failure int
	comment string
}

// errUnsupportedMedia is a request body that is neither application/dicom
// nor multipart/related with application/dicom parts.
var errUnsupportedMedia = errors.New("unsupported media type")

// readParts splits a STOW request into instances: a single application/dicom
// body (Azure accepts it; Orthanc's DICOMweb would answer 415) or
// multipart/related parts.
func readParts(r *http.Request, maxBytes int64) ([]part, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("%w: Content-Type %q: %w", errUnsupportedMedia, r.Header.Get("Content-Type"), err)
	}
	body := io.LimitReader(r.Body, maxBytes+1)
	switch mt {
	case "application/dicom":
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		if int64(len(b)) > maxBytes {
			return nil, fmt.Errorf("body larger than %d bytes", maxBytes)
		}
		if len(b) == 0 {
			return nil, errors.New("empty application/dicom body")
		}
		return []part{inspect(b)}, nil
	case "multipart/related":
		if t := strings.Trim(params["type"], `"`); t != "" && t != "application/dicom" {
			return nil, fmt.Errorf("%w: multipart/related type %q (want application/dicom)", errUnsupportedMedia, t)
		}
		if params["boundary"] == "" {
			return nil, errors.New("multipart/related without boundary")
		}
		mr := multipart.NewReader(body, params["boundary"])
		var parts []part
		var total int64
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("multipart part %d: %w", len(parts)+1, err)
			}
			if ct := p.Header.Get("Content-Type"); ct != "" {
				if pmt, _, _ := mime.ParseMediaType(ct); pmt != "application/dicom" {
					return nil, fmt.Errorf("%w: part %d has Content-Type %q (want application/dicom)", errUnsupportedMedia, len(parts)+1, ct)
				}
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return nil, fmt.Errorf("multipart part %d: %w", len(parts)+1, err)
			}
			if total += int64(len(b)); total > maxBytes {
				return nil, fmt.Errorf("body larger than %d bytes", maxBytes)
			}
			parts = append(parts, inspect(b))
		}
		if len(parts) == 0 {
			return nil, errors.New("multipart/related body has no parts")
		}
		return parts, nil
	}
	return nil, fmt.Errorf("%w: %q (want application/dicom or multipart/related; type=\"application/dicom\")", errUnsupportedMedia, mt)
}

// inspect parses a part's header attributes and marks it failed when it is
// not a usable DICOM Part 10 instance.
func inspect(b []byte) part {
	p := part{data: b}
	if len(b) < 132 || string(b[128:132]) != "DICM" {
		p.failure, p.comment = reasonProcessing, "not a DICOM Part 10 file: no DICM prefix at byte 128"
		return p
	}
	ds, err := dicom.Parse(bytes.NewReader(b), int64(len(b)), nil, dicom.SkipPixelData())
	if err != nil {
		p.failure, p.comment = reasonProcessing, "DICOM parse error: "+err.Error()
		return p
	}
	get := func(t tag.Tag) string {
		el, err := ds.FindElementByTag(t)
		if err != nil {
			return ""
		}
		s, ok := el.Value.GetValue().([]string)
		if !ok || len(s) == 0 {
			return ""
		}
		return strings.TrimRight(strings.TrimSpace(s[0]), "\x00")
	}
	p.study, p.series, p.sop, p.sopClass, p.pid = get(tag.StudyInstanceUID), get(tag.SeriesInstanceUID), get(tag.SOPInstanceUID), get(tag.SOPClassUID), get(tag.PatientID)
	var missing []string
	for _, f := range []struct{ name, v string }{{"StudyInstanceUID", p.study}, {"SeriesInstanceUID", p.series}, {"SOPInstanceUID", p.sop}, {"SOPClassUID", p.sopClass}, {"PatientID", p.pid}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		p.failure, p.comment = reasonValidation, "missing required attribute(s): "+strings.Join(missing, ", ")
	}
	return p
}
