package check

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// allowedVersions is the §3 allow-list: lower-case type → API version.
var allowedVersions = map[string]string{
	"microsoft.managedidentity/userassignedidentities":          "2024-11-30",
	"microsoft.operationalinsights/workspaces":                  "2025-07-01",
	"microsoft.insights/components":                             "2020-02-02",
	"microsoft.insights/diagnosticsettings":                     "2021-05-01-preview",
	"microsoft.storage/storageaccounts":                         "2025-06-01",
	"microsoft.storage/storageaccounts/blobservices":            "2025-06-01",
	"microsoft.storage/storageaccounts/blobservices/containers": "2025-06-01",
	"microsoft.healthcareapis/workspaces":                       "2024-03-31",
	"microsoft.healthcareapis/workspaces/fhirservices":          "2024-03-31",
	"microsoft.healthcareapis/workspaces/dicomservices":         "2024-03-31",
	"microsoft.eventhub/namespaces":                             "2024-01-01",
	"microsoft.eventhub/namespaces/eventhubs":                   "2024-01-01",
	"microsoft.eventhub/namespaces/eventhubs/consumergroups":    "2024-01-01",
	"microsoft.web/serverfarms":                                 "2025-03-01",
	"microsoft.web/sites":                                       "2025-03-01",
	"microsoft.eventgrid/systemtopics":                          "2025-02-15",
	"microsoft.eventgrid/systemtopics/eventsubscriptions":       "2025-02-15",
	"microsoft.authorization/roleassignments":                   "2022-04-01",
	"microsoft.network/virtualnetworks":                         "2025-09-01",
	"microsoft.network/virtualnetworks/subnets":                 "2025-09-01",
	"microsoft.network/privateendpoints":                        "2025-09-01",
	"microsoft.network/privateendpoints/privatednszonegroups":   "2025-09-01",
	"microsoft.network/privatednszones":                         "2024-06-01",
	"microsoft.network/privatednszones/virtualnetworklinks":     "2024-06-01",
}

