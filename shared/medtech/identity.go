package medtech

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ahds-events/ahds/shared/fhir"
)

// resolver resolves the Patient, Device and Encounter of groups
// (medtech.md §15), de-duplicating lookups per invocation and caching
// successes (device results keyed by device id only).
type resolver struct {
	mode        IdentityMode
	system      string
	client      FHIR
	concurrency int
	now         func() time.Time
	devices     *ttlCache[Identity]
	encounters  *ttlCache[string]
}

var patientRef = regexp.MustCompile(`^(?i:patient)/([A-Za-z0-9_.\-~#]+)$`)

func identityError(name, format string, args ...any) *Error {
	return &Error{Name: name, Stage: StageMapping, Message: fmt.Sprintf(format, args...)}
}

func (r *resolver) identifierQuery(typ, system, value string) string {
	v := value
	if system != "" {
		v = system + "|" + value
	}
	return typ + "?" + url.Values{"identifier": {v}}.Encode()
}

// resolve returns, aligned with groups, each group's identity or error
// (*Error: permanent; *transientError: transient).
func (r *resolver) resolve(ctx context.Context, groups []*Group) ([]Identity, []error) {
	ids := make([]Identity, len(groups))
	errs := make([]error, len(groups))
	if r.mode == IdentityDirect {
		for i, g := range groups {
			id, err := DirectIdentity(g.Key)
			if err != nil {
				errs[i] = err
				continue
			}
			ids[i] = id
		}
		return ids, errs
	}
	now := r.now()
	devices := map[string]Identity{}
	devErrs := map[string]error{}
	var pending []string
	patientFor := map[string]string{}
	for _, g := range groups {
		d := g.Key.DeviceID
		if _, seen := patientFor[d]; seen {
			continue
		}
		patientFor[d] = g.Key.PatientID
		if id, ok := r.devices.get(d, now); ok {
			devices[d] = id
			continue
		}
		pending = append(pending, d)
	}
	if len(pending) > 0 {
		entries := make([]fhir.Entry, len(pending))
		for i, d := range pending {
			entries[i] = fhir.Entry{Method: "GET", URL: r.identifierQuery("Device", r.system, d)}
		}
		results := batches(ctx, r.client, entries, r.concurrency)
		for i, d := range pending {
			id, device, err := r.lookupDevice(d, results[i])
			if err != nil && r.mode == IdentityCreate {
				if e, ok := err.(*Error); ok && e.Name == ErrFhirResourceNotFound {
					id, err = r.create(ctx, d, patientFor[d], device)
				}
			}
			if err != nil {
				devErrs[d] = err
				continue
			}
			devices[d] = id
			r.devices.put(d, id, now)
		}
	}
	encounters, encErrs := r.resolveEncounters(ctx, groups, now)
	for i, g := range groups {
		if err := devErrs[g.Key.DeviceID]; err != nil {
			errs[i] = err
			continue
		}
		if err := encErrs[g.Key.EncounterID]; err != nil {
			errs[i] = err
			continue
		}
		ids[i] = devices[g.Key.DeviceID]
		ids[i].EncounterID = encounters[g.Key.EncounterID]
	}
	return ids, errs
}

// lookupDevice interprets a Device search; device is the single match (for
// Create mode's linking) when the Patient is what is missing.
func (r *resolver) lookupDevice(deviceID string, res fhir.EntryResult) (Identity, json.RawMessage, error) {
	switch classify(res) {
	case outcomeTransient:
		return Identity{}, nil, &transientError{fmt.Errorf("search Device: %w", resultError(res))}
	case outcomeOK:
	default:
		return Identity{}, nil, &Error{Name: ErrFhirRequestFailed, Stage: StageMapping, Message: "search Device", Err: resultError(res)}
	}
	matches, err := searchMatches(res.Resource)
	if err != nil {
		return Identity{}, nil, &Error{Name: ErrFhirRequestFailed, Stage: StageMapping, Message: "search Device", Err: err}
	}
	switch len(matches) {
	case 0:
		return Identity{}, nil, identityError(ErrFhirResourceNotFound, "no Device with identifier %s", quote(deviceID))
	case 1:
	default:
		return Identity{}, nil, identityError(ErrMultipleResourceFound, "%d Devices with identifier %s", len(matches), quote(deviceID))
	}
	var d struct {
		ID      string `json:"id"`
		Patient struct {
			Reference string `json:"reference"`
		} `json:"patient"`
	}
	if err := json.Unmarshal(matches[0], &d); err != nil || d.ID == "" {
		return Identity{}, nil, identityError(ErrFhirRequestFailed, "unreadable Device for identifier %s", quote(deviceID))
	}
	m := patientRef.FindStringSubmatch(d.Patient.Reference)
	if m == nil {
		return Identity{}, matches[0], identityError(ErrFhirResourceNotFound, "the Device with identifier %s has no Patient reference of the form Patient/{id}", quote(deviceID))
	}
	return Identity{DeviceID: d.ID, PatientID: m[1]}, nil, nil
}

func (r *resolver) one(ctx context.Context, e fhir.Entry) (fhir.EntryResult, error) {
	res := batches(ctx, r.client, []fhir.Entry{e}, 1)[0]
	switch classify(res) {
	case outcomeOK:
		return res, nil
	case outcomeTransient, outcomeConflict:
		return res, &transientError{fmt.Errorf("%s %s: %w", e.Method, strings.SplitN(e.URL, "?", 2)[0], resultError(res))}
	}
	return res, &Error{Name: ErrFhirRequestFailed, Stage: StageMapping, Message: e.Method + " " + strings.SplitN(e.URL, "?", 2)[0], Err: resultError(res)}
}

