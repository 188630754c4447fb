package imaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/eventgrid/azsystemevents"

	"github.com/ahds-events/ahds/shared/event"
	"github.com/ahds-events/ahds/shared/fhir"
)

var fhirIDRE = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// FHIREvent is a validated AHDS FHIR resource event.
type FHIREvent struct {
	ID, Type     string
	ResourceType string
	ResourceID   string
	Version      string
}

// ParseFHIREvent decodes and validates an AHDS FHIR event: known type, the
// configured FHIR host, a valid resource id. Errors are permanent
// *RejectError values.
func ParseFHIREvent(e event.Event, fhirHost string) (FHIREvent, error) {
	reject := func(reason, format string, args ...any) (FHIREvent, error) {
		return FHIREvent{}, event.Permanent(&RejectError{EventID: e.ID, Reason: reason, Msg: fmt.Sprintf(format, args...)})
	}
	switch e.Type {
	case azsystemevents.TypeHealthcareFHIRResourceCreated, azsystemevents.TypeHealthcareFHIRResourceUpdated,
		azsystemevents.TypeHealthcareFHIRResourceDeleted:
	default:
		return reject("unknown-event-type", "event type %q is not a FHIR resource event", e.Type)
	}
	var d azsystemevents.HealthcareFHIRResourceCreatedEventData
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil {
		return reject("malformed-event", "data is not a FHIR resource event")
	}
	host := ""
	if d.FHIRServiceHostName != nil {
		host = *d.FHIRServiceHostName
	}
	if fhirHost == "" || !strings.EqualFold(host, fhirHost) {
		return reject("foreign-host", "data.resourceFhirAccount %q is not the configured FHIR service host %q", host, fhirHost)
	}
	ev := FHIREvent{ID: e.ID, Type: e.Type}
	if d.FHIRResourceType != nil {
		ev.ResourceType = string(*d.FHIRResourceType)
	}
	if d.FHIRResourceID != nil {
		ev.ResourceID = *d.FHIRResourceID
	}
	if d.FHIRResourceVersionID != nil {
		ev.Version = strconv.FormatInt(*d.FHIRResourceVersionID, 10)
	}
	if !fhirIDRE.MatchString(ev.ResourceID) || ev.ResourceType == "" {
		return reject("malformed-event", "resource %q/%q is not a valid FHIR type and id", ev.ResourceType, ev.ResourceID)
	}
	return ev, nil
}

// HandleFHIREvent handles an AHDS FHIR event (fhir-events) for the links
// that depend on other resources, reading the resource at the event's
// version:
//   - ServiceRequest: studies whose accession matches one of its identifiers
//     are rebuilt, which sets ImagingStudy.basedOn whichever came first;
//   - Patient with a replaced-by link (merge): studies of the merged Patient
//     are rebuilt, which re-points their subject to the surviving Patient;
//   - DiagnosticReport: ImagingStudy resources based on the report's
//     ServiceRequests are added to DiagnosticReport.imagingStudy (never
//     removed).
//
// Events about versions this process wrote, deletes and other resource
// types are ignored, so the function never loops on its own writes.
func (s *Service) HandleFHIREvent(ctx context.Context, e event.Event) error {
	host := ""
	if u, err := url.Parse(s.fhir.Base()); err == nil {
		host = u.Host
	}
	ev, err := ParseFHIREvent(e, host)
	if err != nil {
		s.log.WarnContext(ctx, "fhir event rejected", "event_id", e.ID, "type", e.Type, "error", err.Error())
		return err
	}
	if ev.Type == azsystemevents.TypeHealthcareFHIRResourceDeleted || s.own.has(ev.ResourceType, ev.ResourceID, ev.Version) {
		return nil
	}
	var keys []Key
	switch ev.ResourceType {
	case "ServiceRequest":
		keys, err = s.studiesForServiceRequest(ctx, ev)
	case "Patient":
		keys, err = s.studiesForMergedPatient(ctx, ev)
	case "DiagnosticReport":
		return s.linkDiagnosticReport(ctx, ev)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	return s.rebuildAll(ctx, ev, keys)
}

// readAt reads a resource at the event's version; nil when it is gone.
func (s *Service) readAt(ctx context.Context, ev FHIREvent) (*found, error) {
	var resp *fhir.Response
	var err error
	if ev.Version != "" {
		resp, err = s.fhir.VRead(ctx, ev.ResourceType, ev.ResourceID, ev.Version)
	} else {
		resp, err = s.fhir.Read(ctx, ev.ResourceType, ev.ResourceID)
	}
	if errors.Is(err, fhir.ErrNotFound) || errors.Is(err, fhir.ErrGone) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", ev.ResourceType, ev.ResourceID, classifyRead(err))
	}
	f, err := parseFound(resp.Body, ev.ResourceType)
	if err != nil {
		return nil, event.Permanent(err)
	}
	if f != nil && f.version == "" {
		f.version = resp.VersionID
	}
	return f, nil
}

func (s *Service) studiesForServiceRequest(ctx context.Context, ev FHIREvent) ([]Key, error) {
	sr, err := s.readAt(ctx, ev)
	if err != nil || sr == nil {
		return nil, err
	}
	var ids []Identifier
	_ = json.Unmarshal(sr.raw["identifier"], &ids)
	var keys []Key
	for _, id := range ids {
		if id.Value == "" {
			continue
		}
		// Search by value only: the forward lookup matches any system when
		// the study's accession has no issuer.
		k, err := s.ownedStudies(ctx, url.Values{"identifier": {id.Value}})
		if err != nil {
			return nil, err
		}
		keys = append(keys, k...)
	}
	return keys, nil
}

