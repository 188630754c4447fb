package check

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// deployerPrincipal matches principal expressions that name the deploying
// user; every other principal is taken to be a managed identity.
var deployerPrincipal = regexp.MustCompile(`(?i)deployer`)

// R04: role assignments.
func (c *policyChecker) roleAssignment(r *Resource) {
	b := r.Body
	scope := unparen(b.Get("scope"))
	if scope == nil {
		c.add(r.Node, "R04", "role assignment %s: explicit scope: is required", r.Symbol)
	}
	props := b.Get("properties")
	principal := props.Get("principalId")
	roleDef := props.Get("roleDefinitionId")
	// name: guid(<scope>.id, <principal>, <role>)
	name := unparen(b.Get("name"))
	args := Args(name)
	switch {
	case CallName(name) != "guid" || len(args) != 3:
		c.add(r.Node, "R04", "role assignment %s: name must be guid(<scope>.id, <principalId>, <roleGuid>) with 3 arguments", r.Symbol)
	case scope != nil && compact(args[0].Text) != compact(scope.Text)+".id":
		c.add(args[0], "R04", "role assignment %s: first guid() argument %s must be %s.id (the scope)", r.Symbol, args[0].Text, scope.Text)
	case principal != nil && compact(args[1].Text) != compact(principal.Text):
		c.add(args[1], "R04", "role assignment %s: second guid() argument must be the principalId %s", r.Symbol, principal.Text)
	}
	// principalType
	pt := props.Get("principalType")
	if pt == nil {
		c.add(r.Node, "R04", "role assignment %s: principalType must be set", r.Symbol)
	} else if principal != nil && !deployerPrincipal.MatchString(principal.Text) {
		if s, ok := pt.StringValue(); !ok || s != "ServicePrincipal" {
			c.add(pt, "R04", "role assignment %s: principal %s is a managed identity: principalType must be 'ServicePrincipal'", r.Symbol, principal.Text)
		}
	}
	// roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <guid>)
	rd := unparen(roleDef)
	rargs := Args(rd)
	if CallName(rd) != "subscriptionResourceId" || len(rargs) != 2 {
		c.add(r.Node, "R04", "role assignment %s: roleDefinitionId must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <guid>)", r.Symbol)
		return
	}
	if t, _ := rargs[0].StringValue(); t != "Microsoft.Authorization/roleDefinitions" {
		c.add(rargs[0], "R04", "role assignment %s: first argument must be 'Microsoft.Authorization/roleDefinitions'", r.Symbol)
	}
	guid, ok := c.f.ResolveString(rargs[1])
	if !ok {
		c.add(rargs[1], "R04", "role assignment %s: role GUID %s cannot be resolved to a literal", r.Symbol, rargs[1].Text)
		return
	}
	if _, known := allowedRoles[strings.ToLower(guid)]; !known {
		c.add(rargs[1], "R04", "role assignment %s: role %s is not in the allowed role list (spec §4)", r.Symbol, guid)
	}
	if len(args) == 3 && compact(args[2].Text) != compact(rargs[1].Text) && compact(args[2].Text) != compact(roleDef.Text) {
		if g, ok := c.f.ResolveString(args[2]); !ok || !strings.EqualFold(g, guid) {
			c.add(args[2], "R04", "role assignment %s: third guid() argument must be the role %s", r.Symbol, rargs[1].Text)
		}
	}
}

func compact(s string) string { return strings.Join(strings.Fields(s), "") }

// R05 and the storage part of R14.
func (c *policyChecker) storage(r *Resource) {
	c.wantLiteral(r, "R05", false, "properties", "allowSharedKeyAccess")
	c.wantLiteral(r, "R05", false, "properties", "allowBlobPublicAccess")
	c.wantLiteral(r, "R05", "TLS1_2", "properties", "minimumTlsVersion")
	c.wantLiteral(r, "R05", true, "properties", "supportsHttpsTrafficOnly")
	if r.Body.Path("properties", "publicNetworkAccess") == nil {
		c.add(r.Node, "R14", "storage account %s: publicNetworkAccess must be set", r.Symbol)
	}
	da := r.Body.Path("properties", "networkAcls", "defaultAction")
	if da == nil || !strings.Contains(da.Text, "enablePrivateNetworking") {
		c.add(r.Node, "R14", "storage account %s: networkAcls.defaultAction must be an expression of enablePrivateNetworking", r.Symbol)
	}
}

// R06.
func (c *policyChecker) eventHubs(r *Resource) {
	c.wantLiteral(r, "R06", true, "properties", "disableLocalAuth")
	c.wantLiteral(r, "R06", "1.2", "properties", "minimumTlsVersion")
	c.networkSwitch(r)
}

