package medtech

import (
	"regexp"
	"sort"
	"time"
)

// Target is the outcome of applying an invocation's groups to one
// Observation id.
type Target struct {
	ID string
	// Existing is the stored resource (nil when absent).
	Existing *Observation
	// Result is what to write; nil when every group failed.
	Result *Observation
	// Changed is false when Result equals Existing (no write needed).
	Changed bool
	// Groups are the groups applied, in ascending start order.
	Groups []*Group
	// Sources are the batch indexes of the events behind the groups
	// applied successfully.
	Sources []int
}

// Created reports whether the target creates a new resource.
func (t *Target) Created() bool { return t.Existing == nil && t.Result != nil }

// Resolved pairs a group with its identity.
type Resolved struct {
	Group    *Group
	Identity Identity
}

// Apply builds or merges the Observations of resolved groups
// (medtech.md §10.6, §14). existing maps ids to stored resources (absent
// ids are created). Targets are returned in order of first appearance;
// failures name the source events of the failing group.
func (b Builder) Apply(groups []Resolved, existing map[string]*Observation, issued time.Time) ([]*Target, []GroupError) {
	byID := map[string]*Target{}
	var order []*Target
	for _, r := range groups {
		_, id := ObservationIdentifier(r.Group, r.Identity)
		t := byID[id]
		if t == nil {
			t = &Target{ID: id, Existing: existing[id]}
			byID[id] = t
			order = append(order, t)
		}
		t.Groups = append(t.Groups, r.Group)
	}
	ident := map[*Group]Identity{}
	for _, r := range groups {
		ident[r.Group] = r.Identity
	}
	var errs []GroupError
	for _, t := range order {
		sort.SliceStable(t.Groups, func(i, j int) bool { return t.Groups[i].Start.Before(t.Groups[j].Start) })
		cur := t.Existing
		for _, g := range t.Groups {
			var next *Observation
			var err error
			if cur == nil {
				next, err = b.Build(g, ident[g], issued)
			} else {
				next, _, err = b.Merge(cur, g)
			}
			if err != nil {
				errs = append(errs, GroupError{Sources: g.Sources, Err: asError(err).withGroup(g.Key, t.ID)})
				continue
			}
			cur = next
			for _, s := range g.Sources {
				t.Sources = appendSource(t.Sources, s)
			}
		}
		if cur == nil {
			continue
		}
		t.Result = cur
		if t.Existing == nil {
			t.Changed = true
			cur.Status = "final"
		} else if cur != t.Existing {
			same, err := sameJSON(cur, t.Existing)
			t.Changed = err != nil || !same
			if t.Changed {
				cur.Status = "amended"
			}
		}
		sort.Ints(t.Sources)
	}
	return order, errs
}

func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Name: ErrNotSupported, Stage: StageMapping, Message: err.Error(), Err: err}
}

var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// DirectIdentity resolves a group key in Direct mode: the message's
// patientId and deviceId are FHIR logical ids (medtech.md §15).
func DirectIdentity(k GroupKey) (Identity, *Error) {
	if k.PatientID == "" {
		return Identity{}, &Error{Name: ErrResourceIdentityNotDefined, Stage: StageMapping, Message: "patientId is required to resolve the Patient (identity mode Direct)"}
	}
	for _, c := range []struct{ typ, id string }{{"Patient", k.PatientID}, {"Device", k.DeviceID}, {"Encounter", k.EncounterID}} {
		if c.id == "" && c.typ == "Encounter" {
			continue
		}
		if !fhirID.MatchString(c.id) {
			// The patient id is PHI: name the device only.
			return Identity{}, &Error{Name: ErrInvalidResourceID, Stage: StageMapping,
				Message: "the " + c.typ + " id of device " + quote(k.DeviceID) + " is not a valid FHIR id ([A-Za-z0-9-.]{1,64})"}
		}
	}
	return Identity{PatientID: k.PatientID, DeviceID: k.DeviceID, EncounterID: k.EncounterID}, nil
}

func quote(s string) string { return "'" + s + "'" }