// allowedRoles is the §4 role list: role definition GUID → role name.
var allowedRoles = map[string]string{
	"5a1fc7df-4bf1-4951-a576-89034ee01acd": "FHIR Data Contributor",
	"4c8d0bbc-75d3-4935-991f-5f3c56d81508": "FHIR Data Reader",
	"3f88fce4-5892-4214-ae73-ba5294559913": "FHIR Data Writer",
	"e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a": "DICOM Data Reader",
	"58a3b984-7adf-4c20-983a-32417c86fbc8": "DICOM Data Owner",
	"a638d3c7-ab3a-418d-83e6-5f17a39d4fde": "Azure Event Hubs Data Receiver",
	"2b629674-e913-4c01-ae53-ef4638d8f975": "Azure Event Hubs Data Sender",
	"b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
	"ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
	"974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
	"0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
	"3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}

// ahdsEventTypes are the six event types AHDS publishes.
var ahdsEventTypes = map[string]bool{
	"Microsoft.HealthcareApis.FhirResourceCreated": true,
	"Microsoft.HealthcareApis.FhirResourceUpdated": true,
	"Microsoft.HealthcareApis.FhirResourceDeleted": true,
	"Microsoft.HealthcareApis.DicomImageCreated":   true,
	"Microsoft.HealthcareApis.DicomImageUpdated":   true,
	"Microsoft.HealthcareApis.DicomImageDeleted":   true,
}

type policyChecker struct {
	opts Options
	f    *File
	out  []Finding
}

func (c *policyChecker) add(n *Node, rule, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Col
	}
	c.out = append(c.out, Finding{File: c.f.Path, Line: line, Col: col, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// policy runs R01–R18 over the parsed files (R19 runs on the source text,
// see houseStyle).
func policy(files []*File, opts Options) []Finding {
	var out []Finding
	topics := map[string]Finding{} // R10: source expression → first topic
	for _, f := range files {
		c := &policyChecker{opts: opts, f: f}
		c.modules()
		c.params()
		c.outputs()
		c.secretsFunctions()
		for _, r := range f.Resources {
			c.resource(r)
		}
		c.diagnostics()
		for _, r := range f.Resources {
			if r.Existing || !r.Is("Microsoft.EventGrid/systemTopics") {
				continue
			}
			src := r.Body.Path("properties", "source")
			if src == nil {
				continue
			}
			key := strings.Join(strings.Fields(src.Text), "")
			if first, dup := topics[key]; dup {
				c.add(r.Node, "R10", "system topic %s: a second system topic for source %s (first at %s:%d); one topic per source", r.Symbol, src.Text, first.File, first.Line)
				continue
			}
			topics[key] = Finding{File: f.Path, Line: r.Node.Line}
		}
		out = append(out, c.out...)
	}
	return out
}

// R01: only local relative module paths.
func (c *policyChecker) modules() {
	for _, m := range c.f.Modules {
		p, ok := m.Value.StringValue()
		switch {
		case !ok:
			c.add(m.Node, "R01", "module %s: path must be a string literal", m.Name)
		case strings.HasPrefix(p, "br:") || strings.HasPrefix(p, "br/") || strings.HasPrefix(p, "ts:") || strings.HasPrefix(p, "ts/"):
			c.add(m.Value, "R01", "module %s: registry reference %q; write the resource in a local module (D1)", m.Name, p)
		case filepath.IsAbs(p) || strings.Contains(p, "://"):
			c.add(m.Value, "R01", "module %s: path %q is not a local relative path", m.Name, p)
		}
	}
}

// R02: every param has @description; AHDS name params have @minLength(3) @maxLength(24).
func (c *policyChecker) params() {
	ahdsNames := map[string]bool{}
	for _, r := range c.f.Resources {
		if r.Existing || !strings.HasPrefix(strings.ToLower(r.Type), "microsoft.healthcareapis/") {
			continue
		}
		if n := unparen(r.Body.Get("name")); n != nil && n.Kind == "identifier" {
			ahdsNames[n.Text] = true
		}
	}
	for _, d := range c.f.Decls {
		if d.Kind != "parameter_declaration" {
			continue
		}
		if d.Decorator("description") == nil {
			c.add(d.Node, "R02", "param %s: missing @description", d.Name)
		}
		if !ahdsNames[d.Name] {
			continue
		}
		if v, ok := intArg(d.Decorator("minLength")); !ok || v != 3 {
			c.add(d.Node, "R02", "param %s names an AHDS resource: needs @minLength(3)", d.Name)
		}
		if v, ok := intArg(d.Decorator("maxLength")); !ok || v != 24 {
			c.add(d.Node, "R02", "param %s names an AHDS resource: needs @maxLength(24)", d.Name)
		}
	}
}

func intArg(call *Node) (int64, bool) {
	args := Args(call)
	if len(args) != 1 {
		return 0, false
	}
	return args[0].IntValue()
}

var secretWords = regexp.MustCompile(`(?i)key|secret|password|connectionstring|connection_string|sas`)

// R16: no outputs involving keys or connection strings.
func (c *policyChecker) outputs() {
	for _, o := range c.f.Outputs {
		if secretWords.MatchString(o.Name) {
			c.add(o.Node, "R16", "output %s: name suggests a key or connection string; outputs carry no secrets", o.Name)
			continue
		}
		if o.Value != nil && secretWords.MatchString(o.Value.Text) {
			c.add(o.Node, "R16", "output %s: value involves a key or connection string", o.Name)
		}
	}
}

// R16: no listKeys/listSecrets/listConnectionStrings calls.
func (c *policyChecker) secretsFunctions() {
	walk(c.f.Root, func(n *Node) {
		if n.Kind != "call_expression" {
			return
		}
		fn := n.Child(0)
		name := fn.Text
		if fn.Kind == "member_expression" {
			name = fn.Child(1).Text
		}
		switch strings.ToLower(name) {
		case "listkeys", "listsecrets", "listconnectionstrings", "listaccountsas", "listservicesas":
			c.add(n, "R16", "%s(…) reads a secret; use identity-based access (D5)", name)
		}
	})
}

// resource runs the per-resource rules.
func (c *policyChecker) resource(r *Resource) {
	lt := strings.ToLower(r.Type)
	if strings.HasPrefix(lt, "microsoft.healthcareapis/workspaces/iotconnectors") {
		c.add(r.TypeNode, "R13", "resource %s: MedTech iotconnectors are retired; use the Event Hubs → Function path (D2)", r.Symbol)
	}
	if strings.HasSuffix(lt, "/eventsubscriptions") && filepath.Base(c.f.Path) != "events.bicep" {
		c.add(r.TypeNode, "R11", "resource %s: event subscriptions belong in infra/events.bicep (phase 2, D4)", r.Symbol)
	}
	if r.Existing {
		return
	}
	// R03
	if want, ok := allowedVersions[lt]; !ok {
		c.add(r.TypeNode, "R03", "resource %s: type %s is not in the allow-list (spec §3)", r.Symbol, r.Type)
	} else if r.Version != want {
		c.add(r.TypeNode, "R03", "resource %s: %s must use API version %s, not %s", r.Symbol, r.Type, want, r.Version)
	}
	if strings.Contains(r.Version, "-preview") && lt != "microsoft.insights/diagnosticsettings" {
		c.add(r.TypeNode, "R03", "resource %s: preview API version %s", r.Symbol, r.Version)
	}
	if r.Body == nil {
		return
	}
	// R17
	if loc := r.Body.Get("location"); loc != nil {
		if s, ok := loc.StringValue(); ok && !(s == "global" && strings.HasPrefix(lt, "microsoft.network/privatednszones")) {
			c.add(loc, "R17", "resource %s: hard-coded location '%s'; use a location parameter", r.Symbol, s)
		}
	}
	// R18
	if c.opts.Types != nil && r.Body.Get("tags") == nil {
		if body, ok, err := c.opts.Types.Resource(r.FullType()); err == nil && ok && c.opts.Types.HasProperty(body, "tags") {
			c.add(r.Node, "R18", "resource %s: %s supports tags; set tags", r.Symbol, r.Type)
		}
	}
	switch lt {
	case "microsoft.authorization/roleassignments":
		c.roleAssignment(r)
	case "microsoft.storage/storageaccounts":
		c.storage(r)
	case "microsoft.eventhub/namespaces":
		c.eventHubs(r)
	case "microsoft.web/sites":
		c.site(r)
	case "microsoft.insights/components":
		c.appInsights(r)
	case "microsoft.eventgrid/systemtopics":
		c.systemTopic(r)
	case "microsoft.eventgrid/systemtopics/eventsubscriptions":
		c.eventSubscription(r)
	case "microsoft.healthcareapis/workspaces", "microsoft.healthcareapis/workspaces/dicomservices":
		c.networkSwitch(r)
	case "microsoft.healthcareapis/workspaces/fhirservices":
		if k, ok := r.Body.Get("kind").StringValue(); !ok || k != "fhir-R4" {
			c.add(r.Node, "R14", "FHIR service %s: kind must be 'fhir-R4'", r.Symbol)
		}
		c.networkSwitch(r)
	}
}

// wantLiteral reports unless path under r.Body is the literal want.
func (c *policyChecker) wantLiteral(r *Resource, rule string, want any, path ...string) {
	v := r.Body.Path(path...)
	var got any
	var ok bool
	switch want.(type) {
	case bool:
		got, ok = v.BoolValue()
	case string:
		got, ok = v.StringValue()
	}
	if !ok || got != want {
		at := r.Node
		if v != nil {
			at = v
		}
		c.add(at, rule, "%s %s: %s must be %#v", r.Type, r.Symbol, strings.Join(path, "."), want)
	}
}