// R14: publicNetworkAccess is an expression of enablePrivateNetworking.
func (c *policyChecker) networkSwitch(r *Resource) {
	v := r.Body.Path("properties", "publicNetworkAccess")
	switch {
	case v == nil:
		c.add(r.Node, "R14", "%s %s: publicNetworkAccess must be set", r.Type, r.Symbol)
	case literalKind(unparen(v)) != "":
		c.add(v, "R14", "%s %s: publicNetworkAccess must not be a literal; derive it from enablePrivateNetworking", r.Type, r.Symbol)
	case !strings.Contains(v.Text, "enablePrivateNetworking"):
		c.add(v, "R14", "%s %s: publicNetworkAccess must be an expression of enablePrivateNetworking", r.Type, r.Symbol)
	}
}

// R07 and R08.
func (c *policyChecker) site(r *Resource) {
	b := r.Body
	if b.Get("identity") == nil {
		c.add(r.Node, "R07", "site %s: identity must be set", r.Symbol)
	}
	c.wantLiteral(r, "R07", true, "properties", "httpsOnly")
	c.wantLiteral(r, "R07", "1.2", "properties", "siteConfig", "minTlsVersion")
	fac := b.Path("properties", "functionAppConfig")
	if fac == nil {
		c.add(r.Node, "R07", "site %s: properties.functionAppConfig is required on Flex Consumption (P7)", r.Symbol)
	} else {
		name := unparen(fac.Path("runtime", "name"))
		switch {
		case name == nil:
			c.add(fac, "R07", "site %s: functionAppConfig.runtime.name must be set", r.Symbol)
		case name.Kind == "identifier":
			p := c.f.Params[name.Text]
			if p == nil || !allowedOnly(p.Decorator("allowed"), "custom", "go") {
				c.add(name, "R07", "site %s: runtime.name %s must be a param with @allowed(['custom', 'go'])", r.Symbol, name.Text)
			}
		default:
			if s, ok := name.StringValue(); !ok || (s != "custom" && s != "go") {
				c.add(name, "R07", "site %s: runtime.name must be 'custom' or 'go'", r.Symbol)
			}
		}
		if v, ok := fac.Path("runtime", "version").StringValue(); !ok || v != "1.0" {
			at := fac
			if n := fac.Path("runtime", "version"); n != nil {
				at = n
			}
			c.add(at, "R07", "site %s: runtime.version must be '1.0' (P8)", r.Symbol)
		}
	}
	c.appSettings(r, c.f.Resolve(b.Path("properties", "siteConfig", "appSettings")))
}

// allowedOnly reports whether an @allowed([...]) decorator lists exactly want.
func allowedOnly(dec *Node, want ...string) bool {
	args := Args(dec)
	if len(args) != 1 || args[0].Kind != "array" {
		return false
	}
	got := map[string]bool{}
	for _, it := range args[0].Children {
		s, ok := it.StringValue()
		if !ok {
			return false
		}
		got[s] = true
	}
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !got[w] {
			return false
		}
	}
	return true
}

var forbiddenSettings = map[string]string{
	"FUNCTIONS_WORKER_RUNTIME":    "Flex derives it from functionAppConfig.runtime and rejects it (P10)",
	"FUNCTIONS_EXTENSION_VERSION": "not used on Flex Consumption (P10)",
	"WEBSITE_RUN_FROM_PACKAGE":    "Flex deploys from functionAppConfig.deployment",
	"AzureWebJobsStorage":         "use the identity form AzureWebJobsStorage__accountName/__credential/__clientId (D5)",
}

// R08: app settings.
func (c *policyChecker) appSettings(r *Resource, settings *Node) {
	if settings == nil {
		return
	}
	var items []*Node
	if settings.Kind == "array" {
		items = settings.Children
	}
	if CallName(settings) == "concat" || CallName(settings) == "union" {
		for _, a := range Args(settings) {
			if a = c.f.Resolve(a); a.Kind == "array" {
				items = append(items, a.Children...)
			}
		}
	}
	for _, it := range items {
		name, _ := it.Get("name").StringValue()
		if why, bad := forbiddenSettings[name]; bad {
			c.add(it, "R08", "site %s: app setting %s must not be set: %s", r.Symbol, name, why)
		}
		if v := it.Get("value"); v != nil && (strings.Contains(v.Text, "AccountKey=") || strings.Contains(v.Text, "SharedAccessKey=")) {
			c.add(v, "R08", "site %s: app setting %s carries a key; use identity-based connections (D5)", r.Symbol, name)
		}
	}
}

// R09.
func (c *policyChecker) appInsights(r *Resource) {
	if r.Body.Path("properties", "WorkspaceResourceId") == nil {
		c.add(r.Node, "R09", "App Insights %s: properties.WorkspaceResourceId must be set (workspace-based)", r.Symbol)
	}
	c.wantLiteral(r, "R09", true, "properties", "DisableLocalAuth")
}

