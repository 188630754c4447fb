package imaging

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ahds-events/ahds/shared/event"
)

// endpointTTL is how long an Endpoint id stays cached per address (P6.2).
const endpointTTL = 10 * time.Minute

// resolveEndpoint returns the id of the Endpoint for address, creating it
// when missing (P6).
func (s *Service) resolveEndpoint(ctx context.Context, address string) (string, error) {
	s.endpointMu.Lock()
	c, ok := s.endpoints[address]
	s.endpointMu.Unlock()
	if ok && s.now().Before(c.expires) {
		return c.id, nil
	}
	ident := EndpointIdentifier(address)
	id, err := s.findOrCreate(ctx, "Endpoint", ident, func() ([]byte, error) { return json.Marshal(NewEndpoint(address)) })
	if err != nil {
		return "", err
	}
	s.endpointMu.Lock()
	s.endpoints[address] = cachedID{id: id, expires: s.now().Add(endpointTTL)}
	s.endpointMu.Unlock()
	return id, nil
}

// resolvePatient returns the id of the study's Patient (P5), following
// replaced-by links of merged Patients, creating the Patient when missing
// and, with DICOM_PATIENT_UPDATE, updating its owned elements.
func (s *Service) resolvePatient(ctx context.Context, p PatientInfo) (string, error) {
	if p.ID == "" {
		return "", event.Permanent(&MappingError{Code: "missing-patient-id", Msg: "the study has no PatientID"})
	}
	ident := PatientIdentifier(p, s.cfg.Patient)
	matches, err := s.searchIdentifier(ctx, "Patient", ident)
	if err != nil {
		return "", err
	}
	if len(matches) > 1 {
		// After a merge both Patients may carry the identifier: prefer the
		// ones not replaced by another.
		var live []*found
		for _, m := range matches {
			if replacedBy(m.raw) == "" {
				live = append(live, m)
			}
		}
		if len(live) == 1 {
			matches = live
		}
	}
	if len(matches) > 1 {
		return "", event.Permanent(&MappingError{Code: "ambiguous-patient",
			Msg: fmt.Sprintf("%d Patient resources carry the study's patient identifier", len(matches))})
	}
	if len(matches) == 0 {
		return s.findOrCreate(ctx, "Patient", ident, func() ([]byte, error) {
			pt, warns := NewPatient(p, s.cfg.Patient)
			for _, w := range warns {
				s.log.WarnContext(ctx, "patient attribute warning", "warning", w.Code, "tag", w.Tag.String())
			}
			return json.Marshal(pt)
		})
	}
	cur := matches[0]
	for hop := 0; hop < 5; hop++ {
		next := replacedBy(cur.raw)
		if next == "" {
			break
		}
		resp, err := s.fhir.Read(ctx, "Patient", next)
		if err != nil {
			return "", fmt.Errorf("read merged-into Patient/%s: %w", next, classifyRead(err))
		}
		f, err := parseFound(resp.Body, "Patient")
		if err != nil || f == nil {
			return "", fmt.Errorf("read merged-into Patient/%s: not a Patient", next)
		}
		cur = f
	}
	if s.cfg.PatientUpdate {
		if err := s.updatePatient(ctx, cur, p); err != nil {
			return "", err
		}
	}
	return cur.id, nil
}

// replacedBy returns the id a Patient's link of type replaced-by points to.
func replacedBy(raw map[string]json.RawMessage) string {
	var links []struct {
		Type  string `json:"type"`
		Other struct {
			Reference string `json:"reference"`
		} `json:"other"`
	}
	_ = json.Unmarshal(raw["link"], &links)
	for _, l := range links {
		if l.Type == "replaced-by" {
			if id, ok := strings.CutPrefix(l.Other.Reference, "Patient/"); ok && id != "" && !strings.Contains(id, "/") {
				return id
			}
		}
	}
	return ""
}

