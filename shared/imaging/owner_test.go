package imaging

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ahds-events/ahds/shared/event"
)

func TestCheckOwner(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{"DICOM_SERVICE_URL": "https://ws-dicom.dicom.azurehealthcareapis.com", "DICOM_PARTITIONS_ENABLED": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{cfg: cfg}
	k := Key{Host: cfg.Host, Partition: "p1", StudyUID: "1.2"}
	tests := []struct {
		name, source, wantCode string
	}{
		{"no meta.source: adopted", "", ""},
		{"ours", "https://ws-dicom.dicom.azurehealthcareapis.com/v2/partitions/p1", ""},
		{"ours, other version", "https://WS-DICOM.dicom.azurehealthcareapis.com/v1/partitions/p1", ""},
		{"other service", "https://other-dicom.dicom.azurehealthcareapis.com/v2/partitions/p1", "foreign-owner"},
		{"other partition", "https://ws-dicom.dicom.azurehealthcareapis.com/v2/partitions/p2", "uid-in-two-partitions"},
		{"DICOM cast (default partition)", "https://ws-dicom.dicom.azurehealthcareapis.com/", "uid-in-two-partitions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := map[string]json.RawMessage{}
			if tt.source != "" {
				raw["meta"], _ = json.Marshal(map[string]string{"source": tt.source})
			}
			err := s.checkOwner(k, &found{id: "x", raw: raw})
			var me *MappingError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Errorf("checkOwner(%q) = %v, want ours", tt.source, err)
			case tt.wantCode != "" && (!errors.As(err, &me) || me.Code != tt.wantCode || !event.IsPermanent(err)):
				t.Errorf("checkOwner(%q) = %v, want permanent %s", tt.source, err, tt.wantCode)
			}
		})
	}
	// A DICOM cast resource is adopted for the default partition.
	kd := Key{Host: cfg.Host, Partition: DefaultPartition, StudyUID: "1.2"}
	raw := map[string]json.RawMessage{"meta": json.RawMessage(`{"source":"https://ws-dicom.dicom.azurehealthcareapis.com/"}`)}
	if err := s.checkOwner(kd, &found{raw: raw}); err != nil {
		t.Errorf("DICOM cast resource not adopted: %v", err)
	}
}

func TestMergeStudy_AdoptsDicomCastResource(t *testing.T) {
	existing := map[string]json.RawMessage{}
	_ = json.Unmarshal([]byte(`{"resourceType":"ImagingStudy","id":"cast1","meta":{"versionId":"3","source":"https://h/"},
	  "identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2"},
	    {"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"value":"OLD"},
	    {"system":"urn:mrn","value":"keep"}],
	  "status":"available","started":"2020-01-01","endpoint":[{"reference":"Endpoint/old"}],
	  "basedOn":[{"reference":"ServiceRequest/kept"}],"note":[{"text":"StudyDescription from cast"}],
	  "series":[{"uid":"9.9","modality":{"code":"CT"},"instance":[{"uid":"9.9.1","sopClass":{"code":"x"}}]}]}`), &existing)
	is := &ImagingStudy{ResourceType: "ImagingStudy", Meta: &Meta{Source: "https://h/v2"},
		Identifier: []Identifier{StudyIdentifier("1.2"), {Type: &CodeableConcept{Coding: []Coding{{System: SystemV2_0203, Code: "ACSN"}}}, Value: "NEW"}},
		Status:     "available", Subject: Reference{Reference: "Patient/p"}, Endpoint: []Reference{{Reference: "Endpoint/e"}},
		NumberOfSeries: 1, NumberOfInstances: 1,
		Series: []Series{{UID: "1.2.1", Modality: modalityCoding("MR"), NumberOfInstances: 1,
			Instance: []Instance{{UID: "1.2.1.1", SOPClass: Coding{System: SystemRFC3986, Code: "urn:oid:1.2.3"}}}}}}
	got, err := mergeStudy(existing, is, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"resourceType":"ImagingStudy","id":"cast1","meta":{"source":"https://h/v2","versionId":"3"},` +
		`"identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2"},{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"value":"NEW"},{"system":"urn:mrn","value":"keep"}],` +
		`"status":"available","subject":{"reference":"Patient/p"},"started":"2020-01-01","basedOn":[{"reference":"ServiceRequest/kept"}],` +
		`"endpoint":[{"reference":"Endpoint/e"}],"numberOfSeries":1,"numberOfInstances":1,"note":[{"text":"StudyDescription from cast"}],` +
		`"series":[{"uid":"1.2.1","modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"MR"},"numberOfInstances":1,"instance":[{"uid":"1.2.1.1","sopClass":{"system":"urn:ietf:rfc:3986","code":"urn:oid:1.2.3"}}]}]}`
	if string(got) != want {
		t.Errorf("mergeStudy =\n%s\nwant\n%s", got, want)
	}
	same, err := sameStudy(existing, got)
	if err != nil || same {
		t.Errorf("sameStudy(changed) = %v, %v", same, err)
	}
	var again map[string]json.RawMessage
	_ = json.Unmarshal(got, &again)
	if same, _ := sameStudy(again, got); !same {
		t.Error("sameStudy(identical) = false")
	}
}
