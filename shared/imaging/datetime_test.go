package imaging

import "testing"

func TestDateTime(t *testing.T) {
	tests := []struct {
		name, da, tm, off string
		want              string
		wantWarn          string
	}{
		{"full", "20240115", "101530", "+0100", "2024-01-15T10:15:30+01:00", ""},
		{"fraction", "20240115", "102000.123", "-0500", "2024-01-15T10:20:00.123-05:00", ""},
		{"hours only", "20240115", "10", "", "2024-01-15T10:00:00Z", ""},
		{"hours minutes colons", "20240115", "10:20", "", "2024-01-15T10:20:00Z", ""},
		{"colons seconds", "20240115", "10:20:30.5", "", "2024-01-15T10:20:30.5Z", ""},
		{"date only", "20240115", "", "+0100", "2024-01-15", ""},
		{"bad offset", "20240115", "1015", "0100", "2024-01-15T10:15:00Z", "invalid-timezone-offset"},
		{"time without date", "", "1015", "", "", "invalid-datetime"},
		{"invalid date", "20240230", "1015", "", "", "invalid-datetime"},
		{"leap day", "20000229", "", "", "2000-02-29", ""},
		{"not leap", "19000229", "", "", "", "invalid-datetime"},
		{"bad time", "20240115", "25", "", "2024-01-15", "invalid-datetime"},
		{"long fraction", "20240115", "101010.1234567", "", "2024-01-15", "invalid-datetime"},
		{"leap second", "20240115", "235960", "", "2024-01-15T23:59:59Z", ""},
		{"nothing", "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warned string
			got := dateTime(tt.da, tt.tm, tt.off, func(code, _ string) { warned = code })
			if got != tt.want || warned != tt.wantWarn {
				t.Errorf("dateTime(%q, %q, %q) = %q, warn %q; want %q, warn %q", tt.da, tt.tm, tt.off, got, warned, tt.want, tt.wantWarn)
			}
		})
	}
}

func TestCompareUID(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.9", "1.2.10", -1},
		{"1.2.10", "1.2.9", 1},
		{"1.2", "1.2.1", -1},
		{"1.2.3", "1.2.3", 0},
		{"1.20", "1.3", 1},
		{"1.02", "1.2", -1},
	}
	for _, tt := range tests {
		if got := CompareUID(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareUID(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPersonDisplayAndName(t *testing.T) {
	tests := []struct {
		pn, display string
		name        HumanName
		ok          bool
	}{
		{"Referrer^Rita", "Rita Referrer", HumanName{Family: "Referrer", Given: []string{"Rita"}}, true},
		{"Doe^Jane^Q^Dr.^PhD", "Dr. Jane Q Doe PhD", HumanName{Family: "Doe", Given: []string{"Jane", "Q"}, Prefix: []string{"Dr."}, Suffix: []string{"PhD"}}, true},
		{"^Mary Ann", "Mary Ann", HumanName{Given: []string{"Mary", "Ann"}}, true},
		{"^^^^", "", HumanName{}, false},
		{"Yamada^Tarou=山田^太郎", "Tarou Yamada", HumanName{Family: "Yamada", Given: []string{"Tarou"}}, true},
	}
	for _, tt := range tests {
		if got := personDisplay(tt.pn); got != tt.display {
			t.Errorf("personDisplay(%q) = %q, want %q", tt.pn, got, tt.display)
		}
		n, ok := humanName(tt.pn)
		if ok != tt.ok || string(mustJSON(t, n)) != string(mustJSON(t, tt.name)) {
			t.Errorf("humanName(%q) = %+v, %v; want %+v, %v", tt.pn, n, ok, tt.name, tt.ok)
		}
	}
}

func TestCodingSystem(t *testing.T) {
	schemes := []Dataset{mkDataset(map[Tag]string{TagCodingSchemeDesignator: "LOC", TagCodingSchemeUID: "2.25.1"})}
	tests := map[string]string{
		"SCT": SystemSNOMED, "LN": SystemLOINC, "DCM": SystemDCM, "LOC": "urn:oid:2.25.1",
		"1.2.3": "urn:oid:1.2.3", "SRT": "SRT", "99LOCAL": "99LOCAL", "": "", "3.1": "3.1",
	}
	for d, want := range tests {
		if got := codingSystem(d, schemes); got != want {
			t.Errorf("codingSystem(%q) = %q, want %q", d, got, want)
		}
	}
}

func TestNewPatient(t *testing.T) {
	tests := []struct {
		name string
		give PatientInfo
		opts PatientOptions
		want string
		warn int
	}{
		{"minimal", PatientInfo{ID: "X"}, PatientOptions{}, `{"resourceType":"Patient","identifier":[{"value":"X"}],"gender":"unknown"}`, 0},
		{"system", PatientInfo{ID: "X", Issuer: "I", Sex: "m"}, PatientOptions{System: "urn:s"}, `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"X"}],"gender":"male"}`, 0},
		{"issuer", PatientInfo{ID: "X", Issuer: "I", Sex: "O"}, PatientOptions{System: "urn:s", UseIssuer: true}, `{"resourceType":"Patient","identifier":[{"system":"I","value":"X"}],"gender":"other"}`, 0},
		{"issuer absent", PatientInfo{ID: "X", Sex: "Z"}, PatientOptions{System: "urn:s", UseIssuer: true}, `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"X"}],"gender":"unknown"}`, 0},
		{"bad birth date", PatientInfo{ID: "X", BirthDate: "1980"}, PatientOptions{}, `{"resourceType":"Patient","identifier":[{"value":"X"}],"gender":"unknown"}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, w := NewPatient(tt.give, tt.opts)
			got := mustJSON(t, p)
			if string(got) != tt.want || len(w) != tt.warn {
				t.Errorf("NewPatient = %s, %d warnings; want %s, %d", got, len(w), tt.want, tt.warn)
			}
			validateR4(t, got)
		})
	}
}

func TestNewEndpoint(t *testing.T) {
	got := string(mustJSON(t, NewEndpoint("A")))
	want := `{"resourceType":"Endpoint","identifier":[{"system":"urn:ietf:rfc:3986","value":"A"}],"status":"active",` +
		`"connectionType":{"system":"http://terminology.hl7.org/CodeSystem/endpoint-connection-type","code":"dicom-wado-rs"},` +
		`"name":"DICOM WADO-RS endpoint A","payloadType":[{"text":"DICOM WADO-RS"}],"payloadMimeType":["application/dicom"],"address":"A"}`
	if got != want {
		t.Errorf("NewEndpoint(A) = %s, want %s", got, want)
	}
	validateR4(t, mustJSON(t, NewEndpoint("https://ws-dicom.dicom.azurehealthcareapis.com/v2")))
}

func mkDataset(m map[Tag]string) Dataset {
	d := Dataset{vals: new([numSlots]value)}
	for t, v := range m {
		d.vals[slot(t)].s = v
	}
	return d
}
