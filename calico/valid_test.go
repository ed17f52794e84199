package calico_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
)

// label is a DNS-1123 label, the form of tier names and of policy names within a tier
// (libcalico-go validator/v3 nameLabelFmt).
var label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// checkValid asserts what Calico's API server would check on create (libcalico-go
// validator/v3 and names.ValidateTieredPolicyName), and the backend's own promises:
// explicit types, explicit orders (UntieredOrder in the tiers it owns), the managed-by
// label, and a strict round trip of the rendered YAML.
func checkValid(t *testing.T, name string, res *calico.Result) {
	t.Helper()
	errorf := func(format string, args ...any) { t.Errorf("%s: "+format, append([]any{name}, args...)...) }
	tiers := map[string]bool{"default": true}
	for _, tier := range res.Tiers {
		tiers[tier.Name] = true
		if !label.MatchString(tier.Name) || tier.Spec.Order == nil || tier.Spec.DefaultAction == nil {
			errorf("tier %s: bad name, or order or default action unset", tier.Name)
		}
	}
	for _, o := range res.Objects() {
		if o.GetObjectKind().GroupVersionKind().Empty() {
			errorf("%s: TypeMeta unset", o.GetName())
		}
		if o.GetLabels()[policy.ManagedByLabel] != policy.ManagedByValue {
			errorf("%s: no managed-by label", o.GetName())
		}
		var tier, selector string
		var order *float64
		var types []calicov3.PolicyType
		var in, out []calicov3.Rule
		switch p := o.(type) {
		case *calicov3.NetworkPolicy:
			tier, order, selector, types, in, out = p.Spec.Tier, p.Spec.Order, p.Spec.Selector, p.Spec.Types, p.Spec.Ingress, p.Spec.Egress
		case *calicov3.GlobalNetworkPolicy:
			tier, order, selector, types, in, out = p.Spec.Tier, p.Spec.Order, p.Spec.Selector, p.Spec.Types, p.Spec.Ingress, p.Spec.Egress
			if p.Spec.NamespaceSelector == "" {
				errorf("%s: a global policy without namespaceSelector also selects host endpoints", p.Name)
			}
		case *calicov3.StagedNetworkPolicy:
			tier, order, selector, types, in, out = p.Spec.Tier, p.Spec.Order, p.Spec.Selector, p.Spec.Types, p.Spec.Ingress, p.Spec.Egress
			if p.Spec.StagedAction != calicov3.StagedActionSet {
				errorf("%s: stagedAction %q", p.Name, p.Spec.StagedAction)
			}
		case *calicov3.StagedGlobalNetworkPolicy:
			tier, order, selector, types, in, out = p.Spec.Tier, p.Spec.Order, p.Spec.Selector, p.Spec.Types, p.Spec.Ingress, p.Spec.Egress
			if p.Spec.StagedAction != calicov3.StagedActionSet {
				errorf("%s: stagedAction %q", p.Name, p.Spec.StagedAction)
			}
		default:
			continue
		}
		pname := o.GetName()
		if tier == "" {
			if !label.MatchString(pname) {
				errorf("%s: a default-tier name must be a label without dots", pname)
			}
		} else {
			short, ok := strings.CutPrefix(pname, tier+".")
			if !ok || !label.MatchString(short) || !tiers[tier] {
				errorf("%s: not named <tier>.<name> for tier %q, or the tier is not emitted", pname, tier)
			}
		}
		if selector == "" || order == nil {
			errorf("%s: selector or order unset", pname)
		}
		if len(types) == 0 || len(types) == 2 && types[0] == types[1] {
			errorf("%s: types %v", pname, types)
		}
		if order != nil && (tier == "" || tier == calico.DenyTier) && *order != calico.UntieredOrder {
			errorf("%s: order %v in tier %q, want UntieredOrder", pname, *order, tier)
		}
		for i, r := range in {
			checkRule(errorf, fmt.Sprintf("%s ingress[%d]", pname, i), r, true)
		}
		for i, r := range out {
			checkRule(errorf, fmt.Sprintf("%s egress[%d]", pname, i), r, false)
		}
	}
	y, err := res.YAML()
	if err != nil {
		errorf("%v", err)
		return
	}
	golden.RoundTrip(t, y, newObject)
}

func checkRule(errorf func(string, ...any), where string, r calicov3.Rule, ingress bool) {
	proto := ""
	if r.Protocol != nil {
		proto = r.Protocol.String()
	}
	ports := len(r.Destination.Ports) > 0 || len(r.Source.Ports) > 0
	if ports && proto != "TCP" && proto != "UDP" && proto != "SCTP" {
		errorf("%s: ports need protocol TCP, UDP or SCTP, have %q", where, proto)
	}
	if r.ICMP != nil && proto != "ICMP" && proto != "ICMPv6" {
		errorf("%s: icmp needs protocol ICMP or ICMPv6", where)
	}
	if r.ICMP != nil && r.ICMP.Type != nil && *r.ICMP.Type > 254 {
		errorf("%s: ICMP type above 254", where)
	}
	if r.HTTP != nil && (!ingress || r.Action != calicov3.Allow || proto != "TCP") {
		errorf("%s: http only on ingress TCP allow rules", where)
	}
	v4, v6 := false, false
	for _, er := range []calicov3.EntityRule{r.Source, r.Destination} {
		for _, n := range append(append([]string(nil), er.Nets...), er.NotNets...) {
			p, err := netip.ParsePrefix(n)
			if err != nil || p != p.Masked() {
				errorf("%s: bad CIDR %q", where, n)
				continue
			}
			v4, v6 = v4 || p.Addr().Is4(), v6 || p.Addr().Is6()
		}
		for _, n := range er.NotNets {
			if n == "0.0.0.0/0" || n == "::/0" {
				errorf("%s: catch-all CIDR in notNets", where)
			}
		}
		for _, s := range []string{er.Selector, er.NamespaceSelector} {
			if s == "" {
				continue
			}
			if _, err := parseExpr(s); err != nil {
				errorf("%s: %v", where, err)
			}
			if strings.Contains(s, "global()") {
				errorf("%s: global() selects non-namespaced endpoints", where)
			}
		}
	}
	if v4 && v6 {
		errorf("%s: IPv4 and IPv6 CIDRs in one rule", where)
	}
}

func TestValid(t *testing.T) {
	for _, c := range handCorpus() {
		for _, opts := range [][]calico.Option{c.opts, append([]calico.Option{clusterCIDRs(), calico.WorldAsNets(), calico.WidenL7()}, c.opts...)} {
			res, err := calico.Compile(c.build(), opts...)
			if err != nil {
				continue
			}
			checkValid(t, c.name, res)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for i := range 200 {
		s := withNamespaces(policy.NewSet())
		for _, op := range randomSet(rng) {
			op(s)
		}
		res, err := calico.Compile(s, clusterCIDRs(), calico.ApplicationLayerPolicy())
		if err != nil {
			continue
		}
		checked++
		checkValid(t, fmt.Sprintf("random-%d", i), res)
	}
	if checked < 100 {
		t.Errorf("only %d random Sets compiled", checked)
	}
}

// TestNothingToSay checks that a policy without rules or isolation emits no object:
// Calico would read empty types as Ingress, and types are always explicit.
func TestNothingToSay(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Tier("sec", 1)
	s.Cluster("empty").InTier("sec", 1)
	s.Service("idle").WithLabels(map[string]string{"team": "a"})
	res, err := calico.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if objs := res.Objects(); len(objs) != 1 || objs[0].GetName() != "sec" {
		t.Errorf("want only the tier, got %d objects", len(objs))
	}
}
