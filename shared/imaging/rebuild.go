package imaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/dicomweb"
	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
)

// errConflict marks a lost race (409, 412, 200 on conditional create): the
// whole rebuild restarts (P1.7).
var errConflict = errors.New("conflict")

// maxRestarts bounds conflict restarts of one rebuild.
const maxRestarts = 5

// rebuild runs one coalesced rebuild of k, restarting on conflicts.
func (s *Service) rebuild(ctx context.Context, k Key) (Outcome, error) {
	var last error
	for attempt := 0; attempt <= maxRestarts; attempt++ {
		if attempt > 0 {
			ceil := min(10*time.Second, 200*time.Millisecond<<(attempt-1))
			wait := rand.N(ceil + 1)
			if dl, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
				break
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return OutcomeFailed, fmt.Errorf("study %s: %w", k.StudyUID, ctx.Err())
			}
		}
		out, err := s.rebuildOnce(ctx, k, true)
		if !errors.Is(err, errConflict) {
			return out, err
		}
		last = err
		s.log.InfoContext(ctx, "rebuild conflict; restarting", "study", k.StudyUID, "attempt", attempt+1)
	}
	return OutcomeFailed, fmt.Errorf("study %s: conflicts persisted after %d restarts: %w", k.StudyUID, maxRestarts, last)
}

// found is an existing ImagingStudy.
type found struct {
	id, version string
	raw         map[string]json.RawMessage
}

// rebuildOnce is one pass of P1.3. allowEmpty lets a 404 study run P7.
func (s *Service) rebuildOnce(ctx context.Context, k Key, allowEmpty bool) (Outcome, error) {
	base := s.dicom.Base(k.Partition)
	meta, err := s.dicom.StudyMetadata(ctx, k.Partition, k.StudyUID)
	if errors.Is(err, dicomweb.ErrNotFound) && allowEmpty {
		return s.emptyStudy(ctx, k)
	}
	if err != nil {
		return OutcomeFailed, fmt.Errorf("read study metadata %s: %w", k.StudyUID, err)
	}
	ds, err := DecodeMetadata(meta)
	if err != nil {
		return OutcomeFailed, event.Permanent(fmt.Errorf("study %s metadata: %w", k.StudyUID, err))
	}
	st, err := Build(ds, BuildOptions{StudyUID: k.StudyUID, Source: base})
	if err != nil {
		return OutcomeFailed, fmt.Errorf("study %s: %w", k.StudyUID, err)
	}
	for _, w := range st.Warnings {
		s.log.WarnContext(ctx, "study metadata warning", "study", k.StudyUID, "warning", w.Code,
			"tag", w.Tag.String(), "instance", w.Instance, "detail", w.Detail)
	}
	epID, err := s.resolveEndpoint(ctx, base)
	if err != nil {
		return OutcomeFailed, err
	}
	ptID, err := s.resolvePatient(ctx, st.Patient)
	if err != nil {
		return OutcomeFailed, err
	}
	basedOn, ownBasedOn, err := s.lookupBasedOn(ctx, k, st.Accession)
	if err != nil {
		return OutcomeFailed, err
	}
	existing, err := s.findStudy(ctx, k)
	if err != nil {
		return OutcomeFailed, err
	}
	is := &st.ImagingStudy
	is.Subject = Reference{Reference: "Patient/" + ptID}
	is.Endpoint = []Reference{{Reference: "Endpoint/" + epID}}
	is.BasedOn = basedOn
	if existing == nil {
		body, err := mergeStudy(nil, is, ownBasedOn)
		if err != nil {
			return OutcomeFailed, err
		}
		return s.createStudy(ctx, k, body)
	}
	if err := s.checkOwner(k, existing); err != nil {
		return OutcomeSkipped, err
	}
	body, err := mergeStudy(existing.raw, is, ownBasedOn)
	if err != nil {
		return OutcomeFailed, err
	}
	return s.updateStudy(ctx, k, existing, body)
}

func (s *Service) createStudy(ctx context.Context, k Key, body []byte) (Outcome, error) {
	resp, err := s.fhir.Create(ctx, "ImagingStudy", body, identifierQuery(StudyIdentifier(k.StudyUID)))
	if err != nil {
		return OutcomeFailed, classifyWrite("create ImagingStudy for study "+k.StudyUID, err)
	}
	if resp.Status == 200 {
		return OutcomeFailed, fmt.Errorf("create ImagingStudy for study %s: created concurrently: %w", k.StudyUID, errConflict)
	}
	s.own.add("ImagingStudy", idOf(resp), resp.VersionID)
	return OutcomeCreated, nil
}

func (s *Service) updateStudy(ctx context.Context, k Key, existing *found, body []byte) (Outcome, error) {
	same, err := sameStudy(existing.raw, body)
	if err != nil {
		return OutcomeFailed, err
	}
	if same {
		return OutcomeUnchanged, nil
	}
	resp, err := s.fhir.Update(ctx, "ImagingStudy", existing.id, body, weakETag(existing.version))
	if err != nil {
		return OutcomeFailed, classifyWrite("update ImagingStudy/"+existing.id, err)
	}
	s.own.add("ImagingStudy", existing.id, resp.VersionID)
	return OutcomeUpdated, nil
}

