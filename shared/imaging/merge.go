package imaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// imagingStudyOrder is the R4 element order of ImagingStudy.
var imagingStudyOrder = []string{
	"resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
	"modifierExtension", "identifier", "status", "modality", "subject", "encounter", "started", "basedOn",
	"referrer", "interpreter", "endpoint", "numberOfSeries", "numberOfInstances", "procedureReference",
	"procedureCode", "location", "reasonCode", "reasonReference", "note", "description", "series",
}

// ownedElements are the ImagingStudy elements the handler owns (P1.4);
// basedOn is owned only when the lookup found exactly one ServiceRequest.
var ownedElements = []string{
	"status", "modality", "subject", "started", "referrer", "endpoint", "numberOfSeries",
	"numberOfInstances", "procedureCode", "description", "series",
}

// mergeStudy returns the desired ImagingStudy JSON: the owned elements from
// is, everything else from existing (nil when creating). started is kept
// when the metadata has none; basedOn is replaced only when ownBasedOn.
func mergeStudy(existing map[string]json.RawMessage, is *ImagingStudy, ownBasedOn bool) ([]byte, error) {
	b, err := json.Marshal(is)
	if err != nil {
		return nil, fmt.Errorf("encode ImagingStudy: %w", err)
	}
	var desired map[string]json.RawMessage
	if err := json.Unmarshal(b, &desired); err != nil {
		return nil, fmt.Errorf("encode ImagingStudy: %w", err)
	}
	out := make(map[string]json.RawMessage, len(existing)+len(desired))
	for k, v := range existing {
		out[k] = v
	}
	out["resourceType"] = desired["resourceType"]
	owned := ownedElements
	if ownBasedOn {
		owned = append(slices.Clip(owned), "basedOn")
	}
	for _, k := range owned {
		if v, ok := desired[k]; ok {
			out[k] = v
		} else if k != "started" {
			delete(out, k)
		}
	}
	ids, err := mergeIdentifiers(existing["identifier"], is.Identifier)
	if err != nil {
		return nil, err
	}
	out["identifier"] = ids
	meta := map[string]json.RawMessage{}
	if m := existing["meta"]; len(m) > 0 {
		_ = json.Unmarshal(m, &meta)
	}
	if is.Meta != nil {
		meta["source"], _ = json.Marshal(is.Meta.Source)
	}
	if len(meta) > 0 {
		out["meta"], _ = json.Marshal(meta)
	}
	return orderedJSON(out, imagingStudyOrder), nil
}

// mergeIdentifiers puts the generated identifiers first and keeps every
// existing identifier the handler does not own (not urn:dicom:uid, not
// typed ACSN).
func mergeIdentifiers(existing json.RawMessage, generated []Identifier) (json.RawMessage, error) {
	var list []json.RawMessage
	for _, id := range generated {
		b, err := json.Marshal(id)
		if err != nil {
			return nil, err
		}
		list = append(list, b)
	}
	var old []json.RawMessage
	if len(existing) > 0 {
		if err := json.Unmarshal(existing, &old); err != nil {
			return nil, fmt.Errorf("existing ImagingStudy.identifier: %w", err)
		}
	}
	for _, raw := range old {
		var id struct {
			System string `json:"system"`
			Type   struct {
				Coding []Coding `json:"coding"`
			} `json:"type"`
		}
		_ = json.Unmarshal(raw, &id)
		if id.System == SystemDICOMUID {
			continue
		}
		acsn := false
		for _, c := range id.Type.Coding {
			acsn = acsn || (c.System == SystemV2_0203 && c.Code == "ACSN")
		}
		if !acsn {
			list = append(list, raw)
		}
	}
	return json.Marshal(list)
}

// cancelledStudy is P7.2 cancel: status cancelled, no series or modality,
// counts 0, everything else kept.
func cancelledStudy(existing map[string]json.RawMessage) ([]byte, error) {
	out := make(map[string]json.RawMessage, len(existing))
	for k, v := range existing {
		out[k] = v
	}
	out["status"] = json.RawMessage(`"cancelled"`)
	delete(out, "series")
	delete(out, "modality")
	out["numberOfSeries"] = json.RawMessage("0")
	out["numberOfInstances"] = json.RawMessage("0")
	return orderedJSON(out, imagingStudyOrder), nil
}

// sameStudy compares desired with existing per P1.5: canonical JSON without
// id and meta, plus an equal meta.source.
func sameStudy(existing map[string]json.RawMessage, desired []byte) (bool, error) {
	var d map[string]json.RawMessage
	if err := json.Unmarshal(desired, &d); err != nil {
		return false, err
	}
	if metaSource(existing) != metaSource(d) {
		return false, nil
	}
	a, err := canonical(existing)
	if err != nil {
		return false, err
	}
	b, err := canonical(d)
	if err != nil {
		return false, err
	}
	return bytes.Equal(a, b), nil
}

func metaSource(m map[string]json.RawMessage) string {
	var meta struct {
		Source string `json:"source"`
	}
	_ = json.Unmarshal(m["meta"], &meta)
	return meta.Source
}

// canonical is the resource without id and meta, keys sorted, no
// whitespace, numbers as written.
func canonical(m map[string]json.RawMessage) ([]byte, error) {
	c := make(map[string]any, len(m))
	for k, v := range m {
		if k == "id" || k == "meta" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return nil, fmt.Errorf("canonical %s: %w", k, err)
		}
		c[k] = x
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// orderedJSON writes an object with the keys of order first (in that
// order), then any others sorted.
func orderedJSON(m map[string]json.RawMessage, order []string) []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	write := func(k string) {
		v, ok := m[k]
		if !ok {
			return
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(v)
	}
	known := make(map[string]bool, len(order))
	for _, k := range order {
		known[k] = true
		write(k)
	}
	var rest []string
	for k := range m {
		if !known[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		write(k)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}
