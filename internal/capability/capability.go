// Package capability holds a probe Set for every policy.Feature, checks a backend's declared
// capabilities against what it does, and renders the README's capability table.
package capability

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
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
		// Namespaced: a backend without cluster-wide policies is to be refused for the tier.
		set.Tier("security", 100)
		svc.InTier("security", 10).
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

// Check reports, through t, every problem Problems finds.
func Check[O any, R policy.Result](t *testing.T, caps []policy.Capability, compile func(*policy.Set, ...O) (R, error), options map[string]O) {
	t.Helper()
	for _, p := range Problems(caps, compile, options) {
		t.Error(p)
	}
}

// Problems compiles the probe of every declared capability with compile, a backend's
// Compile, and returns each declaration the outcome contradicts:
//
//   - an exact feature must compile without options or warnings;
//   - a refused one, and one that needs an option, must be refused without options with a
//     *policy.CompileError that names the row's Construct: refused for that construct,
//     not for any other;
//   - one that needs an option must compile with it (options maps the declared option, as
//     Go code, to its value);
//   - every option the Note of a refused feature, or of one that needs an option, names
//     must change the outcome, alone or with the row's Option: a note cannot promise what
//     an option does not do;
//   - the refusal's Fixes must name every option that changes the outcome alone, the
//     row's Option included: a refusal names the exact fix.
//
// Every feature must be declared.
func Problems[O any, R policy.Result](caps []policy.Capability, compile func(*policy.Set, ...O) (R, error), options map[string]O) []string {
	var out []string
	report := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	declared := map[policy.Feature]bool{}
	for _, c := range caps {
		declared[c.Feature] = true
		set := Probe(c.Feature)
		if set == nil {
			report("%s: no probe", c.Feature)
			continue
		}
		res, err := compile(set)
		switch c.Support {
		case policy.Exact:
			if err != nil || len(res.Warnings()) > 0 {
				report("%s: declared exact, got %s", c.Feature, outcome(res, err))
			}
			continue
		case policy.Refused, policy.WithOption:
			if !refusedFor(err, c.Construct) {
				report("%s: declared %s for %q, got %v; want a *policy.CompileError for that construct", c.Feature, c.Support, c.Construct, err)
			}
		default:
			report("%s: unknown support %q", c.Feature, c.Support)
			continue
		}
		fixes := fixesFor(err, c.Construct)
		for _, name := range slices.Sorted(maps.Keys(options)) {
			if !refusedFor(err, c.Construct) {
				break // reported above
			}
			changes := outcome(compile(set, options[name])) != outcome(res, err)
			if (changes || name == c.Option && c.Support == policy.WithOption) && !slices.Contains(fixes, name) {
				report("%s: %s changes the outcome, but the refusal for %q names only %q", c.Feature, name, c.Construct, fixes)
			}
		}
		var with []O
		if c.Support == policy.WithOption {
			opt, ok := options[c.Option]
			if !ok {
				report("%s: option %s is not known to the test", c.Feature, c.Option)
				continue
			}
			if _, err := compile(set, opt); err != nil {
				report("%s: with %s: %v", c.Feature, c.Option, err)
			}
			with = append(with, opt)
		}
		for _, name := range optionCalls.FindAllString(c.Note, -1) {
			if _, ok := options[name]; !ok {
				report("%s: the note names %s, which is not known to the test", c.Feature, name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(options)) {
			if name == c.Option || !strings.Contains(c.Note, name) {
				continue
			}
			alone, both := outcome(compile(set, options[name])), outcome(compile(set, append(with, options[name])...))
			if alone == outcome(res, err) && both == outcome(compile(set, with...)) {
				report("%s: the note names %s, which does not change the outcome", c.Feature, name)
			}
		}
	}
	for _, f := range policy.Features() {
		if !declared[f] {
			report("feature %q is not declared", f)
		}
	}
	return out
}

// optionCalls matches the options a note names, as Go code: "calico.WorldAsNets()",
// "k8snp.ClusterCIDRs(...)".
var optionCalls = regexp.MustCompile(`\b[a-z0-9]+\.[A-Z][A-Za-z0-9]*\([^)]*\)`)

// refusedFor reports whether err is a *policy.CompileError with a problem of construct.
func refusedFor(err error, construct string) bool {
	var ce *policy.CompileError
	if construct == "" || !errors.As(err, &ce) {
		return false
	}
	return slices.ContainsFunc(ce.Problems, func(p policy.Unsupported) bool { return p.Construct == construct })
}

// fixesFor returns the options that the problems of construct in err name as fixes.
func fixesFor(err error, construct string) []string {
	var ce *policy.CompileError
	if !errors.As(err, &ce) {
		return nil
	}
	var out []string
	for _, p := range ce.Problems {
		if p.Construct != construct {
			continue
		}
		for _, f := range p.Fixes {
			if !slices.Contains(out, f.Option) {
				out = append(out, f.Option)
			}
		}
	}
	return out
}

// outcome is what a compilation gave: the error, or the warnings and the objects' YAML.
func outcome[R policy.Result](res R, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	y, err := res.YAML()
	if err != nil {
		return "rendering error " + err.Error()
	}
	return fmt.Sprintf("warnings %v, objects\n%s", res.Warnings(), y)
}
