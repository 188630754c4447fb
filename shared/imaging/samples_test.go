package imaging

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
)

// csvTags maps the columns of microsoft-dicom-server/dicom-metadata.csv the
// mapping reads to their tags.
var csvTags = map[string]string{
	"SOPClassUID": "00080016", "SOPInstanceUID": "00080018", "StudyDate": "00080020", "StudyTime": "00080030",
	"AccessionNumber": "00080050", "Modality": "00080060", "ReferringPhysicianName": "00080090",
	"PatientName": "00100010", "PatientID": "00100020", "PatientBirthDate": "00100030", "PatientSex": "00100040",
	"StudyInstanceUID": "0020000D", "SeriesInstanceUID": "0020000E", "SeriesNumber": "00200011",
	"InstanceNumber": "00200013", "Laterality": "00200060",
}

// csvMetadata turns the CSV of the service's sample study into a WADO-RS
// DICOM JSON array (PN as objects, IS as numbers, like the service).
func csvMetadata(t *testing.T, b []byte) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var arr []map[string]any
	for _, row := range rows[1:] {
		m := map[string]any{}
		for i, col := range rows[0] {
			tag, ok := csvTags[col]
			if !ok || row[i] == "" {
				continue
			}
			var v any = row[i]
			switch col {
			case "PatientName", "ReferringPhysicianName":
				v = map[string]any{"Alphabetic": row[i]}
			case "SeriesNumber", "InstanceNumber":
				v = json.Number(row[i])
			}
			m[tag] = map[string]any{"Value": []any{v}}
		}
		arr = append(arr, m)
	}
	return mustJSON(t, arr)
}

func TestPreview_PublicSamples(t *testing.T) {
	tests := []struct {
		name, golden string
		meta         func(t *testing.T) []byte
		instances    int
	}{
		{"microsoft-dicom-server sample study", "preview-microsoft-dicom-server.json",
			func(t *testing.T) []byte {
				return csvMetadata(t, readCase(t, "microsoft-dicom-server", "dicom-metadata.csv"))
			}, 3},
		{"chinlinlee example instance", "preview-chinlinlee.json", func(t *testing.T) []byte {
			one := readCase(t, "chinlinlee-dicomjson-to-fhir", "example-dicomjson.json")
			return append(append([]byte("["), one...), ']')
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := Preview(tt.meta(t), PreviewOptions{Address: "https://ws-dicom.dicom.azurehealthcareapis.com/v2"})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, out)
			var b struct {
				Entry []struct {
					Resource json.RawMessage `json:"resource"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(out, &b); err != nil {
				t.Fatal(err)
			}
			for _, e := range b.Entry {
				validateR4(t, e.Resource)
			}
			var is ImagingStudy
			if err := json.Unmarshal(b.Entry[0].Resource, &is); err != nil {
				t.Fatal(err)
			}
			if is.NumberOfInstances != tt.instances {
				t.Errorf("numberOfInstances = %d, want %d", is.NumberOfInstances, tt.instances)
			}
		})
	}
}