// R10 (per topic; the one-per-source part runs across files in policy).
func (c *policyChecker) systemTopic(r *Resource) {
	if r.Body.Get("identity") == nil {
		c.add(r.Node, "R10", "system topic %s: identity must be set (dead-lettering with the topic identity)", r.Symbol)
	}
	src := r.Body.Path("properties", "source")
	if src == nil {
		return
	}
	namesWorkspace := strings.Contains(strings.ToLower(src.Text), "workspace")
	if m := unparen(src); m.Kind == "member_expression" {
		if res := c.f.ResourceBySymbol(m.Child(0).Text); res != nil {
			namesWorkspace = res.Is("Microsoft.HealthcareApis/workspaces")
		}
	}
	if !namesWorkspace {
		return
	}
	if tt, ok := r.Body.Path("properties", "topicType").StringValue(); !ok || tt != "Microsoft.HealthcareApis.Workspaces" {
		c.add(r.Node, "R10", "system topic %s: source is an AHDS workspace, topicType must be 'Microsoft.HealthcareApis.Workspaces' (D7)", r.Symbol)
	}
}

var functionSuffix = regexp.MustCompile(`/functions/(?:\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}|([A-Za-z0-9_-]+))'$`)

// R12: event subscriptions.
func (c *policyChecker) eventSubscription(r *Resource) {
	p := r.Body.Get("properties")
	types := c.f.Resolve(p.Path("filter", "includedEventTypes"))
	if types == nil || types.Kind != "array" || len(types.Children) == 0 {
		c.add(r.Node, "R12", "event subscription %s: filter.includedEventTypes must be a non-empty list", r.Symbol)
	} else {
		for _, it := range types.Children {
			s, ok := c.f.ResolveString(it)
			if !ok || !ahdsEventTypes[s] {
				c.add(it, "R12", "event subscription %s: %s is not an AHDS event type", r.Symbol, it.Text)
			}
		}
	}
	rp := p.Get("retryPolicy")
	if rp == nil || rp.Get("maxDeliveryAttempts") == nil || rp.Get("eventTimeToLiveInMinutes") == nil {
		at := r.Node
		if rp != nil {
			at = rp
		}
		c.add(at, "R12", "event subscription %s: retryPolicy must set maxDeliveryAttempts and eventTimeToLiveInMinutes", r.Symbol)
	}
	if p.Get("deadLetterWithResourceIdentity") == nil {
		c.add(r.Node, "R12", "event subscription %s: deadLetterWithResourceIdentity must be set", r.Symbol)
	}
	dest := p.Get("destination")
	if et, _ := dest.Get("endpointType").StringValue(); et != "AzureFunction" {
		return
	}
	rid := dest.Path("properties", "resourceId")
	if rid == nil {
		c.add(dest, "R12", "event subscription %s: AzureFunction destination needs properties.resourceId", r.Symbol)
		return
	}
	m := functionSuffix.FindStringSubmatch(strings.TrimSpace(rid.Text))
	if m == nil {
		c.add(rid, "R12", "event subscription %s: resourceId must end in /functions/<name>", r.Symbol)
		return
	}
	name := m[2]
	if m[1] != "" {
		var ok bool
		if name, ok = c.f.ResolveString(&Node{Kind: "identifier", Text: m[1]}); !ok {
			c.add(rid, "R12", "event subscription %s: function name %s has no literal value or default", r.Symbol, m[1])
			return
		}
	}
	if c.opts.FunctionsDir == "" {
		return
	}
	if _, err := os.Stat(filepath.Join(c.opts.FunctionsDir, name, "function.json")); err != nil {
		c.add(rid, "R12", "event subscription %s: function %s has no %s (Destination endpoint not found, P1)", r.Symbol, name, filepath.Join(c.opts.FunctionsDir, name, "function.json"))
	}
}

// diagTargets are the types that need a diagnostic setting (R15).
var diagTargets = []string{
	"Microsoft.HealthcareApis/workspaces/fhirservices",
	"Microsoft.HealthcareApis/workspaces/dicomservices",
	"Microsoft.EventHub/namespaces",
	"Microsoft.Web/sites",
	"Microsoft.EventGrid/systemTopics",
}

// R15: a diagnostic setting with workspaceId scoped to each target.
func (c *policyChecker) diagnostics() {
	covered := map[string]bool{}
	for _, r := range c.f.Resources {
		if r.Existing || !r.Is("Microsoft.Insights/diagnosticSettings") {
			continue
		}
		if r.Body.Path("properties", "workspaceId") == nil {
			c.add(r.Node, "R15", "diagnostic setting %s: properties.workspaceId must be set", r.Symbol)
			continue
		}
		if s := unparen(r.Body.Get("scope")); s != nil {
			covered[s.Text] = true
		}
	}
	for _, r := range c.f.Resources {
		if r.Existing {
			continue
		}
		for _, t := range diagTargets {
			if r.Is(t) && !covered[r.Symbol] {
				c.add(r.Node, "R15", "%s %s: no diagnostic setting with workspaceId scoped to it", r.Type, r.Symbol)
			}
		}
	}
}
