// Package capability holds a probe Set for every policy.Feature, checks a backend's declared
// capabilities against what it does, and renders the README's capability table.
package capability

import (
	"errors"
	"strings"
	"testing"

	"github.com/netintent/netintent/policy"
)

// Probe returns a Set that uses the feature and otherwise only plain namespaced allows,
// which every backend expresses; nil for a feature it does not know.
func Probe(f policy.Feature) *policy.Set {
	set := policy.NewSet(policy.DefaultNamespace("shop"))
	svc := set.Service("api")
	switch f {
	case policy.FeatureNamespaced:
		svc.AllowFrom("web").TCP(8080).AllowTo("db").TCP(5432)
		set.Namespace("shop").AllowSameNamespace().DefaultDeny()
	case policy.FeatureClusterScope:
		set.Cluster("frontends").Select(policy.MatchLabels{"app": "frontend"}).
			AllowTo(policy.AllNamespaces().Pods(policy.MatchLabels{"app": "gateway"})).TCP(443)
	case policy.FeatureHostScope:
		set.Host("bastion-ssh").Select(policy.MatchLabels{"role": "bastion"}).
			AllowFrom(policy.CIDR("192.0.2.0/24")).TCP(22)
	case policy.FeatureDeny:
		// Pod peers only: a CIDR peer is FeatureCIDR's, which some backends express only
		// with options.
		svc.DenyFrom(policy.Namespace("quarantine")).TCP(80)
	case policy.FeatureTiers:
		set.Tier("security", 100)
		set.Cluster("threats").InTier("security", 10).
			DenyFrom(policy.Namespaces(policy.MatchLabels{"quarantine": "true"})).PassFrom(policy.Any())
	case policy.FeatureAudit:
		set.Namespace("shop").DefaultDeny().Audit()
	case policy.FeaturePodPeers:
		svc.AllowFrom("web", policy.ServiceIn("edge", "gateway"),
			policy.Namespaces(policy.MatchLabels{"team": "ops"}).Pods(policy.MatchLabels{"role": "probe"}),
			policy.AllNamespaces().Pods(policy.MatchLabels{"app": "monitor"}),
			policy.Namespace("tools")).TCP(8080)
	case policy.FeatureServiceAccount:
		svc.AllowFrom(policy.ServiceAccount("shop", "robot")).TCP(8080)
	case policy.FeatureClusterMesh:
		svc.AllowFrom(policy.Service("web").InCluster("east")).TCP(8080)
	case policy.FeatureCIDR:
		svc.AllowFrom(policy.CIDR("203.0.113.0/24", "203.0.113.128/25"), policy.CIDR("2001:db8::/32")).TCP(8080)
	case policy.FeatureFQDN:
		svc.AllowTo(policy.FQDN("api.stripe.com"), policy.FQDN("*.example.org")).TCP(443)
	case policy.FeatureWorld:
		svc.AllowTo(policy.World()).TCP(443)
	case policy.FeatureEntities:
		svc.AllowTo(policy.WholeCluster(), policy.RemoteNodes(), policy.KubeAPIServer()).TCP(443)
	case policy.FeatureNodeIngress:
		svc.AllowFrom(policy.Host()).TCP(8080)
	case policy.FeaturePorts:
		svc.AllowFrom("web").TCP(8080).UDP(53).SCTP(3868).PortRange(policy.TCP, 9000, 9100).NamedPort("metrics")
	case policy.FeatureICMP:
		svc.AllowFrom("web").ICMP(8).ICMPv6(128)
	case policy.FeatureHTTP:
		svc.AllowFrom("web").TCP(8080).HTTP("GET", "/healthz").HTTPPrefix("POST", "/orders/")
	case policy.FeatureHTTPMore:
		svc.AllowFrom("web").TCP(8080).HTTPRegex("GET", "/orders/[0-9]+").
			HTTPRequest(policy.HTTPMatch{Method: "POST", Path: "/orders", Host: "shop.example.com",
				Headers: []policy.Header{{Name: "Content-Type", Value: "application/json"}}})
	case policy.FeatureDNSLookups:
		svc.AllowTo(policy.KubeDNS()).UDP(53).TCP(53).DNS("*.example.org")
	default:
		return nil
	}
	return set
}

// Table renders a Markdown table: one row per feature, one column per backend.
func Table(backends []string, caps map[string][]policy.Capability) string {
	var b strings.Builder
	b.WriteString("| intent |")
	for _, name := range backends {
		b.WriteString(" " + name + " |")
	}
	b.WriteString("\n|---|")
	for range backends {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, f := range policy.Features() {
		b.WriteString("| " + string(f) + " |")
		for _, name := range backends {
			b.WriteString(" " + cell(find(caps[name], f)) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func find(caps []policy.Capability, f policy.Feature) policy.Capability {
	for _, c := range caps {
		if c.Feature == f {
			return c
		}
	}
	return policy.Capability{Feature: f, Support: "undeclared"}
}

func cell(c policy.Capability) string {
	s := string(c.Support)
	if c.Option != "" {
		s += " `" + c.Option + "`"
	}
	if c.Note != "" {
		s += ": " + c.Note
	}
	return s
}

// Compiler compiles a Set with a backend's options and returns the warnings, or the
// backend's error.
type Compiler[O any] func(set *policy.Set, opts ...O) ([]policy.Warning, error)

// Check compiles the probe of every declared capability and reports, through t, each
// declaration the outcome contradicts: an exact feature must compile without options or
// warnings, a refused one must return a *policy.CompileError, and one that needs an option
// must be refused without it and compile with it (options maps the declared option, as Go
// code, to its value). Every feature must be declared.
func Check[O any](t *testing.T, caps []policy.Capability, compile Compiler[O], options map[string]O) {
	t.Helper()
	declared := map[policy.Feature]bool{}
	for _, c := range caps {
		declared[c.Feature] = true
		set := Probe(c.Feature)
		if set == nil {
			t.Errorf("%s: no probe", c.Feature)
			continue
		}
		warnings, err := compile(set)
		var ce *policy.CompileError
		switch c.Support {
		case policy.Exact:
			if err != nil || len(warnings) > 0 {
				t.Errorf("%s: declared exact, got error %v, warnings %v", c.Feature, err, warnings)
			}
		case policy.Refused, policy.WithOption:
			if !errors.As(err, &ce) {
				t.Errorf("%s: declared %s, got %v; want a *policy.CompileError", c.Feature, c.Support, err)
			}
		default:
			t.Errorf("%s: unknown support %q", c.Feature, c.Support)
		}
		if c.Support != policy.WithOption {
			continue
		}
		opt, ok := options[c.Option]
		if !ok {
			t.Errorf("%s: option %s is not known to the test", c.Feature, c.Option)
			continue
		}
		if _, err := compile(set, opt); err != nil {
			t.Errorf("%s: with %s: %v", c.Feature, c.Option, err)
		}
	}
	for _, f := range policy.Features() {
		if !declared[f] {
			t.Errorf("feature %q is not declared", f)
		}
	}
}
