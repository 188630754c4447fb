package imaging

import (
	"regexp"
	"strings"
	"unicode"
)

// Code systems used by the mapping.
const (
	SystemDCM      = "http://dicom.nema.org/resources/ontology/DCM"
	SystemSNOMED   = "http://snomed.info/sct"
	SystemLOINC    = "http://loinc.org"
	SystemV2_0203  = "http://terminology.hl7.org/CodeSystem/v2-0203"
	SystemRFC3986  = "urn:ietf:rfc:3986"
	SystemDICOMUID = "urn:dicom:uid"
	// SystemEndpointConnectionType is the R4 endpoint-connection-type system.
	SystemEndpointConnectionType = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type"
)

var oidRE = regexp.MustCompile(`^[0-2](\.[0-9]+)+$`)

// codingSystem applies the coding-scheme designator rule of P4. schemes is
// the dataset's CodingSchemeIdentificationSequence.
func codingSystem(designator string, schemes []Dataset) string {
	switch designator {
	case "":
		return ""
	case "SCT":
		return SystemSNOMED
	case "LN":
		return SystemLOINC
	case "DCM":
		return SystemDCM
	}
	for _, it := range schemes {
		if it.Str(TagCodingSchemeDesignator) == designator {
			if uid := it.Str(TagCodingSchemeUID); uid != "" {
				return "urn:oid:" + uid
			}
		}
	}
	if oidRE.MatchString(designator) {
		return "urn:oid:" + designator
	}
	return designator
}

// codedItem maps a code sequence item to a Coding: system by the designator
// rule, version, code from CodeValue, LongCodeValue or URNCodeValue, display
// from CodeMeaning. ok is false when the item has neither code nor display.
func codedItem(it Dataset, schemes []Dataset) (Coding, bool) {
	c := Coding{
		System:  uriText(codingSystem(it.Str(TagCodingSchemeDesignator), schemes)),
		Version: it.Str(TagCodingSchemeVersion),
		Code:    codeText(it.Str(TagCodeValue)),
		Display: it.Str(TagCodeMeaning),
	}
	if c.Code == "" {
		c.Code = codeText(it.Str(TagLongCodeValue))
	}
	if c.Code == "" {
		c.Code = uriText(it.Str(TagURNCodeValue))
	}
	return c, c.Code != "" || c.Display != ""
}

// codeText makes a value a valid FHIR code: single spaces between
// non-space runs.
func codeText(s string) string { return strings.Join(strings.Fields(s), " ") }

// uriText makes a value a valid FHIR uri: no whitespace.
func uriText(s string) string { return strings.Join(strings.Fields(s), "") }

// validURI reports whether s can be a FHIR uri as is.
func validURI(s string) bool { return !strings.ContainsFunc(s, unicode.IsSpace) }

// modalityCoding is the DCM coding of a modality code.
func modalityCoding(m string) Coding { return Coding{System: SystemDCM, Code: codeText(m)} }

type sct struct{ code, display string }

// bodyParts is DICOM PS3.16 Annex L (BodyPartExamined ⇒ SNOMED CT), the
// values the project requires.
var bodyParts = map[string]sct{
	"ABDOMEN": {"818981001", "Abdomen"}, "ABDOMENPELVIS": {"818982008", "Abdomen and Pelvis"},
	"ANKLE": {"70258002", "Ankle joint"}, "BRAIN": {"12738006", "Brain"}, "BREAST": {"76752008", "Breast"},
	"CHEST": {"816094009", "Chest"}, "CHESTABDOMEN": {"416550000", "Chest and Abdomen"},
	"CHESTABDPELVIS": {"416775004", "Chest, Abdomen and Pelvis"}, "CLAVICLE": {"51299004", "Clavicle"},
	"CSPINE": {"122494005", "Cervical spine"}, "ELBOW": {"16953009", "Elbow joint"},
	"EXTREMITY": {"66019005", "Extremity"}, "FACE": {"89545001", "Face"}, "FEMUR": {"71341001", "Femur"},
	"FINGER": {"7569003", "Finger"}, "FOOT": {"56459004", "Foot"}, "FOREARM": {"14975008", "Forearm"},
	"HAND": {"85562004", "Hand"}, "HEAD": {"69536005", "Head"}, "HEADNECK": {"774007", "Head and Neck"},
	"HEART": {"80891009", "Heart"}, "HIP": {"24136001", "Hip joint"}, "HUMERUS": {"85050009", "Humerus"},
	"KIDNEY": {"64033007", "Kidney"}, "KNEE": {"72696002", "Knee"}, "LIVER": {"10200004", "Liver"},
	"LOWERLEG": {"30021000", "Lower leg"}, "LSPINE": {"122496007", "Lumbar spine"}, "LUNG": {"39607008", "Lung"},
	"NECK": {"45048000", "Neck"}, "PELVIS": {"816092008", "Pelvis"}, "PROSTATE": {"41216001", "Prostate"},
	"SHOULDER": {"16982005", "Shoulder"}, "SKULL": {"89546000", "Skull"}, "SPINE": {"421060004", "Spine"},
	"SSPINE": {"54735007", "Sacrum"}, "THORAX": {"816094009", "Chest"}, "THYROID": {"69748006", "Thyroid"},
	"TSPINE": {"122495006", "Thoracic spine"}, "UPPERARM": {"40983000", "Upper arm"},
	"WHOLEBODY": {"38266002", "Entire body"}, "WRIST": {"74670003", "Wrist joint"},
}

// bodySite maps BodyPartExamined, else the first AnatomicRegionSequence item.
func bodySite(first Dataset, schemes []Dataset) *Coding {
	if bp := first.Str(TagBodyPartExamined); bp != "" {
		if c, ok := bodyParts[strings.ToUpper(bp)]; ok {
			return &Coding{System: SystemSNOMED, Code: c.code, Display: c.display}
		}
		return &Coding{Display: bp}
	}
	if items := first.Items(TagAnatomicRegionSequence); len(items) > 0 {
		if c, ok := codedItem(items[0], schemes); ok {
			return &c
		}
	}
	return nil
}

// lateralityCoding maps L/R/B to SNOMED CT; other values give nil.
func lateralityCoding(v string) *Coding {
	switch strings.ToUpper(v) {
	case "L":
		return &Coding{System: SystemSNOMED, Code: "7771000", Display: "Left"}
	case "R":
		return &Coding{System: SystemSNOMED, Code: "24028007", Display: "Right"}
	case "B":
		return &Coding{System: SystemSNOMED, Code: "51440002", Display: "Bilateral"}
	}
	return nil
}

// personDisplay renders a PN as prefix, given, middle, family, suffix joined
// by single spaces, empty components skipped.
func personDisplay(pn string) string {
	c := pnComponents(pn)
	parts := make([]string, 0, 5)
	for _, p := range []string{c[3], c[1], c[2], c[0], c[4]} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// pnComponents splits the Alphabetic group of a PN into its five
// components (family, given, middle, prefix, suffix), trimmed.
func pnComponents(pn string) [5]string {
	if i := strings.IndexByte(pn, '='); i >= 0 {
		pn = pn[:i]
	}
	var c [5]string
	for i, p := range strings.SplitN(pn, "^", 5) {
		c[i] = strings.TrimSpace(p)
	}
	return c
}