// emptyStudy applies P7.2 when the study has no instances.
func (s *Service) emptyStudy(ctx context.Context, k Key) (Outcome, error) {
	existing, err := s.findStudy(ctx, k)
	if err != nil || existing == nil {
		return OutcomeUnchanged, err
	}
	if err := s.checkOwner(k, existing); err != nil {
		return OutcomeSkipped, err
	}
	if s.cfg.OnEmptyStudy == "cancel" {
		body, err := cancelledStudy(existing.raw)
		if err != nil {
			return OutcomeFailed, err
		}
		out, err := s.updateStudy(ctx, k, existing, body)
		if out == OutcomeUpdated {
			out = OutcomeCancelled
		}
		return out, err
	}
	if err := s.fhir.Delete(ctx, "ImagingStudy", existing.id, weakETag(existing.version)); err != nil {
		return OutcomeFailed, classifyWrite("delete ImagingStudy/"+existing.id, err)
	}
	// Instances may have reappeared meanwhile: rebuild once more.
	if _, err := s.dicom.StudyMetadata(ctx, k.Partition, k.StudyUID); err == nil {
		return s.rebuildOnce(ctx, k, false)
	}
	return OutcomeDeleted, nil
}

// findStudy reads the ImagingStudy with the study's identifier; more than one
// is the permanent duplicate-imagingstudy.
func (s *Service) findStudy(ctx context.Context, k Key) (*found, error) {
	var all []*found
	err := s.fhir.Search(ctx, "ImagingStudy", url.Values{"identifier": {StudyIdentifier(k.StudyUID).TokenQuery()}},
		func(r json.RawMessage) error {
			f, err := parseFound(r, "ImagingStudy")
			if err != nil || f == nil {
				return err
			}
			all = append(all, f)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("search ImagingStudy for study %s: %w", k.StudyUID, classifyRead(err))
	}
	switch len(all) {
	case 0:
		return nil, nil
	case 1:
		if all[0].version != "" {
			return all[0], nil
		}
		// No meta.versionId in the search result: read it for If-Match.
		resp, err := s.fhir.Read(ctx, "ImagingStudy", all[0].id)
		if err != nil {
			return nil, fmt.Errorf("read ImagingStudy/%s: %w", all[0].id, classifyRead(err))
		}
		f, err := parseFound(resp.Body, "ImagingStudy")
		if err != nil || f == nil {
			return nil, fmt.Errorf("read ImagingStudy/%s: not an ImagingStudy", all[0].id)
		}
		if f.version == "" {
			f.version = resp.VersionID
		}
		return f, nil
	}
	return nil, event.Permanent(&MappingError{Code: "duplicate-imagingstudy",
		Msg: fmt.Sprintf("%d ImagingStudy resources carry study %s (no automatic repair)", len(all), k.StudyUID)})
}

// parseFound decodes a resource of type typ; other types (search includes,
// OperationOutcomes) give nil.
func parseFound(r json.RawMessage, typ string) (*found, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", typ, err)
	}
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Meta         struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(r, &head)
	if head.ResourceType != typ {
		return nil, nil
	}
	return &found{id: head.ID, version: head.Meta.VersionID, raw: m}, nil
}

// checkOwner applies the P4 ownership rule to an existing ImagingStudy.
func (s *Service) checkOwner(k Key, f *found) error {
	var meta struct {
		Source string `json:"source"`
	}
	_ = json.Unmarshal(f.raw["meta"], &meta)
	if meta.Source == "" {
		return nil
	}
	u, err := url.Parse(meta.Source)
	if err != nil || !strings.EqualFold(u.Host, s.cfg.Host) {
		return event.Permanent(&MappingError{Code: "foreign-owner",
			Msg: fmt.Sprintf("ImagingStudy/%s for study %s belongs to another DICOM service", f.id, k.StudyUID)})
	}
	part := DefaultPartition
	if _, rest, ok := strings.Cut(u.Path, "/partitions/"); ok {
		part, _, _ = strings.Cut(rest, "/")
	}
	if s.cfg.Kind == KindOrthanc {
		part = k.Partition
	}
	if part != k.Partition {
		return event.Permanent(&MappingError{Code: "uid-in-two-partitions",
			Msg: fmt.Sprintf("ImagingStudy/%s for study %s belongs to partition %s, not %s", f.id, k.StudyUID, part, k.Partition)})
	}
	return nil
}

// classifyWrite maps a FHIR write error: conflicts restart the rebuild, 400
// and 422 are permanent, anything else transient.
func classifyWrite(what string, err error) error {
	switch {
	case errors.Is(err, fhir.ErrPreconditionFailed), errors.Is(err, fhir.ErrConflict):
		return fmt.Errorf("%s: %w: %w", what, errConflict, err)
	case errors.Is(err, fhir.ErrBadRequest):
		return event.Permanent(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// classifyRead keeps read errors transient unless the server refused the
// request as malformed.
func classifyRead(err error) error {
	if errors.Is(err, fhir.ErrBadRequest) {
		return event.Permanent(err)
	}
	return err
}

func weakETag(version string) string {
	if version == "" {
		return ""
	}
	return `W/"` + version + `"`
}

// identifierQuery is the If-None-Exist / search query for an identifier.
func identifierQuery(id Identifier) string {
	return url.Values{"identifier": {id.TokenQuery()}}.Encode()
}

// idOf returns the id of a created resource from its body or Location.
func idOf(r *fhir.Response) string {
	var head struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(r.Body, &head) == nil && head.ID != "" {
		return head.ID
	}
	loc := r.Location
	if i := strings.Index(loc, "/_history/"); i >= 0 {
		loc = loc[:i]
	}
	if i := strings.LastIndexByte(loc, '/'); i >= 0 {
		return loc[i+1:]
	}
	return ""
}