func (s *Service) studiesForMergedPatient(ctx context.Context, ev FHIREvent) ([]Key, error) {
	pt, err := s.readAt(ctx, ev)
	if err != nil || pt == nil || replacedBy(pt.raw) == "" {
		return nil, err
	}
	return s.ownedStudies(ctx, url.Values{"subject": {"Patient/" + ev.ResourceID}})
}

// ownedStudies returns the keys of the ImagingStudy resources matching q
// that this service owns (meta.source on the configured host).
func (s *Service) ownedStudies(ctx context.Context, q url.Values) ([]Key, error) {
	var keys []Key
	err := s.fhir.Search(ctx, "ImagingStudy", q, func(r json.RawMessage) error {
		f, err := parseFound(r, "ImagingStudy")
		if err != nil || f == nil {
			return err
		}
		if k, ok := s.keyOf(f); ok {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search ImagingStudy: %w", classifyRead(err))
	}
	return keys, nil
}

// keyOf derives the study key of an owned ImagingStudy.
func (s *Service) keyOf(f *found) (Key, bool) {
	src := metaSource(f.raw)
	u, err := url.Parse(src)
	if err != nil || !strings.EqualFold(u.Host, s.cfg.Host) {
		return Key{}, false
	}
	part := DefaultPartition
	if _, rest, ok := strings.Cut(u.Path, "/partitions/"); ok && s.cfg.Kind == KindAzure {
		part, _, _ = strings.Cut(rest, "/")
	}
	var ids []Identifier
	_ = json.Unmarshal(f.raw["identifier"], &ids)
	for _, id := range ids {
		if uid, ok := strings.CutPrefix(id.Value, "urn:oid:"); ok && id.System == SystemDICOMUID && ValidUID(uid) && partitionRE.MatchString(part) {
			return Key{Host: s.cfg.Host, Partition: part, StudyUID: uid}, true
		}
	}
	return Key{}, false
}

// rebuildAll rebuilds keys (coalesced) and waits up to the event deadline.
// Permanent per-study failures are logged: they concern the study, not this
// event.
func (s *Service) rebuildAll(ctx context.Context, ev FHIREvent, keys []Key) error {
	seen := map[Key]bool{}
	var pend []*Pending
	var uniq []Key
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
			pend = append(pend, s.Submit(ctx, k))
		}
	}
	wctx, cancel := context.WithTimeout(ctx, s.cfg.EventDeadline)
	defer cancel()
	var errs []error
	for i, p := range pend {
		out, err := p.Wait(wctx)
		k := uniq[i]
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "fhir event: study rebuilt", "event_id", ev.ID, "resource", ev.ResourceType,
				"study", k.StudyUID, "outcome", out)
		case event.IsPermanent(err):
			s.log.WarnContext(ctx, "fhir event: study failed permanently", "event_id", ev.ID, "study", k.StudyUID, "error", err.Error())
		default:
			errs = append(errs, fmt.Errorf("study %s: %w", k.StudyUID, err))
		}
	}
	return errors.Join(errs...)
}

// linkDiagnosticReport adds the ImagingStudy resources based on the report's
// ServiceRequests to DiagnosticReport.imagingStudy.
func (s *Service) linkDiagnosticReport(ctx context.Context, ev FHIREvent) error {
	dr, err := s.readAt(ctx, ev)
	if err != nil || dr == nil {
		return err
	}
	var basedOn, have []Reference
	_ = json.Unmarshal(dr.raw["basedOn"], &basedOn)
	_ = json.Unmarshal(dr.raw["imagingStudy"], &have)
	known := map[string]bool{}
	for _, r := range have {
		known[r.Reference] = true
	}
	var add []Reference
	for _, b := range basedOn {
		if !strings.HasPrefix(b.Reference, "ServiceRequest/") {
			continue
		}
		err := s.fhir.Search(ctx, "ImagingStudy", url.Values{"basedon": {b.Reference}}, func(r json.RawMessage) error {
			f, err := parseFound(r, "ImagingStudy")
			if err != nil || f == nil {
				return err
			}
			if _, ok := s.keyOf(f); ok && !known["ImagingStudy/"+f.id] {
				known["ImagingStudy/"+f.id] = true
				add = append(add, Reference{Reference: "ImagingStudy/" + f.id})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("search ImagingStudy based on %s: %w", b.Reference, classifyRead(err))
		}
	}
	if len(add) == 0 {
		return nil
	}
	// Update the current version (the event's may be stale) with If-Match.
	cur, err := s.readAt(ctx, FHIREvent{ResourceType: "DiagnosticReport", ResourceID: ev.ResourceID})
	if err != nil || cur == nil {
		return err
	}
	var refs []json.RawMessage
	var curRefs []Reference
	_ = json.Unmarshal(cur.raw["imagingStudy"], &refs)
	_ = json.Unmarshal(cur.raw["imagingStudy"], &curRefs)
	present := map[string]bool{}
	for _, r := range curRefs {
		present[r.Reference] = true
	}
	n := len(refs)
	for _, r := range add {
		if !present[r.Reference] {
			b, _ := json.Marshal(r)
			refs = append(refs, b)
		}
	}
	if len(refs) == n {
		return nil
	}
	cur.raw["imagingStudy"], _ = json.Marshal(refs)
	body := orderedJSON(cur.raw, []string{"resourceType", "id", "meta"})
	resp, err := s.fhir.Update(ctx, "DiagnosticReport", cur.id, body, weakETag(cur.version))
	if err != nil {
		// A 412 (changed meanwhile) stays transient: the redelivery links.
		return classifyWrite("update DiagnosticReport/"+cur.id, err)
	}
	s.own.add("DiagnosticReport", cur.id, resp.VersionID)
	s.log.InfoContext(ctx, "fhir event: DiagnosticReport linked to imaging studies", "event_id", ev.ID, "added", len(add))
	return nil
}