// updatePatient sets gender, birthDate and name[0] (P5.4) when they differ.
func (s *Service) updatePatient(ctx context.Context, cur *found, p PatientInfo) error {
	want, _ := NewPatient(p, s.cfg.Patient)
	out := make(map[string]json.RawMessage, len(cur.raw))
	for k, v := range cur.raw {
		out[k] = v
	}
	set := func(k string, v any, present bool) {
		if !present {
			delete(out, k)
			return
		}
		out[k], _ = json.Marshal(v)
	}
	set("gender", want.Gender, want.Gender != "")
	set("birthDate", want.BirthDate, want.BirthDate != "")
	var names []json.RawMessage
	_ = json.Unmarshal(cur.raw["name"], &names)
	if len(want.Name) > 0 {
		b, _ := json.Marshal(want.Name[0])
		if len(names) == 0 {
			names = []json.RawMessage{b}
		} else {
			names[0] = b
		}
	}
	set("name", names, len(names) > 0)
	body := orderedJSON(out, patientOrder)
	same, err := sameStudy(cur.raw, body)
	if err != nil || same {
		return err
	}
	resp, err := s.fhir.Update(ctx, "Patient", cur.id, body, weakETag(cur.version))
	if err != nil {
		return classifyWrite("update Patient/"+cur.id, err)
	}
	s.own.add("Patient", cur.id, resp.VersionID)
	return nil
}

var patientOrder = []string{"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
	"extension", "modifierExtension", "identifier", "active", "name", "telecom", "gender", "birthDate"}

// searchIdentifier returns every resource of typ with the identifier.
func (s *Service) searchIdentifier(ctx context.Context, typ string, ident Identifier) ([]*found, error) {
	var all []*found
	err := s.fhir.Search(ctx, typ, url.Values{"identifier": {ident.TokenQuery()}}, func(r json.RawMessage) error {
		f, err := parseFound(r, typ)
		if err == nil && f != nil {
			all = append(all, f)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search %s by identifier: %w", typ, classifyRead(err))
	}
	return all, nil
}

// findOrCreate returns the id of the single typ with ident, or creates it
// with a conditional create. Several matches are a permanent error.
func (s *Service) findOrCreate(ctx context.Context, typ string, ident Identifier, body func() ([]byte, error)) (string, error) {
	matches, err := s.searchIdentifier(ctx, typ, ident)
	if err != nil {
		return "", err
	}
	switch {
	case len(matches) == 1:
		return matches[0].id, nil
	case len(matches) > 1:
		return "", event.Permanent(&MappingError{Code: "duplicate-" + strings.ToLower(typ),
			Msg: fmt.Sprintf("%d %s resources carry the same identifier", len(matches), typ)})
	}
	b, err := body()
	if err != nil {
		return "", err
	}
	resp, err := s.fhir.Create(ctx, typ, b, identifierQuery(ident))
	if err != nil {
		return "", classifyWrite("create "+typ, err)
	}
	id := idOf(resp)
	if resp.Status == 201 {
		s.own.add(typ, id, resp.VersionID)
	}
	if id != "" {
		return id, nil
	}
	matches, err = s.searchIdentifier(ctx, typ, ident)
	if err != nil {
		return "", err
	}
	if len(matches) != 1 {
		return "", fmt.Errorf("create %s: no id returned and %d matches found", typ, len(matches))
	}
	return matches[0].id, nil
}

// lookupBasedOn finds the ServiceRequest of the study's accession (P4
// basedOn). own reports whether basedOn is to be replaced: only with exactly
// one match; otherwise the existing basedOn is kept.
func (s *Service) lookupBasedOn(ctx context.Context, k Key, acc Accession) ([]Reference, bool, error) {
	if !s.cfg.BasedOnLookup || acc.Value == "" {
		return nil, false, nil
	}
	token := acc.Value
	if acc.System != "" {
		token = acc.System + "|" + acc.Value
	}
	var ids []string
	err := s.fhir.Search(ctx, "ServiceRequest", url.Values{"identifier": {token}}, func(r json.RawMessage) error {
		f, err := parseFound(r, "ServiceRequest")
		if err == nil && f != nil {
			ids = append(ids, f.id)
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("search ServiceRequest by accession: %w", classifyRead(err))
	}
	if len(ids) > 1 {
		s.log.WarnContext(ctx, "several ServiceRequests match the accession; basedOn kept", "study", k.StudyUID, "matches", len(ids))
	}
	if len(ids) != 1 {
		return nil, false, nil
	}
	return []Reference{{Reference: "ServiceRequest/" + ids[0]}}, true, nil
}

// ownWrites remembers the resource versions this process wrote, so FHIR
// events about them are ignored (no loops). Entries expire after an hour.
type ownWrites struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (o *ownWrites) init() { o.m = make(map[string]time.Time) }

func (o *ownWrites) add(typ, id, version string) {
	if id == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if len(o.m) > 100000 {
		for k, t := range o.m {
			if now.Sub(t) > time.Hour {
				delete(o.m, k)
			}
		}
	}
	o.m[typ+"/"+id+"/"+version] = now
}

func (o *ownWrites) has(typ, id, version string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.m[typ+"/"+id+"/"+version]
	return ok
}