// create implements Create mode for a device whose Device or Patient was
// not found (medtech.md §15). device is the found Device without a
// patient, or nil.
func (r *resolver) create(ctx context.Context, deviceID, patientID string, device json.RawMessage) (Identity, error) {
	if strings.TrimSpace(patientID) == "" {
		return Identity{}, identityError(ErrResourceIdentityNotDefined, "patientId is required to create the Patient of device %s", quote(deviceID))
	}
	res, err := r.one(ctx, fhir.Entry{Method: "GET", URL: r.identifierQuery("Patient", "", patientID)})
	if err != nil {
		return Identity{}, err
	}
	matches, err := searchMatches(res.Resource)
	if err != nil {
		return Identity{}, &Error{Name: ErrFhirRequestFailed, Stage: StageMapping, Message: "search Patient", Err: err}
	}
	var pid string
	switch len(matches) {
	case 0:
		pid = HashID("", patientID)
		body, _ := json.Marshal(map[string]any{"resourceType": "Patient", "id": pid, "identifier": []map[string]string{{"value": patientID}}})
		if _, err := r.one(ctx, fhir.Entry{Method: "PUT", URL: "Patient/" + pid, Resource: body}); err != nil {
			return Identity{}, err
		}
	case 1:
		var p struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(matches[0], &p); err != nil || p.ID == "" {
			return Identity{}, identityError(ErrFhirRequestFailed, "unreadable Patient found for device %s", quote(deviceID))
		}
		pid = p.ID
	default:
		return Identity{}, identityError(ErrMultipleResourceFound, "%d Patients with the message's patient identifier (device %s)", len(matches), quote(deviceID))
	}
	if device == nil {
		did := HashID(r.system, deviceID)
		ident := map[string]string{"value": deviceID}
		if r.system != "" {
			ident["system"] = r.system
		}
		body, _ := json.Marshal(map[string]any{"resourceType": "Device", "id": did, "identifier": []map[string]string{ident},
			"patient": map[string]string{"reference": "Patient/" + pid}})
		if _, err := r.one(ctx, fhir.Entry{Method: "PUT", URL: "Device/" + did, Resource: body}); err != nil {
			return Identity{}, err
		}
		return Identity{DeviceID: did, PatientID: pid}, nil
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(device, &d); err != nil {
		return Identity{}, identityError(ErrFhirRequestFailed, "unreadable Device for identifier %s", quote(deviceID))
	}
	var did string
	_ = json.Unmarshal(d["id"], &did)
	var ref struct {
		Reference string `json:"reference"`
	}
	_ = json.Unmarshal(d["patient"], &ref)
	if ref.Reference != "" && ref.Reference != "Patient/"+pid {
		return Identity{}, identityError(ErrPatientDeviceMismatch, "device %s is linked to another patient", quote(deviceID))
	}
	var meta struct {
		VersionID string `json:"versionId"`
	}
	_ = json.Unmarshal(d["meta"], &meta)
	d["patient"], _ = json.Marshal(map[string]string{"reference": "Patient/" + pid})
	body, _ := json.Marshal(d)
	e := fhir.Entry{Method: "PUT", URL: "Device/" + did, Resource: body}
	if meta.VersionID != "" {
		e.IfMatch = `W/"` + meta.VersionID + `"`
	}
	if _, err := r.one(ctx, e); err != nil {
		return Identity{}, err
	}
	return Identity{DeviceID: did, PatientID: pid}, nil
}

func (r *resolver) resolveEncounters(ctx context.Context, groups []*Group, now time.Time) (map[string]string, map[string]error) {
	out := map[string]string{}
	errs := map[string]error{}
	var pending []string
	for _, g := range groups {
		e := g.Key.EncounterID
		if e == "" {
			continue
		}
		if _, done := out[e]; done {
			continue
		}
		if id, ok := r.encounters.get(e, now); ok {
			out[e] = id
			continue
		}
		out[e] = ""
		pending = append(pending, e)
	}
	if len(pending) == 0 {
		return out, errs
	}
	entries := make([]fhir.Entry, len(pending))
	for i, e := range pending {
		entries[i] = fhir.Entry{Method: "GET", URL: r.identifierQuery("Encounter", "", e)}
	}
	results := batches(ctx, r.client, entries, r.concurrency)
	for i, e := range pending {
		res := results[i]
		switch classify(res) {
		case outcomeOK:
		case outcomeTransient:
			errs[e] = &transientError{fmt.Errorf("search Encounter: %w", resultError(res))}
			continue
		default:
			errs[e] = &Error{Name: ErrFhirRequestFailed, Stage: StageMapping, Message: "search Encounter", Err: resultError(res)}
			continue
		}
		matches, err := searchMatches(res.Resource)
		if err != nil {
			errs[e] = &Error{Name: ErrFhirRequestFailed, Stage: StageMapping, Message: "search Encounter", Err: err}
			continue
		}
		if len(matches) != 1 {
			name := ErrFhirResourceNotFound
			if len(matches) > 1 {
				name = ErrMultipleResourceFound
			}
			errs[e] = identityError(name, "%d Encounters with the message's encounter identifier", len(matches))
			continue
		}
		var enc struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(matches[0], &enc) != nil || enc.ID == "" {
			errs[e] = identityError(ErrFhirRequestFailed, "unreadable Encounter for the message's encounter identifier")
			continue
		}
		out[e] = enc.ID
		r.encounters.put(e, enc.ID, now)
	}
	return out, errs
}
